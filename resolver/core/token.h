/*
 * token.h - the bearer tokens of the national-style API (ref/idis.md §2.7, §4.1): issued by
 * its login (POST /identity/token), valid 24 hours, signed with a secret of this node.
 *
 * A token is a JWT (RFC 7519) with HMAC-SHA256 (what the national system hands out, so clients
 * that peek into it find the usual shape):
 *
 *   base64url({"alg":"HS256","typ":"JWT"}) "." base64url(payload) "." base64url(HMAC)
 *   payload = {"sub":"<index:handle>","iat":<unix s>,"exp":<unix s>,"kfp":"<16 hex>"}
 *
 * - The header must be exactly ours (no "alg":"none", no other algorithm); the HMAC-SHA256 of
 *   the first two parts under the node secret is checked (constant time) before the payload
 *   is even decoded, so a tampered token is never parsed.
 * - sub is the identity that logged in; exp = iat + TOKEN_TTL; a token is refused from exp on
 *   (IDR_EEXPIRED) and when iat lies in the future beyond TOKEN_SKEW.
 * - kfp is a fingerprint of the identity's key value at login (the first 8 bytes of SHA-256
 *   of the stored HS_SECKEY data): the API compares it with the key stored now, so changing
 *   an identity's secret revokes its tokens.
 *
 * The node secret: TOKEN_KEY_LEN random bytes kept in <data_dir>/token.key (64 hex digits and
 * a newline, mode 0600), made at the first start. Tokens therefore survive a restart; deleting
 * the file (and restarting) revokes every token. Several servers of one site that should
 * accept each other's tokens share the file.
 *
 * Also here: the password check of the login in its two forms (plain and the dated "cipher").
 *
 * Thread-safety: no state; a struct token_key is read-only after token_key_load.
 */
#ifndef IDR_RESOLVER_CORE_TOKEN_H
#define IDR_RESOLVER_CORE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "core/auth.h"

#define TOKEN_KEY_LEN  32
#define TOKEN_TTL      86400u /* 24 hours (ref/idis.md §2.7: "token会在24h后实效") */
#define TOKEN_SKEW     300u   /* seconds a token's iat may lie ahead of our clock */
#define TOKEN_MAX      2048   /* bytes of a token we accept */
#define TOKEN_FP_LEN   8
#define TOKEN_FILE     "token.key"
#define TOKEN_DATE_LEN 10 /* "yyyy-MM-dd" */

/** The node secret. */
struct token_key {
	uint8_t k[TOKEN_KEY_LEN];
};

/** What a valid token says. */
struct token_claims {
	char sub[AUTH_ID_MAX]; /* "index:handle", NUL-terminated */
	uint64_t iat, exp;
	uint8_t fp[TOKEN_FP_LEN];
};

/**
 * Read the node secret from dir/token.key, or make it (random, mode 0600) when the file does
 * not exist. A file that exists but does not hold 64 hex digits is an error, never replaced.
 * @return IDR_OK; IDR_ECONFIG (malformed file: the message is logged); a negated errno
 *         (IDR_EACCES, ...) from the file system; IDR_ECRYPTO (no randomness).
 */
int token_key_load(const char *dir, struct token_key *out) IDR_MUSTCHECK;

/** The fingerprint of an identity's stored key value (kfp). */
void token_key_fp(struct slice keyvalue, uint8_t fp[TOKEN_FP_LEN]);

/**
 * Issue a token for sub ("index:handle", at most AUTH_ID_MAX - 1 bytes) valid from now for
 * TOKEN_TTL seconds; appended to out (NUL not included).
 * @return IDR_OK, IDR_EINVAL (sub empty or too long, or not valid UTF-8 text), IDR_ECRYPTO,
 *         or the wbuf's error.
 */
int token_issue(const struct token_key *k, const char *sub, const uint8_t fp[TOKEN_FP_LEN],
                uint64_t now, struct wbuf *out) IDR_MUSTCHECK;

/**
 * Check a token (outside input, at most TOKEN_MAX bytes) and read its claims.
 * @return IDR_OK; IDR_EAUTH (malformed, another header, a signature that does not verify,
 *         claims missing or inconsistent); IDR_EEXPIRED (now >= exp, or issued in the future).
 */
int token_verify(const struct token_key *k, struct slice tok, uint64_t now,
                 struct token_claims *out) IDR_MUSTCHECK;

/** Login forms of the national API. */
enum token_login { TOKEN_LOGIN_PLAIN = 1, TOKEN_LOGIN_CIPHER = 2 };

/**
 * The date text "yyyy-MM-dd" of unix time t shifted by offset seconds (UTC + offset) into
 * out (TOKEN_DATE_LEN + 1 bytes).
 */
void token_date(uint64_t t, int64_t offset, char out[TOKEN_DATE_LEN + 1]);

/**
 * Does a login password match the identity's stored HS_SECKEY value?
 * - plain (POST /identity/token): the password is the secret. Matches the forms
 *   auth_secret_match knows (the secret, hex SHA-1 of it) and, in addition, a stored value of
 *   64 hex digits that is SHA-256 of the secret.
 * - cipher (POST /identity/token/v1): the password is sha256hex(sha256hex(secret) + date),
 *   date "yyyy-MM-dd" (the ref's example: 58e2c92c... is secret 123456 on 2019-08-15; its
 *   note says 12345, a slip: 123456 is the vector). sha256hex
 *   of the secret comes from a stored secret in clear, or is the stored value when that is 64
 *   hex digits. A stored SHA-1 form cannot take part (the secret is not known). Dates
 *   accepted: those of now +- 15 minutes in China Standard Time (UTC+8, the national system's
 *   clock) and in UTC, so clocks at midnight and clients in either zone agree.
 * Comparisons are constant time in the content.
 */
bool token_login_match(enum token_login form, struct slice stored, struct slice password,
                       uint64_t now);

/** The cipher password for a sha256hex of the secret and a date (tests, clients). */
void token_cipher(struct slice sha256hex, const char *date, char out[2 * 32 + 1]);

#endif /* IDR_RESOLVER_CORE_TOKEN_H */
