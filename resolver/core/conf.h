/*
 * conf.h - the configuration of idrd: one struct, one option table (cfg.h), the sample file.
 *
 * Every option, its type, range, default, reload flag and meaning is in the table in conf.c;
 * deploy/idrd.conf.sample is generated from it (`idrd --sample-config`) and is itself a working
 * local configuration. A loaded struct conf is immutable: a reload (SIGHUP) loads a new one and
 * the server swaps it in between requests (options without the reload flag keep their old
 * value; the difference is logged). Thread-safety: read-only after load.
 */
#ifndef IDR_RESOLVER_CORE_CONF_H
#define IDR_RESOLVER_CORE_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/cfg.h"
#include "base/err.h"
#include "base/slice.h"
#include "core/quota.h"

struct conf {
	/* storage */
	char *data_dir;
	uint64_t map_size;
	uint64_t max_readers;
	uint64_t max_id_chars;
	/* process */
	uint64_t workers; /* 0 = one per core */
	char *user;
	char *pid_file;
	char *log_target; /* stderr | syslog | file */
	char *log_file;
	char *log_level;
	/* listeners */
	struct cfg_list udp_listen;
	struct cfg_list tcp_listen;
	struct cfg_list http_listen;
	struct cfg_list https_listen;
	char *tls_cert;
	char *tls_key;
	/* limits */
	uint64_t max_connections;
	uint64_t max_connections_per_ip;
	uint64_t max_request_size;
	uint64_t max_filter_items;
	uint64_t tcp_idle_timeout;
	uint64_t tcp_io_timeout;
	uint64_t http_idle_timeout;
	uint64_t http_header_timeout;
	uint64_t http_body_min_rate;
	uint64_t http_max_pipeline;
	uint64_t http_max_header_size;
	uint64_t http_max_body_size;
	uint64_t udp_batch;
	uint64_t udp_reasm_timeout_ms;
	uint64_t udp_reasm_memory;
	uint64_t udp_answer_max;
	uint64_t udp_source_rate;
	uint64_t udp_source_burst;
	uint64_t udp_source_table;
	uint64_t error_rate;
	uint64_t max_pending;
	uint64_t max_pending_per_conn;
	/* HS_SITE served for OC_GET_SITEINFO */
	uint64_t site_serial;
	char *site_description;
	struct cfg_list site_address;
	char *server_key;
	bool site_primary;
	struct cfg_list site_servers; /* every server of the site, HS_SITE order (core/shard.h) */
	uint64_t site_server_index;   /* this server's position in site_servers */
	char *site_hash_option;       /* prefix | suffix | handle */
	struct cfg_list site_http_servers; /* their HTTP listeners, same order (http/sfwd.h) */
	/* HTTP */
	bool http_cors;
	uint64_t list_page_max;
	/* writes and authentication */
	struct cfg_list server_admins;  /* "index:handle" identities allowed everything */
	uint64_t max_auth_time_ms;      /* a pending challenge expires after this */
	uint64_t session_timeout;       /* idle seconds before a session (Handle or HTTP) expires */
	uint64_t write_batch_max;       /* writes in one transaction at most */
	uint64_t journal_fold_interval; /* seconds between folds (write/jfold.h); 0 = never */
	uint64_t journal_retention_age; /* seconds an entry is kept at least; 0 = no rule */
	uint64_t journal_retention_bytes; /* newest journal bytes always kept; 0 = no rule */
	uint64_t journal_follower_expire; /* seconds a silent follower holds the fold; 0 = ever */
	/* quotas and rate limits (core/quota.h) */
	uint64_t quota_requests_per_day;
	uint64_t quota_registrations_per_day;
	struct cfg_list quota_prefix; /* "PREFIX REQUESTS REGISTRATIONS" */
	uint64_t quota_table;
	uint64_t write_rate;
	uint64_t write_burst;
	uint64_t write_clients;
	/* federation (fed/) */
	char *role; /* secondary | toplevel | mirror */
	/* federation: recursive resolution (fed/rec.h) */
	struct cfg_list toplevel;         /* Handle addresses host:port of the top level */
	uint64_t recursion_cache_max;     /* cached answers per worker */
	uint64_t recursion_cache_bytes;   /* bytes of cached answers per worker */
	uint64_t recursion_ttl_max;       /* seconds a positive answer is cached at most */
	uint64_t recursion_negative_ttl;  /* seconds a 100/200 answer is cached */
	uint64_t recursion_stale_max;     /* seconds past expiry an answer may be served stale */
	uint64_t recursion_timeout_ms;    /* bound on one recursive resolution */
	uint64_t recursion_max_referrals; /* referrals followed in one resolution */
	/* federation: upward registration and reports (fed/fup.h) */
	char *node_key;              /* PEM private key of the node identity */
	char *node_key_id;           /* INDEX:HANDLE (default 300:0.NA/<node prefix>) */
	char *toplevel_http;         /* https://HOST:PORT of the top level's API (reports) */
	char *toplevel_cacert;       /* CA file for toplevel_http */
	uint64_t report_interval;    /* seconds of one report period */
	uint64_t upstream_retry_max; /* seconds between retries at most (back-off cap) */
	/* federation: journal shipping and mirrors (fed/mirror.h, http/api_journal.h) */
	char *primary;                     /* role mirror: the primary's HTTP(S) base URL */
	char *primary_identity;            /* role mirror: index:handle we authenticate as */
	char *primary_secret_file;         /* role mirror: its secret */
	char *primary_cacert;              /* role mirror: CA file for an https primary */
	struct cfg_list journal_followers; /* identities allowed to read the journal */
	uint64_t journal_wait_ms;          /* long-poll bound */
	uint64_t journal_batch_max;        /* entries per answer */
	struct cfg_list backup; /* role toplevel: "PREFIX URL IDENTITY SECRET_FILE" per node */
	char *backup_cacert;    /* role toplevel: CA file for the backup URLs */
	/* where each option of conf_table() was set in the file (0: default); see conf_line */
	unsigned lines[CFG_OPTS_MAX];
};

/** The option table and its length. */
const struct cfg_opt *conf_table(size_t *n);

/**
 * Load a configuration: defaults, then the file (NULL: defaults only), then cross-option
 * checks (e.g. https_listen needs tls_cert and tls_key; at least one listener). Each problem,
 * also a file that cannot be read, goes to err as file:line: message (line 0: the file).
 * @return IDR_OK, IDR_ECONFIG (problems reported), IDR_ENOMEM or a file error. After
 *         IDR_ECONFIG *c holds every valid value (defaults for the rejected ones), so that
 *         further checks can report their problems in the same pass: free it with conf_free.
 *         After other errors *c holds nothing to free.
 */
int conf_load(struct conf *c, const char *path, cfg_err_fn err, void *arg) IDR_MUSTCHECK;

/**
 * The line of the file where the option stored at field (a member of *c) was set; 0 when it
 * has its default (or field is not an option).
 */
unsigned conf_line(const struct conf *c, const void *field);

/** The quota limits of a loaded configuration (quota_prefix lines that do not parse, which
 *  conf_load reports, are left out). */
void conf_quota_limits(const struct conf *c, struct quota_limits *out);

/** A `backup` line "PREFIX URL IDENTITY SECRET_FILE" (slices into the line; fed/backup.h). */
struct conf_backup {
	struct slice prefix, url, identity, secret_file;
};

/**
 * Parse a `backup` line: four fields separated by spaces, the prefix a valid prefix, the URL
 * https://, the identity INDEX:HANDLE, each under 4096 bytes.
 * @return IDR_OK or IDR_EINVAL (*why says what).
 */
int conf_backup_parse(const char *line, struct conf_backup *out, const char **why) IDR_MUSTCHECK;

/** True when the node is a read-only mirror of `primary` (`role mirror`, fed/mirror.h). */
bool conf_mirror(const struct conf *c);

/** True when the node plays the top-level role (`role toplevel`, fed/refer.h). */
bool conf_toplevel(const struct conf *c);

/** Release the strings and lists of a loaded configuration (accepts a zeroed struct). */
void conf_free(struct conf *c);

/** Write the sample configuration (every option with default and help). */
int conf_write_sample(FILE *f);

#endif /* IDR_RESOLVER_CORE_CONF_H */
