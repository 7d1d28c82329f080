/*
 * srv.h - the idrd server: listening sockets, worker threads, signals, reload, shutdown.
 *
 * Start-up order (srv_new): bind every listener (one socket per worker and address, all with
 * SO_REUSEPORT; for port 0 the port the first socket got is used for the others) and load the
 * TLS context while still privileged, drop to conf `user` when started as root, write the pid
 * file (as that user, so that it can remove the file at exit: its directory must be writable
 * by `user`, which srv_conf_load checks), then open the registry read-write with its writer
 * (write/writer.h: the one thread that writes; the `idr` tool may write meanwhile, LMDB
 * serialises the two), and build metrics, caps, the dispatcher and the workers. Each worker
 * thread has its own event base, struct rsv_worker, UDP sockets, Handle TCP listeners and
 * HTTP(S) front ends: nothing on the request path is shared or locked.
 *
 * srv_run starts the workers, writes the port file (one line per listener, written to a
 * temporary file and renamed into place, once the workers serve: after the privilege drop, so
 * its directory must be writable by `user`) and runs the main thread's event base, which owns
 * the signals: SIGHUP reopens log_file (for logrotate: the file is created again if missing,
 * with the daemon's privileges after the drop) and reloads the configuration file
 * (reloadable options are applied; changed static options are logged and ignored; a broken
 * file keeps the running configuration and logs every error); SIGTERM/SIGINT stop accepting, let
 * requests in flight finish (at most SRV_GRACE_SECONDS), and end the run. srv_free then releases
 * everything in reverse order and closes the store. Thread-safety: the struct srv belongs to the
 * main thread.
 */
#ifndef IDR_RESOLVER_DAEMON_SRV_H
#define IDR_RESOLVER_DAEMON_SRV_H

#include <stdbool.h>

#include "base/cfg.h"
#include "base/err.h"
#include "core/conf.h"

#define SRV_GRACE_SECONDS 5 /* longest wait for requests in flight at shutdown */

struct srv;

struct srv_opts {
	const char *conf_path; /* the file to re-read on SIGHUP (copied) */
	const char *port_file; /* NULL: none (copied) */
	bool debug;            /* log level stays debug across reloads */
};

/**
 * Checks of a loaded configuration beyond the option table (part of srv_conf_load): every
 * listen address parses (net.h syntax), no address is listed twice for one protocol, and no
 * stream address with a fixed port is shared between Handle TCP, HTTP and HTTPS. Problems go
 * to err as file:line: message, the line of the entry concerned.
 * @return IDR_OK or IDR_ECONFIG.
 */
int srv_conf_check(const struct conf *c, const char *path, cfg_err_fn err, void *arg) IDR_MUSTCHECK;

/**
 * Load a configuration file as the daemon does at start-up and on reload, and as `idrd -n`
 * checks it: conf_load, srv_conf_check, then what the file names on this host (data_dir holds
 * an initialised registry, `user` exists, the directory of pid_file exists and is writable by
 * the user idrd will run as). Every problem is reported in one pass through err
 * as file:line: message (line 0: the file as a whole).
 * @return IDR_OK, IDR_ECONFIG, IDR_ENOMEM or the error reading the file (all reported). On
 *         failure *c holds nothing to free.
 */
int srv_conf_load(struct conf *c, const char *path, cfg_err_fn err, void *arg) IDR_MUSTCHECK;

/**
 * Build the server (see the start-up order above). Takes ownership of *conf (it is zeroed; the
 * caller must not free it) in every case. Errors are logged.
 * @return IDR_OK, IDR_ECONFIG, IDR_ENOMEM, or the error of the failing step (bind, privilege
 *         drop, registry open, TLS, thread start).
 */
int srv_new(struct srv **out, struct conf *conf, const struct srv_opts *o) IDR_MUSTCHECK;

/**
 * Start the workers, write the port file, and serve until SIGTERM or SIGINT.
 * @return IDR_OK after a clean shutdown, or the error that ended the run (logged).
 */
int srv_run(struct srv *s) IDR_MUSTCHECK;

/** Stop and join any running workers, free everything, close the store (NULL is accepted). */
void srv_free(struct srv *s);

#endif /* IDR_RESOLVER_DAEMON_SRV_H */
