/* err.c - messages for enum idr_err. */
#include "base/err.h"

#include <string.h>

struct errmsg {
	int code;
	const char *msg;
};

static const struct errmsg errmsgs[] = {
        {IDR_OK, "success"},
        {IDR_EPROTO, "malformed input"},
        {IDR_ETOOBIG, "output does not fit in the available space"},
        {IDR_ELIMIT, "a size or count limit was exceeded"},
        {IDR_ESTORE, "storage engine failure"},
        {IDR_ETLS, "TLS failure"},
        {IDR_ECONFIG, "invalid configuration"},
        {IDR_ECRYPTO, "cryptographic library failure"},
        {IDR_ESCHEMA, "data directory has a schema version this build does not support"},
        {IDR_ECONFLICT, "already exists with different content"},
        {IDR_EREADERS, "too many concurrent store readers"},
        {IDR_ENOTINIT, "data directory is not initialised (run 'idr init')"},
        {IDR_EJOURNAL, "journal hash chain is broken"},
        {IDR_EUTF8, "text is not valid UTF-8"},
        {IDR_ECTRL, "text contains a control character"},
        {IDR_ESTATE, "operation not allowed in the current state"},
        {IDR_EAUTH, "authentication failed"},
        {IDR_EDENIED, "not authorized for this operation"},
        {IDR_EEXPIRED, "expired"},
        {IDR_EQUOTA, "quota exceeded"},

        {IDR_EID_EMPTY, "identifier is empty"},
        {IDR_EID_NOPREFIX, "identifier has an empty prefix (nothing before the first '/')"},
        {IDR_EID_NOSUFFIX, "identifier has an empty suffix (nothing after the first '/')"},
        {IDR_EID_SEGMENT, "prefix has an empty segment (leading, trailing or doubled '.')"},
        {IDR_EID_PREFIXCHAR, "prefix may contain only ASCII letters, digits, '-', '_' and '.'"},
        {IDR_EID_UTF8, "identifier is not valid UTF-8"},
        {IDR_EID_CTRL, "identifier contains a control character"},
        {IDR_EID_TOOLONG,
         "identifier is longer than the configured limit (default 255 characters)"},
        {IDR_EID_HARDLIMIT, "identifier is longer than 2048 bytes (protocol limit)"},
        {IDR_EID_NOTPREFIX, "expected a prefix, found an identifier with a '/'"},
        {IDR_EID_NOSLASH, "identifier has no '/' separating prefix and suffix (e.g. 88.118.8/P-1)"},

        {IDR_EPFX_UNKNOWN, "prefix is not hosted by this node"},
        {IDR_EPFX_DISABLED, "prefix is hosted by this node but not enabled (state is not 1 启用)"},
        {IDR_EPFX_NOTBELOW, "enterprise prefix is not beneath this node's prefix"},
        {IDR_EPFX_STATE, "prefix state must be one of 0 disabled 停用, 1 enabled 启用, 2 deleting "
                         "待删除, 3 rejected 被驳回, 4 pending 待审核, 5 reviewing 审核中 (the "
                         "number, the English name in any case, or the Chinese label)"},
        {IDR_EPFX_NODE, "the node prefix cannot be changed or disabled this way"},
        {IDR_EPFX_DIFFNODE, "data belongs to a different node prefix"},
        {IDR_EPFX_USCC_LEN, "unified social credit code (统一社会信用代码) must be 18 characters"},
        {IDR_EPFX_USCC_CHAR, "unified social credit code may hold only digits and the upper-case "
                             "letters of GB 32100 (not I, O, S, V, Z)"},
        {IDR_EPFX_USCC_CHECK, "unified social credit code check digit (the 18th character) is "
                              "wrong (GB 32100-2015)"},
        {IDR_EPFX_INDUSTRY, "industry must be a GB/T 4754 code: a section letter A-T and/or a "
                            "division, group or class of 2, 3 or 4 digits (e.g. C, C13, 1311)"},
        {IDR_EPFX_UNDECIDED, "prefix is not awaiting a decision (its state is not 4 pending "
                             "待审核 or 5 reviewing 审核中)"},
        {IDR_EPFX_APPLIED, "prefix is already hosted or applied for (only a rejected 被驳回 "
                           "application may be made again)"},
        {IDR_EPFX_ADMINSLOT, "the prefix handle's index 300 holds a value that is not an "
                             "HS_VLIST group: move it before approving"},

        {IDR_EREC_KIND, "unknown item kind (part wip process product lot package)"},
        {IDR_EREC_NOKIND, "lifecycle item needs a kind (part wip process product lot package)"},
        {IDR_EREC_INDEX, "value index is zero, negative or used twice"},
        {IDR_EREC_TYPE, "value type is empty or not valid UTF-8 text"},
        {IDR_EREC_RESERVED, "attribute uses a reserved value type or index"},
        {IDR_EREC_TOOMANY, "record has more than 2048 values"},
        {IDR_EREC_NOVALUE, "record has no value with that index"},
        {IDR_EREC_LASTVALUE, "cannot remove the last value of a record (delete the record)"},

        {IDR_ETMPL_UNKNOWN, "no metadata template with that prefix and version"},
        {IDR_ETMPL_PUBLISHED,
         "metadata template version is published and cannot change (create a new version)"},
        {IDR_ETMPL_NOTPUBLISHED, "metadata template version is not published (draft or "
                                 "withdrawn): records cannot be registered against it"},
        {IDR_ETMPL_STATE, "metadata template state does not allow this (draft -> published "
                          "<-> withdrawn)"},
        {IDR_ETMPL_INVALID, "metadata template definition is invalid"},
        {IDR_ETMPL_ITEM, "metadata template has no item with that index or key"},
        {IDR_ETMPL_RECORD, "record does not satisfy its metadata template"},
};

const char *
idr_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errmsgs) / sizeof(errmsgs[0]); i++) {
		if (errmsgs[i].code == err) {
			return errmsgs[i].msg;
		}
	}
	if (err < 0 && err > -1000) {
		return strerror(-err);
	}
	return "unknown error";
}
