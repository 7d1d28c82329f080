/*
 * tls.c - server TLS over OpenSSL 3 (tls.h).
 *
 * Policy: TLS 1.2 and 1.3 only; for TLS 1.2 the ECDHE/DHE AEAD suites of Mozilla's
 * "intermediate" profile, chosen in the server's order; no renegotiation; compression off.
 * OpenSSL errors never leave this file as OpenSSL codes: the thread's error queue is drained
 * into the log and the caller gets IDR_ETLS.
 *
 * Reload: the current SSL_CTX is swapped under a mutex; SSL_new takes its own reference to the
 * context under the same mutex, so a context is freed only when the last connection made with
 * it is.
 */
#include "net/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

struct tls_ctx {
	pthread_mutex_t lock; /* ctx */
	SSL_CTX *ctx;
};

struct tls_conn {
	SSL *ssl;
};

static const unsigned char alpn_http11[] = "\x08http/1.1";

/* A pair that fails to load at a reload is a warning (the old one serves on), not an error. */
static _Thread_local bool reloading;

#define TLS_LOG(...)                                                                               \
	do {                                                                                       \
		if (reloading) {                                                                   \
			log_warn(__VA_ARGS__);                                                     \
		} else {                                                                           \
			log_err(__VA_ARGS__);                                                      \
		}                                                                                  \
	} while (0)

/* Log every queued OpenSSL error under what, empty the queue, and return IDR_ETLS. */
static int
tls_fail(const char *what)
{
	unsigned long e;
	char buf[256];
	int n = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		TLS_LOG("tls: %s: %s", what, buf);
		n++;
	}
	if (n == 0) {
		TLS_LOG("tls: %s", what);
	}
	return IDR_ETLS;
}

/* ALPN: http/1.1 when the client offers it; otherwise no protocol is selected. */
static int
on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
        unsigned int inlen, void *arg)
{
	unsigned char *sel = NULL;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_http11, sizeof(alpn_http11) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED) {
		return SSL_TLSEXT_ERR_NOACK;
	}
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

static int
ctx_policy(SSL_CTX *ctx)
{
	static const unsigned char sid_ctx[] = "idrd";

	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		return tls_fail("cannot require TLS 1.2");
	}
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
	                                 SSL_OP_NO_COMPRESSION);
	/* idle connections keep no 34 KiB read/write buffers */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1) {
		return tls_fail("cipher list rejected");
	}
	if (SSL_CTX_set_dh_auto(ctx, 1) != 1) {
		return tls_fail("cannot enable DHE parameters");
	}
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) != 1) {
		return tls_fail("cannot set the session id context");
	}
	SSL_CTX_set_alpn_select_cb(ctx, on_alpn, NULL);
	return IDR_OK;
}

static int
ctx_load(SSL_CTX *ctx, const char *cert_file, const char *key_file)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		TLS_LOG("tls: cannot load the certificate chain from %s", cert_file);
		return tls_fail("certificate");
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		/* OpenSSL compares the key with the certificate while loading it */
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
			TLS_LOG("tls: the key in %s does not match the certificate in %s", key_file,
			        cert_file);
		} else {
			TLS_LOG("tls: cannot load the private key from %s", key_file);
		}
		return tls_fail("private key");
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		TLS_LOG("tls: the key in %s does not match the certificate in %s", key_file,
		        cert_file);
		return tls_fail("key check");
	}
	return IDR_OK;
}

/* A context with the policy and the pair loaded (NULL on failure, logged). */
static SSL_CTX *
ctx_make(const char *cert_file, const char *key_file)
{
	SSL_CTX *ctx;

	if (cert_file == NULL || key_file == NULL) {
		TLS_LOG("tls: a certificate and a key file are needed");
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		tls_fail("cannot create a context");
		return NULL;
	}
	if (ctx_policy(ctx) != IDR_OK || ctx_load(ctx, cert_file, key_file) != IDR_OK) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int
tls_ctx_new(struct tls_ctx **out, const char *cert_file, const char *key_file)
{
	struct tls_ctx *t;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return IDR_ENOMEM;
	}
	t->ctx = ctx_make(cert_file, key_file);
	if (t->ctx == NULL) {
		tls_ctx_free(t);
		return IDR_ETLS;
	}
	*out = t;
	return IDR_OK;
}

int
tls_ctx_reload(struct tls_ctx *t, const char *cert_file, const char *key_file)
{
	SSL_CTX *ctx, *old;

	reloading = true;
	ctx = ctx_make(cert_file, key_file);
	reloading = false;
	if (ctx == NULL) {
		log_warn("tls: the new certificate or key does not load: keeping the old pair");
		return IDR_ETLS;
	}
	pthread_mutex_lock(&t->lock);
	old = t->ctx;
	t->ctx = ctx;
	pthread_mutex_unlock(&t->lock);
	SSL_CTX_free(old); /* connections made with it keep their reference */
	log_notice("tls: certificate %s loaded", cert_file);
	return IDR_OK;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL) {
		return;
	}
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

int
tls_conn_new(struct tls_ctx *t, int fd, struct tls_conn **out)
{
	struct tls_conn *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return IDR_ENOMEM;
	}
	pthread_mutex_lock(&t->lock);
	c->ssl = SSL_new(t->ctx);
	pthread_mutex_unlock(&t->lock);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		tls_conn_free(c);
		return tls_fail("cannot create a connection");
	}
	SSL_set_accept_state(c->ssl);
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	*out = c;
	return IDR_OK;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL) {
		return;
	}
	SSL_free(c->ssl);
	free(c);
}

/*
 * What an SSL call that returned r means. Errors of a peer (bad handshake, reset) are normal
 * on a public server: logged at debug level only, the queue emptied.
 */
static int
io_result(struct tls_conn *c, int r, int *want)
{
	int e = SSL_get_error(c->ssl, r);
	unsigned long q;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = TLS_WANT_READ;
		return IDR_EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = TLS_WANT_WRITE;
		return IDR_EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		/* end of stream without close_notify: HTTP clients do that */
		if (ERR_peek_error() == 0 && (r == 0 || errno == 0 || errno == ECONNRESET)) {
			return 0;
		}
		break;
	default:
		break;
	}
	while ((q = ERR_get_error()) != 0) {
		if (log_enabled(LOG_DEBUG)) {
			char buf[256];

			ERR_error_string_n(q, buf, sizeof(buf));
			log_debug("tls: %s", buf);
		}
	}
	return IDR_ETLS;
}

int
tls_conn_handshake(struct tls_conn *c, int *want)
{
	int r;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		return IDR_OK;
	}
	r = io_result(c, r, want);
	return r == 0 ? IDR_ETLS : r; /* closed during the handshake: a failure */
}

ssize_t
tls_conn_read(struct tls_conn *c, void *buf, size_t cap, int *want)
{
	size_t n = 0;
	int r;

	ERR_clear_error();
	r = SSL_read_ex(c->ssl, buf, cap, &n);
	if (r == 1) {
		return (ssize_t)n;
	}
	return io_result(c, r, want);
}

bool
tls_conn_pending(const struct tls_conn *c)
{
	return SSL_pending(c->ssl) > 0;
}

ssize_t
tls_conn_write(struct tls_conn *c, const void *buf, size_t len, int *want)
{
	size_t n = 0;
	int r;

	ERR_clear_error();
	r = SSL_write_ex(c->ssl, buf, len, &n);
	if (r == 1) {
		return (ssize_t)n;
	}
	r = io_result(c, r, want);
	return r == 0 ? IDR_ETLS : r; /* writing to a closed connection: an error */
}

const char *
tls_conn_version(const struct tls_conn *c)
{
	return SSL_get_version(c->ssl);
}
