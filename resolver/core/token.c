/* token.c - bearer tokens and the login check of the national-style API (token.h). */
#include "core/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/text.h"

/* base64url of {"alg":"HS256","typ":"JWT"}: the only header we issue or accept */
#define JWT_HEADER   "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define SIG_B64LEN   43 /* 32 bytes, unpadded */
#define SHA256_HEX   ((size_t)2 * CRYPTO_SHA256_LEN)
#define KEY_HEX      ((size_t)2 * TOKEN_KEY_LEN)
#define FP_HEX       ((size_t)2 * TOKEN_FP_LEN)
#define CST_OFFSET   ((int64_t)8 * 3600) /* China Standard Time */
#define DATE_SLACK   900                 /* seconds either side of now whose date counts */
#define PATH_MAX_LEN 4096

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void
b64url_encode(struct wbuf *w, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		wbuf_u8(w, (uint8_t)b64url[v >> 18]);
		wbuf_u8(w, (uint8_t)b64url[(v >> 12) & 63]);
		wbuf_u8(w, (uint8_t)b64url[(v >> 6) & 63]);
		wbuf_u8(w, (uint8_t)b64url[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		wbuf_u8(w, (uint8_t)b64url[v >> 18]);
		wbuf_u8(w, (uint8_t)b64url[(v >> 12) & 63]);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		wbuf_u8(w, (uint8_t)b64url[v >> 18]);
		wbuf_u8(w, (uint8_t)b64url[(v >> 12) & 63]);
		wbuf_u8(w, (uint8_t)b64url[(v >> 6) & 63]);
	}
}

/* base64url (unpadded) into out: mapped to standard base64, padded, decoded. */
static int
b64url_decode(struct slice s, uint8_t *out, size_t cap, size_t *n)
{
	char std[TOKEN_MAX + 4];
	size_t i;

	if (s.len > TOKEN_MAX || s.len % 4 == 1) {
		return IDR_EPROTO;
	}
	for (i = 0; i < s.len; i++) {
		char c = (char)s.p[i];

		if (c == '+' || c == '/' || c == '=') {
			return IDR_EPROTO;
		}
		std[i] = (char)(c == '-' ? '+' : c == '_' ? '/' : c);
	}
	while (i % 4 != 0) {
		std[i++] = '=';
	}
	return b64_decode(slice_make(std, i), out, cap, n);
}

/* ---------------------------------------------------------------- the node secret */

static int
key_read(int fd, const char *path, struct token_key *out)
{
	char buf[KEY_HEX + 2];
	ssize_t got = read(fd, buf, sizeof(buf));

	if (got < 0) {
		int e = errno;

		log_err("%s: %s", path, strerror(e));
		return -e;
	}
	if (((size_t)got != KEY_HEX && !((size_t)got == KEY_HEX + 1 && buf[got - 1] == '\n')) ||
	    crypto_unhex(buf, KEY_HEX, out->k, TOKEN_KEY_LEN) != IDR_OK) {
		log_err("%s: not a token key (64 hex digits); remove it to make a new one (every "
		        "token issued so far becomes invalid)",
		        path);
		return IDR_ECONFIG;
	}
	return IDR_OK;
}

static int
key_make(int fd, const char *path, struct token_key *out)
{
	char hex[KEY_HEX + 2];

	if (crypto_random(out->k, TOKEN_KEY_LEN) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	crypto_hex(out->k, TOKEN_KEY_LEN, hex);
	hex[KEY_HEX] = '\n';
	if (write(fd, hex, sizeof(hex) - 1) != (ssize_t)(sizeof(hex) - 1) || fsync(fd) != 0) {
		int e = errno != 0 ? errno : EIO;

		log_err("%s: %s", path, strerror(e));
		(void)unlink(path);
		return -e;
	}
	log_notice("token key made: %s (the secret of the national API's login tokens)", path);
	return IDR_OK;
}

int
token_key_load(const char *dir, struct token_key *out)
{
	char path[PATH_MAX_LEN];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, TOKEN_FILE);
	int fd, rc;

	if (n < 0 || (size_t)n >= sizeof(path)) {
		return IDR_EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		rc = key_read(fd, path, out);
		close(fd);
		return rc;
	}
	if (errno != ENOENT) {
		rc = -errno;
		log_err("%s: %s", path, strerror(-rc));
		return rc;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		log_err("%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = key_make(fd, path, out);
	close(fd);
	return rc;
}

void
token_key_fp(struct slice keyvalue, uint8_t fp[TOKEN_FP_LEN])
{
	uint8_t h[CRYPTO_SHA256_LEN];

	if (crypto_sha256(keyvalue.p, keyvalue.len, h) != IDR_OK) {
		memset(h, 0, sizeof(h)); /* never matches a fingerprint made when hashing worked */
		h[0] = 1;
	}
	memcpy(fp, h, TOKEN_FP_LEN);
}

/* ---------------------------------------------------------------- tokens */

static int
sign(const struct token_key *k, struct slice signed_part, uint8_t mac[CRYPTO_SHA256_LEN])
{
	return crypto_hmac(CRYPTO_SHA256, k->k, TOKEN_KEY_LEN, signed_part.p, signed_part.len, mac);
}

int
token_issue(const struct token_key *k, const char *sub, const uint8_t fp[TOKEN_FP_LEN],
            uint64_t now, struct wbuf *out)
{
	char payload[AUTH_ID_MAX + 128];
	char fphex[FP_HEX + 1];
	uint8_t mac[CRYPTO_SHA256_LEN];
	size_t slen = strlen(sub), start = wbuf_len(out);
	json_t *sj;
	char *subj;
	int n;

	if (slen == 0 || slen >= AUTH_ID_MAX || !text_is_clean((const uint8_t *)sub, slen)) {
		return IDR_EINVAL;
	}
	sj = json_stringn(sub, slen);
	subj = sj != NULL ? json_dumps(sj, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	json_decref(sj);
	if (subj == NULL) {
		return IDR_EINVAL;
	}
	crypto_hex(fp, TOKEN_FP_LEN, fphex);
	n = snprintf(payload, sizeof(payload),
	             "{\"sub\":%s,\"iat\":%llu,\"exp\":%llu,\"kfp\":\"%s\"}", subj,
	             (unsigned long long)now, (unsigned long long)now + TOKEN_TTL, fphex);
	free(subj);
	if (n < 0 || (size_t)n >= sizeof(payload)) {
		return IDR_EINVAL;
	}
	wbuf_lit(out, JWT_HEADER ".");
	b64url_encode(out, (const uint8_t *)payload, (size_t)n);
	if (wbuf_error(out) != IDR_OK) {
		return wbuf_error(out);
	}
	if (sign(k, slice_make(wbuf_data(out) + start, wbuf_len(out) - start), mac) != IDR_OK) {
		return IDR_ECRYPTO;
	}
	wbuf_u8(out, '.');
	b64url_encode(out, mac, sizeof(mac));
	return wbuf_error(out);
}

/* The claims of a verified payload. */
static int
claims(const uint8_t *p, size_t n, struct token_claims *out)
{
	json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
	json_t *sub, *iat, *exp, *kfp;
	int rc = IDR_EAUTH;

	if (j == NULL) {
		return IDR_EAUTH;
	}
	sub = json_object_get(j, "sub");
	iat = json_object_get(j, "iat");
	exp = json_object_get(j, "exp");
	kfp = json_object_get(j, "kfp");
	if (json_is_string(sub) && json_string_length(sub) > 0 &&
	    json_string_length(sub) < sizeof(out->sub) && json_is_integer(iat) &&
	    json_is_integer(exp) && json_integer_value(iat) >= 0 &&
	    json_integer_value(exp) == json_integer_value(iat) + (json_int_t)TOKEN_TTL &&
	    json_is_string(kfp) && json_string_length(kfp) == FP_HEX &&
	    crypto_unhex(json_string_value(kfp), FP_HEX, out->fp, TOKEN_FP_LEN) == IDR_OK) {
		memcpy(out->sub, json_string_value(sub), json_string_length(sub) + 1);
		out->iat = (uint64_t)json_integer_value(iat);
		out->exp = (uint64_t)json_integer_value(exp);
		rc = IDR_OK;
	}
	json_decref(j);
	return rc;
}

int
token_verify(const struct token_key *k, struct slice tok, uint64_t now, struct token_claims *out)
{
	static const size_t hlen = sizeof(JWT_HEADER) - 1;
	uint8_t mac[CRYPTO_SHA256_LEN], given[CRYPTO_SHA256_LEN + 4], payload[TOKEN_MAX];
	const uint8_t *dot;
	size_t plen, glen, n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (tok.len > TOKEN_MAX || tok.len < hlen + 2 + SIG_B64LEN ||
	    memcmp(tok.p, JWT_HEADER ".", hlen + 1) != 0) {
		return IDR_EAUTH;
	}
	dot = memchr(tok.p + hlen + 1, '.', tok.len - hlen - 1);
	if (dot == NULL) {
		return IDR_EAUTH;
	}
	plen = (size_t)(dot - (tok.p + hlen + 1));
	glen = tok.len - (size_t)(dot + 1 - tok.p);
	/* the last character carries 2 unused bits: they must be 0, else several texts would
	 * stand for one signature */
	if (glen != SIG_B64LEN || dot[glen] == 0 || strchr("AEIMQUYcgkosw048", dot[glen]) == NULL ||
	    b64url_decode(slice_make(dot + 1, glen), given, sizeof(given), &n) != IDR_OK ||
	    n != sizeof(mac)) {
		return IDR_EAUTH;
	}
	if (sign(k, slice_make(tok.p, (size_t)(dot - tok.p)), mac) != IDR_OK ||
	    crypto_memeq(mac, given, sizeof(mac)) != 1) {
		return IDR_EAUTH;
	}
	rc = b64url_decode(slice_make(tok.p + hlen + 1, plen), payload, sizeof(payload), &n);
	if (rc != IDR_OK || claims(payload, n, out) != IDR_OK) {
		return IDR_EAUTH;
	}
	if (now >= out->exp || out->iat > now + TOKEN_SKEW) {
		return IDR_EEXPIRED;
	}
	return IDR_OK;
}

/* ---------------------------------------------------------------- login */

void
token_date(uint64_t t, int64_t offset, char out[TOKEN_DATE_LEN + 1])
{
	time_t s = (time_t)((int64_t)t + offset);
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL ||
	    strftime(out, TOKEN_DATE_LEN + 1, "%Y-%m-%d", &tm) != TOKEN_DATE_LEN) {
		memcpy(out, "0000-00-00", TOKEN_DATE_LEN + 1);
	}
}

static bool
sha256_hex(const void *p, size_t n, char out[SHA256_HEX + 1])
{
	uint8_t h[CRYPTO_SHA256_LEN];

	if (crypto_sha256(p, n, h) != IDR_OK) {
		return false;
	}
	crypto_hex(h, sizeof(h), out);
	return true;
}

void
token_cipher(struct slice sha256hex, const char *date, char out[2 * 32 + 1])
{
	char buf[SHA256_HEX + TOKEN_DATE_LEN];
	size_t n = sha256hex.len < SHA256_HEX ? sha256hex.len : SHA256_HEX;
	size_t dn = strnlen(date, TOKEN_DATE_LEN);

	memcpy(buf, sha256hex.p, n);
	memcpy(buf + n, date, dn);
	if (!sha256_hex(buf, n + dn, out)) {
		memset(out, 'x', SHA256_HEX); /* matches no hex password */
		out[SHA256_HEX] = '\0';
	}
}

/* Is s 64 hex digits? Then its lower-case form into out. */
static bool
hex64_lower(struct slice s, char out[SHA256_HEX + 1])
{
	if (s.len != SHA256_HEX) {
		return false;
	}
	for (size_t i = 0; i < SHA256_HEX; i++) {
		int c = s.p[i];

		if (text_hex_digit(c) < 0) {
			return false;
		}
		out[i] = (char)(c >= 'A' && c <= 'F' ? c + ('a' - 'A') : c);
	}
	out[SHA256_HEX] = '\0';
	return true;
}

/* password == sha256hex(base + date) for one of the dates around now? (lower-case hex) */
static bool
cipher_match(const char *base, struct slice password, uint64_t now)
{
	static const int64_t offsets[] = {CST_OFFSET, 0};
	char want[SHA256_HEX + 1], date[TOKEN_DATE_LEN + 1], last[4][TOKEN_DATE_LEN + 1];
	char given[SHA256_HEX + 1];
	bool ok = false;
	size_t nlast = 0;

	if (!hex64_lower(password, given)) {
		return false;
	}
	for (size_t o = 0; o < 2; o++) {
		for (int d = -1; d <= 1; d += 2) {
			bool seen = false;

			token_date(now + (uint64_t)((int64_t)d * DATE_SLACK), offsets[o], date);
			for (size_t i = 0; i < nlast; i++) {
				seen |= strcmp(last[i], date) == 0;
			}
			if (seen) {
				continue;
			}
			if (nlast < 4) {
				memcpy(last[nlast++], date, sizeof(date));
			}
			token_cipher(slice_make(base, SHA256_HEX), date, want);
			ok |= crypto_memeq(want, given, SHA256_HEX) == 1;
		}
	}
	return ok;
}

bool
token_login_match(enum token_login form, struct slice stored, struct slice password, uint64_t now)
{
	char base[SHA256_HEX + 1], hashed[SHA256_HEX + 1];
	bool ok = false;

	if (stored.len == 0 || password.len == 0) {
		return false;
	}
	if (form == TOKEN_LOGIN_PLAIN) {
		ok = auth_secret_match(stored, password);
		if (hex64_lower(stored, base) && sha256_hex(password.p, password.len, hashed)) {
			ok |= crypto_memeq(base, hashed, SHA256_HEX) == 1;
		}
		return ok;
	}
	if (form != TOKEN_LOGIN_CIPHER) {
		return false;
	}
	if (sha256_hex(stored.p, stored.len, base)) {
		ok = cipher_match(base, password, now); /* stored in clear */
	}
	if (hex64_lower(stored, base)) {
		ok |= cipher_match(base, password, now); /* stored as sha256hex(secret) */
	}
	return ok;
}
