/*
 * gen.h - serial numbers and GS1 keys for `idr gen`: identifier patterns with a counter, date
 * parts and check characters, GTIN-14 / SSCC construction with their GS1 mod-10 check digit
 * (model/gs1check.h), GS1 element strings in the human-readable "(AI)value" form and GS1
 * Digital Link URIs.
 *
 * Pattern syntax: literal text with placeholders
 *   {seq:W}  the counter, zero-padded to W digits (1..18); values above 10^W - 1 are refused
 *   {yyyy} {yy} {mm} {dd}   date parts (of gen_vars.date)
 *   {check}  ISO/IEC 7064 MOD 37,36 check character over the letters and digits before it
 *            (case-insensitive; other characters are skipped)
 *   {mod10}  GS1 mod-10 check digit over the digits before it (letters before it are refused)
 *   {gtin} {sscc} {serial}  the GS1 key / AI (21) serial of the row (only where allowed)
 * '{' not starting a known placeholder and '}' outside one are errors; there is no escape.
 *
 * Pure functions; thread-safe; no allocation. Outputs are NUL-terminated in caller buffers.
 */
#ifndef IDR_TOOLS_COMMON_GEN_H
#define IDR_TOOLS_COMMON_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_PATTERN 256 /* bytes of a pattern */
#define GEN_MAX_PARTS   32  /* literals and placeholders in a pattern */
#define GEN_MAX_OUT     512 /* bytes of an expanded pattern */
#define GEN_MAX_WIDTH   18  /* digits of {seq:W} */
#define GEN_ERR_LEN     160
#define GEN_MAX_SERIAL  20 /* AI (21) and AI (10): up to 20 CSET 82 characters */

/* placeholders a pattern may use besides the always allowed ones (gen_pattern_parse) */
#define GEN_ALLOW_GTIN   0x1u
#define GEN_ALLOW_SSCC   0x2u
#define GEN_ALLOW_SERIAL 0x4u

enum gen_part_kind {
	GEN_LIT = 0,
	GEN_SEQ,
	GEN_YYYY,
	GEN_YY,
	GEN_MM,
	GEN_DD,
	GEN_CHECK,
	GEN_MOD10,
	GEN_GTIN,
	GEN_SSCC,
	GEN_SERIAL
};

struct gen_part {
	enum gen_part_kind kind;
	size_t off, len; /* GEN_LIT: the literal text in gen_pattern.text */
	unsigned width;  /* GEN_SEQ */
};

/** A parsed pattern (a value type: copy it freely). */
struct gen_pattern {
	char text[GEN_MAX_PATTERN + 1];
	struct gen_part parts[GEN_MAX_PARTS];
	size_t nparts;
	unsigned seq_width; /* narrowest {seq:W}; 0 when the pattern has no counter */
	unsigned uses;      /* GEN_ALLOW_* bits of the placeholders present */
};

struct gen_date {
	unsigned year, month, day; /* 1..9999, 1..12, 1..31 (checked by gen_date_parse) */
};

/** What one row's pattern expands from. Strings borrowed, NULL when not in use. */
struct gen_vars {
	uint64_t seq;
	struct gen_date date;
	const char *gtin;   /* 14 digits */
	const char *sscc;   /* 18 digits */
	const char *serial; /* AI (21) value */
};

/**
 * Parse a pattern (see the file comment).
 * @param allow  GEN_ALLOW_* bits: the GS1 placeholders permitted here.
 * @return IDR_OK, IDR_EPROTO (err names the placeholder or character) or IDR_ELIMIT (too long,
 *         too many parts).
 */
int gen_pattern_parse(struct gen_pattern *p, const char *s, unsigned allow, char *err,
                      size_t errlen);

/**
 * Largest counter value the pattern can print: 10^seq_width - 1, UINT64_MAX without {seq}.
 */
uint64_t gen_pattern_max_seq(const struct gen_pattern *p);

/**
 * Expand p for one row into out[0..cap) (NUL-terminated).
 * @return IDR_OK; IDR_ELIMIT (v->seq wider than a {seq:W}); IDR_EPROTO ({check}/{mod10} with
 *         nothing to check, a letter before {mod10}, a GS1 placeholder whose value is NULL);
 *         IDR_ETOOBIG (cap or GEN_MAX_OUT exceeded). err says which.
 */
int gen_pattern_expand(const struct gen_pattern *p, const struct gen_vars *v, char *out, size_t cap,
                       char *err, size_t errlen);

/** Parse "YYYY-MM-DD" (a real calendar date). @return IDR_OK or IDR_EPROTO. */
int gen_date_parse(const char *s, struct gen_date *out);

/**
 * A GTIN-14 (with check digit) from spec: "COMPANYPREFIX.ITEMREF" (6..12 + the rest, 12 digits
 * together) with an indicator digit 0..9 in front, or a whole GTIN-8/12/13/14 whose check digit
 * is verified (indicator must then be 0; shorter GTINs are padded with zeros to 14).
 * @param out  15 bytes: 14 digits and NUL.
 * @return IDR_OK or IDR_EPROTO (err says what is wrong).
 */
int gen_gtin(const char *spec, unsigned indicator, char *out, char *err, size_t errlen);

/**
 * Largest serial reference of an SSCC with a company prefix of cplen digits (6..12):
 * 10^(16 - cplen) - 1; 0 when cplen is out of range.
 */
uint64_t gen_sscc_max_ref(size_t cplen);

/**
 * An SSCC (18 digits: extension digit, company prefix, serial reference zero-padded to
 * 16 - strlen(cp) digits, check digit).
 * @param out  19 bytes.
 * @return IDR_OK, IDR_EPROTO (cp not 6..12 digits, ext > 9) or IDR_ELIMIT (ref too large).
 */
int gen_sscc(unsigned ext, const char *cp, uint64_t ref, char *out);

/**
 * Check an AI (10)/(21) value: 1..GEN_MAX_SERIAL characters of GS1 CSET 82 other than '(' and
 * ')' (which the human-readable form cannot carry). @return IDR_OK or IDR_EPROTO.
 */
int gen_cset82_check(const char *s, char *err, size_t errlen);

/** One GS1 element: an AI ("01") and its value (borrowed). */
struct gen_ai {
	const char *ai;
	const char *val;
};

/**
 * The human-readable element string "(01)...(10)...(21)..." of ais[0..n) into out.
 * @return IDR_OK or IDR_ETOOBIG.
 */
int gen_gs1_hri(const struct gen_ai *ais, size_t n, char *out, size_t cap);

/**
 * The GS1 Digital Link URI base + "/01/<gtin>/10/<lot>/21/<serial>" (elements in the given
 * order, which must be the key then its qualifiers), values percent-encoded except RFC 3986
 * unreserved characters; a '/' at the end of base is dropped. @return IDR_OK or IDR_ETOOBIG.
 */
int gen_gs1_dl(const char *base, const struct gen_ai *ais, size_t n, char *out, size_t cap);

/**
 * A URL: base (a trailing '/' dropped) + "/" + path percent-encoded except RFC 3986 unreserved
 * characters and '/', e.g. "https://node.example" + "88.118.8/P 1" ->
 * "https://node.example/88.118.8/P%201". @return IDR_OK or IDR_ETOOBIG.
 */
int gen_url_join(const char *base, const char *path, char *out, size_t cap);

/**
 * Write one CSV field (RFC 4180: quoted when it holds ',', '"', CR or LF; '"' doubled) to
 * out[*len..cap), advancing *len; NUL-terminates. @return IDR_OK or IDR_ETOOBIG.
 */
int gen_csv_field(const char *s, char *out, size_t cap, size_t *len);

#endif /* IDR_TOOLS_COMMON_GEN_H */
