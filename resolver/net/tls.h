/*
 * tls.h - server-side TLS over OpenSSL 3 (the only OpenSSL user besides registry/base/crypto.c),
 * for a connection layer that does its own non-blocking I/O on the socket.
 *
 * Policy: TLS 1.2 minimum; for TLS 1.2 only ECDHE/DHE suites with AEAD ciphers (AES-GCM,
 * ChaCha20-Poly1305), TLS 1.3 with its own (all AEAD); the server's order; no renegotiation,
 * no compression; ALPN: "http/1.1" is selected when the client offers it (a client offering
 * only other protocols, e.g. h2, gets no ALPN and may speak HTTP/1.1 or leave).
 *
 * The certificate and key can be reloaded (SIGHUP): tls_ctx_reload loads the new pair into a
 * new OpenSSL context and swaps it in for connections accepted afterwards; a pair that does
 * not load or does not match keeps the old one (logged). Connections made before keep theirs.
 *
 * I/O: tls_conn_handshake, tls_conn_read and tls_conn_write never block; when the socket
 * would block they return IDR_EAGAIN and say which readiness to wait for (TLS_WANT_READ or
 * TLS_WANT_WRITE: a read may need to write and a write to read). OpenSSL types never appear
 * here; OpenSSL's errors are drained into the log (rate-limited) and become IDR_ETLS.
 * Thread-safety: a struct tls_ctx is shared by all workers; a struct tls_conn belongs to one.
 */
#ifndef IDR_RESOLVER_NET_TLS_H
#define IDR_RESOLVER_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"

#define TLS_WANT_READ  1
#define TLS_WANT_WRITE 2

struct tls_ctx;
struct tls_conn;

/**
 * Load a server context. Errors are logged with the OpenSSL error queue drained.
 * @return IDR_OK, IDR_ETLS (unreadable/mismatched certificate or key), IDR_ENOMEM.
 */
int tls_ctx_new(struct tls_ctx **out, const char *cert_file, const char *key_file) IDR_MUSTCHECK;

/**
 * Load the pair again (or another one) for the connections accepted from now on. Call from
 * one thread (the main thread, on SIGHUP) while workers run.
 * @return IDR_OK, or the error of the new pair (logged): the old one stays in use.
 */
int tls_ctx_reload(struct tls_ctx *t, const char *cert_file, const char *key_file) IDR_MUSTCHECK;

void tls_ctx_free(struct tls_ctx *t);

/**
 * Server side of a TLS connection on fd (borrowed: tls_conn_free does not close it).
 * @return IDR_OK, IDR_ENOMEM or IDR_ETLS.
 */
int tls_conn_new(struct tls_ctx *t, int fd, struct tls_conn **out) IDR_MUSTCHECK;

/** Free the connection's TLS state (no close_notify is sent; accepts NULL). */
void tls_conn_free(struct tls_conn *c);

/**
 * Advance the handshake.
 * @return IDR_OK (done), IDR_EAGAIN (*want says for what), IDR_ETLS (failed: close; logged at
 *         debug level, peers that give up are normal).
 */
int tls_conn_handshake(struct tls_conn *c, int *want) IDR_MUSTCHECK;

/**
 * Read decrypted bytes.
 * @return bytes read (> 0), 0 (the peer closed: close_notify or end of stream), IDR_EAGAIN
 *         (*want set) or IDR_ETLS.
 */
ssize_t tls_conn_read(struct tls_conn *c, void *buf, size_t cap, int *want);

/** Decrypted bytes already buffered inside (read them before waiting for the socket). */
bool tls_conn_pending(const struct tls_conn *c);

/**
 * Write bytes (all or a part; partial writes are enabled).
 * @return bytes taken (> 0), IDR_EAGAIN (*want set) or IDR_ETLS. len 0 is not allowed.
 */
ssize_t tls_conn_write(struct tls_conn *c, const void *buf, size_t len, int *want);

/** The negotiated protocol version, e.g. "TLSv1.3" (static). */
const char *tls_conn_version(const struct tls_conn *c);

#endif /* IDR_RESOLVER_NET_TLS_H */
