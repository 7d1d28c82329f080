/* conf.c - idrd's option table. */
#include "core/conf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"
#include "core/shard.h"
#include "hdl/addr.h"
#include "model/ident.h"

#define OPT(name, type, min, max, def, choices, reload, help)                                      \
	{                                                                                          \
#name, type, offsetof(struct conf, name), min, max, def, choices, reload, help     \
	}

static const struct cfg_opt table[] = {
        OPT(data_dir, CFG_STRING, 0, 0, "./idr-data", NULL, false,
            "data directory (LMDB environment made by `idr init`)"),
        OPT(map_size, CFG_SIZE, 0, 1ULL << 42, "0", NULL, false,
            "LMDB map size, the most the store may grow to (0 = as recorded by `idr init`)"),
        OPT(max_readers, CFG_UINT, 8, 4096, "256", NULL, false,
            "LMDB reader slots shared by idrd workers and local `idr` commands"),
        OPT(max_id_chars, CFG_UINT, 1, 2048, "255", NULL, true,
            "longest identifier accepted, in characters (the national API allows 255)"),
        OPT(workers, CFG_UINT, 0, 256, "0", NULL, false,
            "worker threads, each with its own event loop and sockets (0 = one per core)"),
        OPT(user, CFG_STRING, 0, 0, NULL, NULL, false,
            "when started as root: bind, then drop privileges to this user"),
        OPT(pid_file, CFG_STRING, 0, 0, NULL, NULL, false,
            "write the process id to this file, removed at exit (written after the privilege "
            "drop: its directory must be writable by `user`, e.g. /run/idr)"),
        OPT(log_target, CFG_ENUM, 0, 0, "stderr", "stderr|syslog|file", false,
            "where log messages go"),
        OPT(log_file, CFG_STRING, 0, 0, NULL, NULL, false,
            "log file when log_target is file (reopened on SIGHUP: deploy/idrd.logrotate)"),
        OPT(log_level, CFG_ENUM, 0, 0, "info", "err|warning|notice|info|debug", true,
            "least important messages logged (debug logs every request)"),
        OPT(udp_listen, CFG_LIST, 0, 0, "127.0.0.1:2641", NULL, false,
            "Handle protocol over UDP: address:port ([v6]:port; port 0 = any free port)"),
        OPT(tcp_listen, CFG_LIST, 0, 0, "127.0.0.1:2641", NULL, false,
            "Handle protocol over TCP: address:port"),
        OPT(http_listen, CFG_LIST, 0, 0, "127.0.0.1:8000", NULL, false,
            "HTTP JSON API and proxy pages: address:port"),
        OPT(https_listen, CFG_LIST, 0, 0, NULL, NULL, false,
            "HTTPS (same API, TLS 1.2+): address:port; needs tls_cert and tls_key"),
        OPT(tls_cert, CFG_STRING, 0, 0, NULL, NULL, true,
            "PEM certificate chain for HTTPS (read again on SIGHUP: readable by `user`)"),
        OPT(tls_key, CFG_STRING, 0, 0, NULL, NULL, true,
            "PEM private key for HTTPS (read again on SIGHUP: readable by `user`)"),
        OPT(max_connections, CFG_UINT, 1, 1000000, "4096", NULL, true,
            "open TCP/HTTP connections in total; more are refused"),
        OPT(max_connections_per_ip, CFG_UINT, 1, 1000000, "256", NULL, true,
            "open TCP/HTTP connections per client address"),
        OPT(max_request_size, CFG_SIZE, 512, 262144, "64k", NULL, true,
            "largest Handle request message accepted (MessageLength), bytes"),
        OPT(max_filter_items, CFG_UINT, 1, 2048, "256", NULL, true,
            "most index or type filters in one resolution request"),
        OPT(tcp_idle_timeout, CFG_UINT, 1, 86400, "60", NULL, true,
            "seconds a TCP connection may sit idle between requests"),
        OPT(tcp_io_timeout, CFG_UINT, 1, 3600, "10", NULL, true,
            "seconds to receive a whole request or send a whole answer"),
        OPT(http_idle_timeout, CFG_UINT, 1, 86400, "60", NULL, true,
            "seconds an HTTP connection may stay open without a request"),
        OPT(http_header_timeout, CFG_UINT, 1, 3600, "10", NULL, true,
            "seconds a client has for the TLS handshake and each request head, counted from "
            "their first byte"),
        OPT(http_body_min_rate, CFG_UINT, 0, 1000000000, "1024", NULL, true,
            "bytes per second a request body must arrive at, on top of http_header_timeout "
            "(0 = no minimum)"),
        OPT(http_max_pipeline, CFG_UINT, 1, 1024, "32", NULL, true,
            "requests of one connection answered or waiting at once (pipelining)"),
        OPT(http_max_header_size, CFG_SIZE, 1024, 1048576, "16k", NULL, true,
            "largest HTTP request line plus headers, bytes"),
        OPT(http_max_body_size, CFG_SIZE, 0, 67108864, "1M", NULL, true,
            "largest HTTP request body, bytes"),
        OPT(udp_batch, CFG_UINT, 1, 1024, "64", NULL, false,
            "datagrams received and sent per recvmmsg/sendmmsg call"),
        OPT(udp_reasm_timeout_ms, CFG_UINT, 100, 60000, "2000", NULL, true,
            "milliseconds to wait for the rest of a multi-datagram request"),
        OPT(udp_reasm_memory, CFG_SIZE, 65536, 1ULL << 32, "16M", NULL, true,
            "memory per worker for partly received multi-datagram requests, bytes"),
        OPT(udp_answer_max, CFG_SIZE, 512, 1048576, "4k", NULL, true,
            "largest answer sent over UDP, bytes of all its datagrams; a larger one is dropped "
            "and clients ask again over TCP"),
        OPT(udp_source_rate, CFG_SIZE, 0, 1ULL << 30, "32k", NULL, true,
            "bytes per second answered over UDP to one source (IPv4 address, IPv6 /64); "
            "answers over it are dropped (0 = no limit)"),
        OPT(udp_source_burst, CFG_SIZE, 512, 1ULL << 30, "64k", NULL, true,
            "bytes one source may be answered over UDP at once before udp_source_rate "
            "applies (keep it at least udp_answer_max)"),
        OPT(udp_source_table, CFG_UINT, 64, 1ULL << 26, "65536", NULL, false,
            "sources whose UDP answers are counted at once, about 32 bytes each (when full, "
            "the one with the most credit left is forgotten)"),
        OPT(error_rate, CFG_UINT, 0, 1000000, "100", NULL, true,
            "error answers to malformed requests per second per worker (0 = unlimited)"),
        OPT(max_pending, CFG_UINT, 1, 1000000, "4096", NULL, true,
            "requests per worker waiting for the writer or an upstream answer"),
        OPT(max_pending_per_conn, CFG_UINT, 1, 65536, "64", NULL, true,
            "requests per connection waiting for the writer or an upstream answer"),
        OPT(site_serial, CFG_UINT, 0, 65535, "1", NULL, true,
            "serial number of this node's HS_SITE (raise it on every change)"),
        OPT(site_description, CFG_STRING, 0, 0, "idr secondary node", NULL, true,
            "HS_SITE desc attribute"),
        OPT(site_address, CFG_LIST, 0, 0, NULL, NULL, true,
            "address published in HS_SITE (default: the first UDP/TCP listen address)"),
        OPT(server_key, CFG_STRING, 0, 0, NULL, NULL, false,
            "PEM key of this server; its public part is published in HS_SITE"),
        OPT(site_primary, CFG_BOOL, 0, 0, "yes", NULL, true, "HS_SITE primary flag"),
        OPT(site_servers, CFG_LIST, 0, 0, NULL, NULL, false,
            "every server of this site in HS_SITE order, ADDR:PORT (Handle UDP and TCP port), "
            "comma-separated or repeated; identifiers are sharded by the Handle hash and a "
            "server answers 301 for those of another (none: a site of this server alone)"),
        OPT(site_server_index, CFG_UINT, 0, 63, "0", NULL, false,
            "this server's position in site_servers, counted from 0"),
        OPT(site_hash_option, CFG_ENUM, 0, 0, "handle", "prefix|suffix|handle", false,
            "HS_SITE hash option: the part of an identifier that picks its server"),
        OPT(site_http_servers, CFG_LIST, 0, 0, NULL, NULL, false,
            "the plain HTTP listener of every server of site_servers, ADDR:PORT in the same "
            "order: HTTP requests for another server's identifiers are forwarded there, so a "
            "load balancer may send any request to any server; the servers trust writes "
            "forwarded from these addresses (none: reads of records only, through the Handle "
            "protocol, and 421 for writes)"),
        OPT(http_cors, CFG_BOOL, 0, 0, "yes", NULL, true,
            "send Access-Control-Allow-Origin: * on API answers"),
        OPT(list_page_max, CFG_UINT, 1, 100000, "1000", NULL, true,
            "largest pageSize of GET /api/handles?prefix= listings"),
        OPT(server_admins, CFG_LIST, 0, 0, NULL, NULL, true,
            "identity (index:handle, e.g. 300:0.NA/88.118) allowed every write on this node"),
        OPT(max_auth_time_ms, CFG_UINT, 1000, 3600000, "60000", NULL, true,
            "milliseconds a client has to answer an authentication challenge"),
        OPT(session_timeout, CFG_UINT, 10, 86400, "1800", NULL, true,
            "seconds of inactivity after which a Handle or HTTP session expires"),
        OPT(write_batch_max, CFG_UINT, 1, 65536, "1024", NULL, false,
            "writes gathered into one transaction (group commit) at most"),
        OPT(journal_fold_interval, CFG_UINT, 0, 31536000, "3600", NULL, false,
            "seconds between journal folds: entries past the retention rule are folded into "
            "the checkpoint (`idr journal fold`) (0 = never)"),
        OPT(journal_retention_age, CFG_UINT, 0, 3153600000ULL, "2592000", NULL, false,
            "seconds a journal entry is kept at least before a fold may take it (30 days; "
            "0 = no age rule)"),
        OPT(journal_retention_bytes, CFG_SIZE, 0, 1ULL << 42, "0", NULL, false,
            "journal bytes kept at least: older entries beyond them may be folded even if "
            "younger than journal_retention_age (0 = no size rule)"),
        OPT(journal_follower_expire, CFG_UINT, 0, 3153600000ULL, "604800", NULL, false,
            "seconds after its last acknowledgement that a journal follower stops holding back "
            "the fold: then it starts again from a snapshot (7 days; 0 = never, a stopped "
            "follower keeps every entry; `idr journal followers`, `idr journal forget`)"),
        OPT(quota_requests_per_day, CFG_UINT, 0, 1ULL << 40, "0", NULL, true,
            "write requests per enterprise prefix per day (local midnight to midnight); over "
            "it writes are refused (HTTP 429, Handle 603 to IDIS clients) (0 = no limit)"),
        OPT(quota_registrations_per_day, CFG_UINT, 0, 1ULL << 40, "0", NULL, true,
            "registrations (creates) per enterprise prefix per day (HTTP 429, Handle 604 to "
            "IDIS clients) (0 = no limit)"),
        OPT(quota_prefix, CFG_LIST, 0, 0, NULL, NULL, true,
            "per-prefix quotas replacing the two above: PREFIX REQUESTS REGISTRATIONS, e.g. "
            "`quota_prefix 88.118.8 100000 50000` (0 = no limit; one line per prefix)"),
        OPT(quota_table, CFG_UINT, 16, 1048576, "4096", NULL, false,
            "prefixes whose daily quotas are counted at once (more are not limited that day)"),
        OPT(write_rate, CFG_UINT, 0, 1000000, "0", NULL, true,
            "writes per second one client address (IPv4, IPv6 /64) may send, HTTP 429 beyond "
            "(0 = no limit)"),
        OPT(write_burst, CFG_UINT, 1, 1000000, "100", NULL, true,
            "writes a client address may send at once before write_rate applies"),
        OPT(write_clients, CFG_UINT, 64, 1ULL << 24, "65536", NULL, false,
            "client addresses whose write rate is tracked at once, about 32 bytes each"),
        /* federation (issue 10: fed/) */
        OPT(role, CFG_ENUM, 0, 0, "secondary", "secondary|toplevel|mirror", false,
            "secondary: a node of the hierarchy (default); toplevel: also holds the prefix "
            "records 0.NA/<node prefix> of onboarded nodes and refers clients to them (302/303); "
            "mirror: a read-only copy that follows the journal of `primary`"),
        /* federation: recursive resolution of foreign prefixes (fed/rec.h) */
        OPT(toplevel, CFG_LIST, 0, 0, NULL, NULL, false,
            "Handle address HOST:PORT (UDP and TCP) of the top-level node that holds the prefix "
            "records 0.NA/<prefix>; repeatable (tried in order); none: no recursion (301)"),
        OPT(recursion_cache_max, CFG_UINT, 16, 1ULL << 24, "10000", NULL, false,
            "answers and prefix records cached per worker at most (least recently used go)"),
        OPT(recursion_cache_bytes, CFG_SIZE, 65536, 1ULL << 34, "64M", NULL, false,
            "bytes of cached answers per worker at most"),
        OPT(recursion_ttl_max, CFG_UINT, 0, 172800, "86400", NULL, false,
            "seconds an upstream answer is cached at most (its values' TTL otherwise; 0 = "
            "never cached)"),
        OPT(recursion_negative_ttl, CFG_UINT, 0, 3600, "30", NULL, false,
            "seconds an upstream HANDLE_NOT_FOUND / VALUES_NOT_FOUND answer is cached"),
        OPT(recursion_stale_max, CFG_UINT, 0, 604800, "86400", NULL, false,
            "seconds past its expiry an answer may still be served when upstream is "
            "unreachable (serve-stale; 0 = never)"),
        OPT(recursion_timeout_ms, CFG_UINT, 100, 60000, "5000", NULL, false,
            "milliseconds one recursive resolution may take (all referrals and re-sends)"),
        OPT(recursion_max_referrals, CFG_UINT, 1, 40, "8", NULL, false,
            "prefix (303) and service (302, HS_SERV) referrals followed in one resolution"),
        /* federation: upward registration and reports (fed/fup.h) */
        OPT(node_key, CFG_STRING, 0, 0, NULL, NULL, false,
            "PEM private key of this node's identity at the top level (`idr node add` there "
            "registers its public part); with toplevel set, the node keeps its prefix record "
            "0.NA/<node prefix> at the top level up to date (upward registration)"),
        OPT(node_key_id, CFG_STRING, 0, 0, NULL, NULL, false,
            "identity INDEX:HANDLE of node_key (default 300:0.NA/<node prefix>)"),
        OPT(toplevel_http, CFG_STRING, 0, 0, NULL, NULL, false,
            "https://HOST:PORT of the top level's HTTPS API: signed reports are POSTed to "
            "/api/v1/reports there (none: no reports)"),
        OPT(toplevel_cacert, CFG_STRING, 0, 0, NULL, NULL, false,
            "CA certificate file that the top level's TLS certificate (toplevel_http) chains "
            "to (default: the system's CAs)"),
        OPT(report_interval, CFG_UINT, 1, 86400, "300", NULL, false,
            "seconds of one report period (periods are numbered from the epoch)"),
        OPT(upstream_retry_max, CFG_UINT, 1, 86400, "300", NULL, false,
            "seconds between retries of a failed registration or report at most (exponential "
            "back-off from 1 s)"),
        /* federation: journal shipping and mirrors (fed/mirror.h, http/api_journal.h) */
        OPT(primary, CFG_STRING, 0, 0, NULL, NULL, false,
            "role mirror: base URL of the primary's HTTPS API (https://HOST:PORT) whose "
            "journal this node follows; writes sent here are referred to it"),
        OPT(primary_identity, CFG_STRING, 0, 0, NULL, NULL, false,
            "role mirror: identity (index:handle) this node authenticates as with the primary "
            "(one of the primary's journal_followers, an HS_SECKEY identity there)"),
        OPT(primary_secret_file, CFG_STRING, 0, 0, NULL, NULL, false,
            "role mirror: file holding the secret of primary_identity (first line)"),
        OPT(primary_cacert, CFG_STRING, 0, 0, NULL, NULL, false,
            "role mirror: CA certificate file that the primary's TLS certificate chains to "
            "(default: the system's CAs)"),
        OPT(journal_followers, CFG_LIST, 0, 0, NULL, NULL, true,
            "identity (index:handle with an HS_SECKEY here) allowed to read this node's journal "
            "(GET /api/v1/journal, /api/v1/journal/snapshot): a mirror, the top level's backup; "
            "server_admins may too"),
        OPT(journal_wait_ms, CFG_UINT, 0, 30000, "1000", NULL, true,
            "milliseconds a journal request that is caught up waits for new entries"),
        OPT(journal_batch_max, CFG_UINT, 1, 1000000, "20000", NULL, true,
            "journal entries sent in one answer at most (also capped at 64 MiB)"),
        OPT(backup, CFG_LIST, 0, 0, NULL, NULL, false,
            "role toplevel: keep a copy of a node's store in data_dir/backup/PREFIX by following "
            "its journal: PREFIX URL IDENTITY SECRET_FILE (https:// URL of the node's API, an "
            "identity among the node's journal_followers, the file holding its secret); one "
            "line per node"),
        OPT(backup_cacert, CFG_STRING, 0, 0, NULL, NULL, false,
            "role toplevel: CA certificate file that the backed-up nodes' TLS certificates "
            "chain to (default: the system's CAs)"),
};

const struct cfg_opt *
conf_table(size_t *n)
{
	*n = sizeof(table) / sizeof(table[0]);
	return table;
}

_Static_assert(sizeof(table) / sizeof(table[0]) <= CFG_OPTS_MAX, "raise CFG_OPTS_MAX");

unsigned
conf_line(const struct conf *c, const void *field)
{
	size_t off = (size_t)((const char *)field - (const char *)c);

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].offset == off) {
			return c->lines[i];
		}
	}
	return 0;
}

/* The upward link's options (fed/fup.h): node_key_id INDEX:HANDLE, toplevel_http a URL, and
 * what they need. */
static void
fed_check(struct conf *c, const char *file, cfg_err_fn err, void *arg, int *rc)
{
	const char *id = c->node_key_id, *colon = id != NULL ? strchr(id, ':') : NULL;
	uint64_t idx;

	if (id != NULL &&
	    (colon == NULL || colon[1] == '\0' ||
	     num_parse_u64_n(id, (size_t)(colon - id), 1, INT32_MAX, &idx) != IDR_OK)) {
		err(arg, file, conf_line(c, &c->node_key_id),
		    "node_key_id: INDEX:HANDLE expected, e.g. 300:0.NA/88.118");
		*rc = IDR_ECONFIG;
	}
	if (c->toplevel_http != NULL && strncasecmp(c->toplevel_http, "https://", 8) != 0) {
		err(arg, file, conf_line(c, &c->toplevel_http),
		    "toplevel_http: https://HOST:PORT expected (reports are authenticated: HTTPS "
		    "only)");
		*rc = IDR_ECONFIG;
	}
	if ((c->toplevel_http != NULL || c->node_key_id != NULL) && c->node_key == NULL) {
		err(arg, file,
		    conf_line(c, c->toplevel_http != NULL ? (void *)&c->toplevel_http
		                                          : (void *)&c->node_key_id),
		    "toplevel_http and node_key_id need node_key (the node identity's key)");
		*rc = IDR_ECONFIG;
	}
	if (c->node_key != NULL && c->toplevel.n == 0 && !conf_toplevel(c)) {
		err(arg, file, conf_line(c, &c->node_key),
		    "node_key needs toplevel (the top level to register at)");
		*rc = IDR_ECONFIG;
	}
}

#define CONF_FIELD_MAX 4096

/* the next space-separated field of *p */
static struct slice
field(const char **p)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t') {
		s++;
	}
	for (e = s; *e != '\0' && *e != ' ' && *e != '\t'; e++) {
	}
	*p = e;
	return slice_make(s, (size_t)(e - s));
}

int
conf_backup_parse(const char *line, struct conf_backup *out, const char **why)
{
	const char *p = line;

	out->prefix = field(&p);
	out->url = field(&p);
	out->identity = field(&p);
	out->secret_file = field(&p);
	if (out->secret_file.len == 0 || field(&p).len != 0) {
		*why = "backup: want PREFIX URL IDENTITY SECRET_FILE";
		return IDR_EINVAL;
	}
	if (out->prefix.len >= CONF_FIELD_MAX || ident_prefix_check(out->prefix) != IDR_OK) {
		*why = "backup: PREFIX is not a prefix";
		return IDR_EINVAL;
	}
	if (out->url.len < 9 || strncasecmp((const char *)out->url.p, "https://", 8) != 0) {
		*why = "backup: URL must start with https:// (the journal is authenticated: HTTPS "
		       "only)";
		return IDR_EINVAL;
	}
	if (out->url.len >= CONF_FIELD_MAX || out->identity.len >= CONF_FIELD_MAX ||
	    out->secret_file.len >= CONF_FIELD_MAX ||
	    memchr(out->identity.p, ':', out->identity.len) == NULL) {
		*why = "backup: IDENTITY must be INDEX:HANDLE (and fields at most 4095 bytes)";
		return IDR_EINVAL;
	}
	return IDR_OK;
}

static void
cross_check(struct conf *c, const char *path, cfg_err_fn err, void *arg, int *rc)
{
	const char *file = path != NULL ? path : "(defaults)";

	if (c->https_listen.n > 0 && (c->tls_cert == NULL || c->tls_key == NULL)) {
		err(arg, file, c->https_listen.line[0], "https_listen needs tls_cert and tls_key");
		*rc = IDR_ECONFIG;
	}
	if (c->udp_listen.n + c->tcp_listen.n + c->http_listen.n + c->https_listen.n == 0) {
		err(arg, file, 0,
		    "no listener: set udp_listen, tcp_listen, http_listen or "
		    "https_listen");
		*rc = IDR_ECONFIG;
	}
	if (c->data_dir == NULL) {
		err(arg, file, conf_line(c, &c->data_dir), "data_dir must not be empty");
		*rc = IDR_ECONFIG;
	}
	if (conf_mirror(c) &&
	    (c->primary == NULL || c->primary_identity == NULL || c->primary_secret_file == NULL)) {
		err(arg, file, conf_line(c, &c->role),
		    "role mirror needs primary, primary_identity and primary_secret_file");
		*rc = IDR_ECONFIG;
	}
	if (c->primary != NULL && strncasecmp(c->primary, "https://", 8) != 0) {
		err(arg, file, conf_line(c, &c->primary),
		    "primary: https://HOST:PORT expected (the journal is authenticated: HTTPS "
		    "only)");
		*rc = IDR_ECONFIG;
	}
	for (size_t i = 0; i < c->quota_prefix.n; i++) {
		struct quota_override o;
		const char *why = NULL;

		if (quota_override_parse(c->quota_prefix.v[i], &o, &why) != IDR_OK) {
			err(arg, file, c->quota_prefix.line[i], why);
			*rc = IDR_ECONFIG;
		}
	}
	for (size_t i = 0; i < c->toplevel.n; i++) {
		struct addr a;
		const char *why = NULL;
		char msg[160];

		if (addr_parse(c->toplevel.v[i], &a, &why) != IDR_OK) {
			if (snprintf(msg, sizeof(msg), "toplevel: not a HOST:PORT address: %s",
			             why != NULL ? why : "syntax") < 0) {
				msg[0] = '\0';
			}
			err(arg, file, c->toplevel.line[i], msg);
			*rc = IDR_ECONFIG;
		}
	}
	fed_check(c, file, err, arg, rc);
	{
		struct shard *sh = malloc(sizeof(*sh));
		const char *why = NULL;
		unsigned line = 0;
		char buf[200];

		if (sh == NULL) {
			err(arg, file, 0, idr_strerror(IDR_ENOMEM));
			*rc = IDR_ECONFIG;
		} else if (shard_init(sh, &c->site_servers, c->site_server_index,
		                      c->site_hash_option, buf, sizeof(buf), &why,
		                      &line) != IDR_OK) {
			err(arg, file, line != 0 ? line : conf_line(c, &c->site_server_index), why);
			*rc = IDR_ECONFIG;
		} else if (shard_http_init(sh, &c->site_http_servers, buf, sizeof(buf), &why,
		                           &line) != IDR_OK) {
			err(arg, file, line != 0 ? line : conf_line(c, &c->site_servers), why);
			*rc = IDR_ECONFIG;
		}
		free(sh);
	}
	if (strcmp(c->log_target, "file") == 0 && c->log_file == NULL) {
		err(arg, file, conf_line(c, &c->log_target), "log_target file needs log_file");
		*rc = IDR_ECONFIG;
	}
}

static void
ignore_err(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)arg;
	(void)file;
	(void)line;
	(void)msg;
}

int
conf_load(struct conf *c, const char *path, cfg_err_fn err, void *arg)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (err == NULL) {
		err = ignore_err;
	}
	rc = cfg_defaults(table, sizeof(table) / sizeof(table[0]), c);
	if (rc == IDR_OK && path != NULL) {
		rc = cfg_parse_file(table, sizeof(table) / sizeof(table[0]), path, c, c->lines, err,
		                    arg);
	}
	if (rc == IDR_OK || rc == IDR_ECONFIG) {
		cross_check(c, path, err, arg, &rc);
	} else if (rc == IDR_ENOMEM) {
		err(arg, path != NULL ? path : "(defaults)", 0, idr_strerror(rc));
	}
	if (rc != IDR_OK && rc != IDR_ECONFIG) {
		conf_free(c);
	}
	return rc;
}

void
conf_quota_limits(const struct conf *c, struct quota_limits *out)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	out->requests_per_day = c->quota_requests_per_day;
	out->registrations_per_day = c->quota_registrations_per_day;
	out->rate = c->write_rate;
	out->burst = c->write_burst;
	for (size_t i = 0; i < c->quota_prefix.n && out->nov < QUOTA_OVERRIDES_MAX; i++) {
		if (quota_override_parse(c->quota_prefix.v[i], &out->ov[out->nov], &why) ==
		    IDR_OK) {
			out->nov++;
		}
	}
}

void
conf_free(struct conf *c)
{
	if (c == NULL) {
		return;
	}
	cfg_free_values(table, sizeof(table) / sizeof(table[0]), c);
}

int
conf_write_sample(FILE *f)
{
	return cfg_write_sample(
	        table, sizeof(table) / sizeof(table[0]),
	        "idrd.conf - configuration of the idr resolver daemon (idrd -c FILE)", f);
}

bool
conf_mirror(const struct conf *c)
{
	return c->role != NULL && strcmp(c->role, "mirror") == 0;
}

bool
conf_toplevel(const struct conf *c)
{
	return c->role != NULL && strcmp(c->role, "toplevel") == 0;
}
