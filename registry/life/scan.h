/*
 * scan.h - what a barcode scanner or RFID reader delivers, turned into a canonical identifier
 * (ref/traceability.md §3, §4; issue 9 "Scanners").
 *
 * scan_parse() recognises, in one call:
 *   - a bare handle (`88.118.8/P-1`), `hdl:88.118.8/P-1`, or a handle URL
 *     (`https://node/88.118.8/P-1`, `https://node/?code=88.118.8%2FP-1`), percent-decoded;
 *   - a GS1 Digital Link URI (`https://any/prefix/01/{gtin}/10/{lot}/21/{ser}?17=261231`);
 *   - a GS1 element string, with or without a symbology identifier (`]d2`, `]Q3`, `]C1`, `]e0`,
 *     `]d5`, `]Q4`, `]J1`), variable fields ended by GS (0x1D) or a configured substitute; the
 *     human-readable form `(01)...(21)...`; an EAN/UPC (`]E0`, `]E4` or bare 8/12/13/14 digits
 *     with a valid check digit) becomes (01);
 *   - a 96-bit RFID EPC in hex (SGTIN-96, SSCC-96, SGLN-96, GRAI-96, GIAI-96) and EPC pure-identity
 *     URNs (`urn:epc:id:sgtin|sscc|sgln|grai|giai:...`, `urn:epc:class:lgtin:...`);
 *   - plain symbology identifiers (`]Q1`, `]d1`, `]C0`, ...) before any of the text forms,
 *     and trailing CR, LF or TAB (a keyboard-wedge terminator).
 * GS1 data is checked against the GS1 AI table for the AIs listed in scan_ai.c (lengths,
 * numeric / CSET 82 / CSET 39, check digits, dates, fixed digits): an AI outside the table is an
 * error, never a guess. Every error leaves a one-line message in res->err that names the AI and
 * the rule, e.g. "(17) 240231: day 31 does not exist in February" or
 * "(01) check digit is 3, expected 2".
 *
 * Pure functions: no store, network, clock or globals; thread-safe; no heap allocation. All
 * results are copied into caller-owned structs (struct scan_result is about 8 KiB: fine on a
 * thread stack, keep it off small coroutine stacks).
 */
#ifndef IDR_REGISTRY_LIFE_SCAN_H
#define IDR_REGISTRY_LIFE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_INPUT_MAX  4096 /* bytes of scanner input accepted (longer: IDR_ELIMIT) */
#define SCAN_AIS_MAX    32   /* AIs in one element string or Digital Link */
#define SCAN_VALUE_MAX  90   /* longest AI value in the table (91-99: an..90) */
#define SCAN_HANDLE_MAX 2048 /* bytes: IDENT_HARD_MAX */
#define SCAN_URI_MAX    1024 /* EPC URN and Digital Link text, NUL included */
#define SCAN_ERR_MAX    160  /* error message, NUL included */
#define SCAN_DL_DOMAIN  "https://id.gs1.org"
#define SCAN_GS         0x1d /* ASCII group separator: FNC1 as scanners transmit it */

/** What was recognised. */
enum scan_kind {
	SCAN_NONE = 0, /* nothing (error) */
	SCAN_HANDLE,   /* an IDIS / Handle identifier: res->handle */
	SCAN_GS1,      /* GS1 data: res->gs1 (and res->dl when a primary key is present) */
	SCAN_EPC,      /* an EPC: res->epc_urn, and res->gs1 / res->dl for its GS1 key */
};

/** The form the input had (for messages and statistics; the result does not depend on it). */
enum scan_form {
	SCAN_FORM_NONE = 0,
	SCAN_FORM_HANDLE,     /* bare handle or hdl:handle */
	SCAN_FORM_HANDLE_URL, /* http(s) URL with the handle in the path or in ?code= */
	SCAN_FORM_DL,         /* GS1 Digital Link URI */
	SCAN_FORM_ELEMENT,    /* GS1 element string (raw, GS-separated) */
	SCAN_FORM_HRI,        /* (01)...(21)... human-readable form */
	SCAN_FORM_GTIN,       /* EAN/UPC digits alone (no AI) */
	SCAN_FORM_EPC_HEX,    /* RFID EPC bank, hex */
	SCAN_FORM_EPC_URN,    /* urn:epc:id:... or urn:epc:class:lgtin:... */
};

/** EPC schemes this module decodes and converts. */
enum scan_epc {
	SCAN_EPC_NONE = 0,
	SCAN_EPC_SGTIN, /* (01) + (21) */
	SCAN_EPC_SSCC,  /* (00) */
	SCAN_EPC_SGLN,  /* (414) [+ (254)] */
	SCAN_EPC_GRAI,  /* (8003) */
	SCAN_EPC_GIAI,  /* (8004) */
	SCAN_EPC_LGTIN, /* class-level: (01) + (10), urn:epc:class:lgtin */
};

/** One GS1 element: AI digits and its value, both NUL-terminated. */
struct scan_ai {
	char ai[5];                     /* "01", "8003", "3103" */
	char value[SCAN_VALUE_MAX + 1]; /* as in the element string (GTINs padded to 14 digits) */
};

/**
 * A list of GS1 elements. key is the index of the primary key (00, 01, 253, 414, 8003, 8004,
 * 8006, 8010, 8017, 8018), or -1 when there is none (e.g. `(10)LOT7` alone).
 */
struct scan_gs1 {
	struct scan_ai el[SCAN_AIS_MAX];
	size_t n;
	int key;
};

struct scan_opts {
	/* byte a keyboard-wedge scanner sends instead of GS (e.g. '|', '~'); 0: none. Choose
	 * one outside CSET 82 ('|', '~', '^', '#', ...): a CSET 82 character would split values. */
	char gs_subst;
	/* read the four characters "<GS>" as GS (scanners configured to spell it out). Off by
	 * default: '<', 'G', 'S', '>' are CSET 82 and may be data. */
	bool gs_text;
	/* length of the GS1 company prefix (6..12) to write an EPC URN for GS1 input; 0: unknown,
	 * and res->epc_urn stays empty for GS1 input. */
	unsigned gcp_len;
	/* scheme + host (+ path) for res->dl; NULL: SCAN_DL_DOMAIN. No trailing '/'. */
	const char *dl_domain;
};

/** The outcome of scan_parse. Fields not named by kind are empty strings / zero. */
struct scan_result {
	enum scan_kind kind;
	enum scan_form form;
	enum scan_epc epc; /* SCAN_EPC with the scheme; else SCAN_EPC_NONE */
	char symbology[4]; /* "]d2" as received, or "" */
	char handle[SCAN_HANDLE_MAX + 1];
	struct scan_gs1 gs1;            /* SCAN_GS1, and SCAN_EPC (the GS1 form of the EPC) */
	char epc_urn[SCAN_URI_MAX];     /* urn:epc:id:... (SCAN_EPC; SCAN_GS1 if gcp_len given) */
	char epc_tag_urn[SCAN_URI_MAX]; /* urn:epc:tag:sgtin-96:3.... (EPC hex input only) */
	char dl[SCAN_URI_MAX];          /* canonical Digital Link when gs1 has a primary key */
	char err[SCAN_ERR_MAX];         /* the message when scan_parse fails; else "" */
};

/**
 * Recognise one scan. Trailing CR, LF and TAB are ignored; so is a UTF-8 BOM.
 * @param in   the bytes as delivered (need not be NUL-terminated; may contain GS).
 * @param o    NULL for defaults (no substitute, company prefix unknown, id.gs1.org).
 * @param res  filled completely: on error kind is SCAN_NONE and err says what was wrong.
 * @return IDR_OK; IDR_EPROTO (malformed: res->err); IDR_ELIMIT (more than SCAN_INPUT_MAX bytes,
 *         more than SCAN_AIS_MAX elements); IDR_ETOOBIG (a canonical form does not fit).
 */
int scan_parse(const void *in, size_t len, const struct scan_opts *o, struct scan_result *res);

/**
 * Split a GS1 element string into AIs and check each against the AI table. in is the data
 * after any symbology identifier: `0106901234567892` `10LOT7` GS `21SN1`, or the HRI form when
 * it starts with '('. o: separator options (gs_subst, gs_text); NULL: plain GS only.
 * @param err  SCAN_ERR_MAX bytes for the message.
 * @return IDR_OK, IDR_EPROTO, IDR_ELIMIT.
 */
int scan_gs1_parse(const char *in, size_t len, const struct scan_opts *o, struct scan_gs1 *out,
                   char *err);

/**
 * Check one AI value against the AI table (length, character set, check digit, date...).
 * @param ai  2-4 digits, NUL-terminated.
 * @return IDR_OK, or IDR_EPROTO with err set ("(01) check digit is 3, expected 2").
 */
int scan_ai_check(const char *ai, const char *value, size_t len, char *err);

/**
 * Check the combination of elements: no AI twice with different values, and the pairing rules
 * that Digital Link relies on ((21), (10), (22) need (01), (02) or (8006); (254) needs (414);
 * (8011) needs (8010); (01) and (02) exclude each other). Sets out->key.
 * @return IDR_OK, or IDR_EPROTO with err set.
 */
int scan_gs1_check(struct scan_gs1 *g, char *err);

/**
 * Parse a GS1 Digital Link URI (http or https, any host and path before the primary key;
 * qualifiers in grammar order; attributes in the query; other query keys ignored).
 * GTIN-8/12/13 are padded to 14 digits. Every value is checked like scan_ai_check.
 * @return IDR_OK; IDR_ENOENT (a URI without a GS1 primary key in its path, err set);
 *         IDR_EPROTO, IDR_ELIMIT (err set).
 */
int scan_dl_parse(const char *in, size_t len, struct scan_gs1 *out, char *err);

/**
 * Write the canonical Digital Link of g: domain + "/" + key + qualifiers in grammar order
 * + "?" + the remaining AIs as attributes in element order; values percent-encoded outside
 * the RFC 3986 unreserved set. domain NULL: SCAN_DL_DOMAIN.
 * @return IDR_OK, IDR_ENOENT (g has no primary key), IDR_ETOOBIG (cap too small).
 */
int scan_dl_format(const struct scan_gs1 *g, const char *domain, char *out, size_t cap);

/** How scan_gs1_format writes an element string. */
enum scan_gs1_style {
	SCAN_STYLE_HRI,     /* (01)06901234567892(10)LOT7 */
	SCAN_STYLE_BRACKET, /* [01]06901234567892[10]LOT7 (zint --gs1 input) */
	SCAN_STYLE_RAW,     /* 0106901234567892 10LOT7 GS ... (what a scanner sends, no ]xx) */
};

/**
 * Write g as an element string. RAW puts GS after every variable-length value except the last.
 * @return IDR_OK or IDR_ETOOBIG.
 */
int scan_gs1_format(const struct scan_gs1 *g, enum scan_gs1_style style, char *out, size_t cap);

/**
 * Decode a 96-bit EPC from hex (24 hex digits, either case): SGTIN-96, SSCC-96, SGLN-96,
 * GRAI-96, GIAI-96 per the EPC Tag Data Standard partition tables.
 * @param urn      SCAN_URI_MAX bytes: urn:epc:id:...
 * @param tag_urn  SCAN_URI_MAX bytes: urn:epc:tag:<scheme>-96:<filter>....; may be NULL.
 * @param g        the GS1 key of the EPC; may be NULL.
 * @return IDR_OK, or IDR_EPROTO with err set (unknown header, partition 7, a field out of
 *         range, non-zero reserved bits).
 */
int scan_epc_hex_decode(const char *hex, size_t len, enum scan_epc *scheme, char *urn,
                        char *tag_urn, struct scan_gs1 *g, char *err);

/**
 * EPC pure-identity URN (or urn:epc:class:lgtin) to GS1 elements: sgtin -> (01)(21),
 * sscc -> (00), sgln -> (414)[(254)], grai -> (8003), giai -> (8004), lgtin -> (01)(10).
 * Check digits are computed; URN escapes (%2F...) in serials are decoded.
 * @return IDR_OK, or IDR_EPROTO with err set.
 */
int scan_epc_to_gs1(const char *urn, size_t len, enum scan_epc *scheme, struct scan_gs1 *g,
                    char *err);

/**
 * GS1 elements to an EPC URN, given the company prefix length (6..12). The scheme follows the
 * primary key: (01)+(21) sgtin, (01)+(10) without (21) lgtin, (00) sscc, (414) sgln (extension
 * "0" without (254)), (8003) grai (needs a serial), (8004) giai. The serial is escaped as the
 * TDS requires (" % & / < > ? as %XX).
 * @return IDR_OK; IDR_ENOENT (no key that maps to an EPC); IDR_EPROTO (gcp_len out of range or
 *         longer than the key allows; err set); IDR_ETOOBIG.
 */
int scan_epc_from_gs1(const struct scan_gs1 *g, unsigned gcp_len, char *out, size_t cap, char *err);

/**
 * GS1 mod-10 check digit of digits[0..len) (the body, without its check digit).
 * @return '0'..'9', or -1 if a byte is not a digit or len is 0.
 */
int scan_check_digit(const char *digits, size_t len);

/** Add an element to g (value copied). @return IDR_OK, IDR_ELIMIT, IDR_ETOOBIG (value). */
int scan_gs1_add(struct scan_gs1 *g, const char *ai, const char *value, size_t len);

/** The element with this AI, or NULL. */
const struct scan_ai *scan_gs1_find(const struct scan_gs1 *g, const char *ai);

/** Static names for messages and JSON: "handle", "gs1", "epc"; "element", "dl", ...; "sgtin". */
const char *scan_kind_name(enum scan_kind k);
const char *scan_form_name(enum scan_form f);
const char *scan_epc_name(enum scan_epc e);

#endif /* IDR_REGISTRY_LIFE_SCAN_H */
