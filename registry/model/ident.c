/* ident.c - identifier syntax: validation, prefix/suffix split, ASCII case folding. */
#include "model/ident.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"

static inline uint8_t
ascii_upper(uint8_t c)
{
	return (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
}

static inline bool
is_prefix_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '-' || c == '_';
}

/*
 * Segments and characters in one left-to-right pass, so the first problem in the text is the
 * one reported. The caller has already ruled out an empty prefix.
 */
static int
check_segments(struct slice prefix)
{
	size_t i, seglen = 0;

	for (i = 0; i < prefix.len; i++) {
		uint8_t c = prefix.p[i];

		if (c == '.') {
			if (seglen == 0) {
				return IDR_EID_SEGMENT;
			}
			seglen = 0;
			continue;
		}
		if (!is_prefix_char(c)) {
			return IDR_EID_PREFIXCHAR;
		}
		seglen++;
	}
	return seglen == 0 ? IDR_EID_SEGMENT : IDR_OK;
}

int
ident_prefix_check(struct slice prefix)
{
	if (prefix.len == 0) {
		return IDR_EID_EMPTY;
	}
	if (prefix.len > IDENT_HARD_MAX) {
		return IDR_EID_HARDLIMIT;
	}
	if (memchr(prefix.p, '/', prefix.len) != NULL) {
		return IDR_EID_NOTPREFIX;
	}
	return check_segments(prefix);
}

static size_t
effective_max_chars(const struct ident_opts *o)
{
	if (o == NULL || o->max_chars == 0) {
		return IDENT_DEFAULT_MAX_CHARS;
	}
	return o->max_chars > IDENT_HARD_MAX ? IDENT_HARD_MAX : o->max_chars;
}

const char *
ident_strerror(int rc, const struct ident_opts *o, char *buf, size_t cap)
{
	int n;

	if (rc != IDR_EID_TOOLONG || cap == 0) {
		return idr_strerror(rc);
	}
	n = snprintf(buf, cap, "identifier is longer than the configured limit of %zu characters",
	             effective_max_chars(o));
	return n > 0 && (size_t)n < cap ? buf : idr_strerror(rc);
}

/* The checks that look at the whole text: size, encoding, control characters, length. */
static int
check_text(const uint8_t *p, size_t len, const struct ident_opts *o, size_t *nchars)
{
	bool ctrl = false;

	if (len == 0) {
		return IDR_EID_EMPTY;
	}
	if (len > IDENT_HARD_MAX) {
		return IDR_EID_HARDLIMIT;
	}
	if (text_utf8_check(p, len, nchars, &ctrl) != IDR_OK) {
		return IDR_EID_UTF8;
	}
	if (ctrl) {
		return IDR_EID_CTRL;
	}
	if (*nchars > effective_max_chars(o)) {
		return IDR_EID_TOOLONG;
	}
	return IDR_OK;
}

int
ident_parse(struct ident *out, const void *p, size_t len, const struct ident_opts *o)
{
	struct ident id;
	const uint8_t *slash;
	int rc;

	memset(&id, 0, sizeof(id));
	rc = check_text(p, len, o, &id.nchars);
	if (rc != IDR_OK) {
		return rc;
	}
	id.full = slice_make(p, len);
	slash = memchr(id.full.p, '/', len);
	if (slash == NULL && (o == NULL || !o->allow_no_slash)) {
		return IDR_EID_NOSLASH;
	}
	id.has_slash = slash != NULL;
	id.prefix = slice_make(id.full.p, id.has_slash ? (size_t)(slash - id.full.p) : len);
	if (id.has_slash) {
		id.suffix = slice_make(slash + 1, len - id.prefix.len - 1);
	} else {
		id.suffix = slice_make(id.full.p + len, 0);
	}
	if (id.prefix.len == 0) {
		return IDR_EID_NOPREFIX;
	}
	rc = check_segments(id.prefix);
	if (rc != IDR_OK) {
		return rc;
	}
	if (id.has_slash && id.suffix.len == 0) {
		return IDR_EID_NOSUFFIX;
	}
	/* a bare name has no suffix to name a prefix, so only `0.NA/x` is a prefix handle */
	id.zero_na = id.has_slash && slice_caseeq_cstr(id.prefix, IDENT_ZERO_NA);
	if (id.zero_na) {
		rc = ident_prefix_check(id.suffix);
		if (rc != IDR_OK) {
			return rc;
		}
	}
	*out = id;
	return IDR_OK;
}

void
ident_fold(const uint8_t *p, size_t len, uint8_t *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		out[i] = ascii_upper(p[i]);
	}
}

bool
ident_prefix_parent(struct slice prefix, struct slice *parent)
{
	const uint8_t *slash;
	size_t start = 0, i;

	if (prefix.len == 0) {
		return false;
	}
	/* in a prefix handle `0.NA/88.1` only the dots after the '/' separate levels */
	slash = memchr(prefix.p, '/', prefix.len);
	if (slash != NULL) {
		start = (size_t)(slash - prefix.p) + 1;
	}
	for (i = prefix.len; i > start; i--) {
		if (prefix.p[i - 1] == '.') {
			if (i - 1 == start) {
				return false;
			}
			*parent = slice_make(prefix.p, i - 1);
			return true;
		}
	}
	return false;
}

bool
ident_prefix_is_below(struct slice child, struct slice parent)
{
	if (parent.len == 0 || child.len <= parent.len + 1) {
		return false;
	}
	return child.p[parent.len] == '.' && slice_caseeq(slice_make(child.p, parent.len), parent);
}

int
ident_zero_na(struct slice prefix, char *out, size_t cap)
{
	static const char head[] = IDENT_ZERO_NA "/";
	size_t hlen = sizeof(head) - 1;

	if (cap == 0) {
		return IDR_ETOOBIG;
	}
	if (cap < hlen + 1 || prefix.len > cap - hlen - 1) {
		out[0] = '\0';
		return IDR_ETOOBIG;
	}
	memcpy(out, head, hlen);
	if (prefix.len > 0) {
		memcpy(out + hlen, prefix.p, prefix.len);
	}
	out[hlen + prefix.len] = '\0';
	return IDR_OK;
}
