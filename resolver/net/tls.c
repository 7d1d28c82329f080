/*
 * tls.c - the server TLS context (OpenSSL 3) and TLS bufferevents for accepted sockets.
 *
 * Policy: TLS 1.2 and 1.3 only; for TLS 1.2 the ECDHE/DHE AEAD suites of Mozilla's
 * "intermediate" profile, chosen in the server's order; no renegotiation; compression off.
 * OpenSSL errors never leave this file as OpenSSL codes: the thread's error queue is drained
 * into the log and the caller gets IDR_ETLS.
 */
#include "net/tls.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include "base/log.h"

#define TLS12_CIPHERS                                                                              \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                               \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                               \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"                               \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

struct tls_ctx {
	SSL_CTX *ctx;
};

/* Log every queued OpenSSL error under what, empty the queue, and return IDR_ETLS. */
static int
tls_fail(const char *what)
{
	unsigned long e;
	char buf[256];
	int n = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_err("tls: %s: %s", what, buf);
		n++;
	}
	if (n == 0) {
		log_err("tls: %s", what);
	}
	return IDR_ETLS;
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
	return IDR_OK;
}

static int
ctx_load(SSL_CTX *ctx, const char *cert_file, const char *key_file)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		log_err("tls: cannot load the certificate chain from %s", cert_file);
		return tls_fail("certificate");
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		/* OpenSSL compares the key with the certificate while loading it */
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
			log_err("tls: the key in %s does not match the certificate in %s", key_file,
			        cert_file);
		} else {
			log_err("tls: cannot load the private key from %s", key_file);
		}
		return tls_fail("private key");
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		log_err("tls: the key in %s does not match the certificate in %s", key_file,
		        cert_file);
		return tls_fail("key check");
	}
	return IDR_OK;
}

int
tls_ctx_new(struct tls_ctx **out, const char *cert_file, const char *key_file)
{
	struct tls_ctx *t;
	int rc;

	*out = NULL;
	if (cert_file == NULL || key_file == NULL) {
		log_err("tls: a certificate and a key file are needed");
		return IDR_ETLS;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return IDR_ENOMEM;
	}
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (t->ctx == NULL) {
		free(t);
		return tls_fail("cannot create a context");
	}
	rc = ctx_policy(t->ctx);
	if (rc == IDR_OK) {
		rc = ctx_load(t->ctx, cert_file, key_file);
	}
	if (rc != IDR_OK) {
		tls_ctx_free(t);
		return rc;
	}
	*out = t;
	return IDR_OK;
}

void
tls_ctx_free(struct tls_ctx *t)
{
	if (t == NULL) {
		return;
	}
	SSL_CTX_free(t->ctx);
	free(t);
}

struct bufferevent *
tls_bufferevent_new(struct tls_ctx *t, struct event_base *base, int fd)
{
	struct bufferevent *bev;
	SSL *ssl = SSL_new(t->ctx);

	if (ssl == NULL) {
		tls_fail("cannot create a connection");
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		/*
		 * Not SSL_free(ssl): depending on where libevent failed it may already have
		 * freed it (BEV_OPT_CLOSE_ON_FREE), and a leak under memory exhaustion is
		 * better than a double free.
		 */
		tls_fail("cannot create a TLS bufferevent");
		return NULL;
	}
	/* clients that close without close_notify are normal for HTTP; not an error */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
