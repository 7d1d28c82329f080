/*
 * err.h - error codes shared by every idr module.
 *
 * Functions that can fail return int: IDR_OK (0) or a negative enum idr_err. System errors map
 * 1:1 to negated errno values; project errors start at -1000. Many project codes name the exact
 * rule an input broke, so that "idr_strerror(rc)" is a complete user-facing message.
 * Thread-safe: idr_strerror returns static strings.
 */
#ifndef IDR_REGISTRY_BASE_ERR_H
#define IDR_REGISTRY_BASE_ERR_H

#include <errno.h>

#define IDR_MUSTCHECK         __attribute__((warn_unused_result))
#define IDR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define IDR_FALLTHROUGH       __attribute__((fallthrough))
#define IDR_UNUSED            __attribute__((unused))

enum idr_err {
	IDR_OK = 0,
	/* system errors, 1:1 with errno */
	IDR_ENOMEM = -ENOMEM,
	IDR_EAGAIN = -EAGAIN,
	IDR_ENOENT = -ENOENT,
	IDR_EEXIST = -EEXIST,
	IDR_ENOSPC = -ENOSPC,
	IDR_EINVAL = -EINVAL,
	IDR_EIO = -EIO,
	IDR_EACCES = -EACCES,
	IDR_EBUSY = -EBUSY,
	IDR_EINTR = -EINTR,
	IDR_EPIPE = -EPIPE, /* the reader of a pipe or socket went away */

	/* generic project errors */
	IDR_EPROTO = -1000,  /* malformed input */
	IDR_ETOOBIG = -1001, /* output does not fit */
	IDR_ELIMIT = -1002,  /* a configured or protocol limit was exceeded */
	IDR_ESTORE = -1003,  /* storage engine failure */
	IDR_ETLS = -1004,
	IDR_ECONFIG = -1005,
	IDR_ECRYPTO = -1006,
	IDR_ESCHEMA = -1007,   /* store schema version differs from this build's */
	IDR_ECONFLICT = -1008, /* exists with different content */
	IDR_EREADERS = -1009,  /* store reader table full */
	IDR_ENOTINIT = -1010,  /* data directory not initialised */
	IDR_EJOURNAL = -1011,  /* journal chain broken */
	IDR_EUTF8 = -1012,     /* text is not valid UTF-8 */
	IDR_ECTRL = -1013,     /* text contains a control character */
	IDR_ESTATE = -1014,    /* operation not allowed in the current state */
	IDR_EAUTH = -1015,     /* authentication failed: signature, MAC or secret does not verify */
	IDR_EDENIED = -1016,   /* authenticated, but not authorized for this operation */
	IDR_EEXPIRED = -1017,  /* challenge, session or token expired */
	IDR_EQUOTA = -1018,    /* a per-prefix or per-client quota is used up */

	/* identifier syntax: each names the rule */
	IDR_EID_EMPTY = -1100,
	IDR_EID_NOPREFIX = -1101,
	IDR_EID_NOSUFFIX = -1102,
	IDR_EID_SEGMENT = -1103,
	IDR_EID_PREFIXCHAR = -1104,
	IDR_EID_UTF8 = -1105,
	IDR_EID_CTRL = -1106,
	IDR_EID_TOOLONG = -1107,
	IDR_EID_HARDLIMIT = -1108,
	IDR_EID_NOTPREFIX = -1109,
	IDR_EID_NOSLASH = -1110, /* no '/' between prefix and suffix */

	/* prefixes */
	IDR_EPFX_UNKNOWN = -1200,    /* prefix not hosted by this node */
	IDR_EPFX_DISABLED = -1201,   /* prefix hosted but not enabled */
	IDR_EPFX_NOTBELOW = -1202,   /* enterprise prefix not beneath the node prefix */
	IDR_EPFX_STATE = -1203,      /* unknown prefix state */
	IDR_EPFX_NODE = -1204,       /* the node prefix cannot be changed this way */
	IDR_EPFX_DIFFNODE = -1205,   /* data belongs to another node prefix */
	IDR_EPFX_USCC_LEN = -1206,   /* credit code is not 18 characters */
	IDR_EPFX_USCC_CHAR = -1207,  /* credit code has a character outside GB 32100's set */
	IDR_EPFX_USCC_CHECK = -1208, /* credit code check digit wrong */
	IDR_EPFX_INDUSTRY = -1209,   /* not a GB/T 4754 industry code */
	IDR_EPFX_UNDECIDED = -1210,  /* prefix is not awaiting a decision (state 4 or 5) */
	IDR_EPFX_APPLIED = -1211,    /* prefix already hosted or applied for */
	IDR_EPFX_ADMINSLOT = -1212,  /* 0.NA/<prefix> index 300 holds something else than a group */

	/* records and values */
	IDR_EREC_KIND = -1300,      /* unknown item kind */
	IDR_EREC_NOKIND = -1301,    /* lifecycle item without a kind */
	IDR_EREC_INDEX = -1302,     /* value index invalid or duplicated */
	IDR_EREC_TYPE = -1303,      /* value type empty or invalid */
	IDR_EREC_RESERVED = -1304,  /* attribute uses a reserved type or index */
	IDR_EREC_TOOMANY = -1305,   /* more than 2048 values */
	IDR_EREC_NOVALUE = -1306,   /* no value with that index */
	IDR_EREC_LASTVALUE = -1307, /* would remove the last value */

	/* metadata templates (元数据模板); the registry's detail string names the field */
	IDR_ETMPL_UNKNOWN = -1400,      /* no template with that prefix and version */
	IDR_ETMPL_PUBLISHED = -1401,    /* the version is published: immutable */
	IDR_ETMPL_NOTPUBLISHED = -1402, /* registration against a draft or withdrawn version */
	IDR_ETMPL_STATE = -1403,        /* publish/withdraw not allowed in the current state */
	IDR_ETMPL_INVALID = -1404,      /* template definition breaks a rule */
	IDR_ETMPL_ITEM = -1405,         /* no item with that index or key */
	IDR_ETMPL_RECORD = -1406        /* record values do not satisfy the template */
};

/**
 * Describe an error code.
 * @param err  IDR_OK or a negative idr_err (other negative errno values are accepted too).
 * @return a static, NUL-terminated message; never NULL.
 */
const char *idr_strerror(int err);

#endif /* IDR_REGISTRY_BASE_ERR_H */
