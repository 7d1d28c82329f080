/*
 * tls.h - server TLS context over OpenSSL 3 (the only OpenSSL user besides registry/crypto.c).
 * TLS 1.2 minimum, modern cipher list, certificate chain and key from PEM files, checked to
 * match at load. OpenSSL types do not appear here: callers get an opaque context and a
 * function that wraps a socket in a libevent bufferevent. Thread-safe: the context is shared
 * by workers (SSL_CTX is reference-counted and safe for concurrent SSL_new).
 */
#ifndef IDR_RESOLVER_NET_TLS_H
#define IDR_RESOLVER_NET_TLS_H

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "base/err.h"

struct tls_ctx;

/**
 * Load a server context. Errors are logged with the OpenSSL error queue drained.
 * @return IDR_OK, IDR_ETLS (unreadable/mismatched certificate or key), IDR_ENOMEM.
 */
int tls_ctx_new(struct tls_ctx **out, const char *cert_file, const char *key_file) IDR_MUSTCHECK;
void tls_ctx_free(struct tls_ctx *t);

/**
 * Wrap an accepted socket in a server-side TLS bufferevent (BEV_OPT_CLOSE_ON_FREE).
 * @return the bufferevent or NULL (logged).
 */
struct bufferevent *tls_bufferevent_new(struct tls_ctx *t, struct event_base *base, int fd);

#endif /* IDR_RESOLVER_NET_TLS_H */
