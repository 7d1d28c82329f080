/* cmd_resolve.c - `idr resolve`: ask a Handle server (UDP, TCP or the HTTP JSON API). */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/crypto.h"
#include "base/text.h"
#include "base/wbuf.h"
#include "client/hdlc.h"
#include "client/httpc.h"
#include "common/cli.h"
#include "common/vtab.h"
#include "core/shard.h"
#include "hdl/addr.h"
#include "hdl/hdl.h"
#include "idr/cmd.h"
#include "model/rec.h"
#include "model/vjson.h"

#define RESOLVE_MAX_FILTERS 64
#define DEFAULT_HDL_PORT    2641
#define DEFAULT_HTTP_PORT   8000
#define MSG_SHOW_MAX        512
#define RESOLVE_MAX_HOPS    8 /* referrals followed at most */

struct resolve_args {
	const char *id;
	const char *server;
	const char *http_server; /* --http SERVER */
	enum hdlc_proto proto;
	bool http;
	const char *cacert;
	bool insecure;
	uint64_t max_body; /* 0: HTTPC_BODY_MAX */
	uint32_t indexes[RESOLVE_MAX_FILTERS];
	size_t nindexes;
	struct slice types[RESOLVE_MAX_FILTERS];
	size_t ntypes;
	bool json;
	bool auth;
	bool public_only;
	bool digest;
	bool recursive; /* --recursive: set REC */
	bool site;      /* --site: --server is any server of a site; pick one by the hash */
	bool follow;    /* follow referrals (the default; --no-follow clears it) */
	int follow_opt; /* the last of --follow / --no-follow given (0: neither) */
	bool verbose;   /* -v: each referral followed goes to stderr */
	uint64_t timeout_s;
	const char *dump;
};

/* A transport-neutral answer: the response code and either the values or a message. */
struct answer {
	uint32_t rc;
	struct slice handle;  /* the record's spelling (success) or the identifier asked for */
	struct slice message; /* error message, may be empty */
	struct value *values; /* decoded values (owned array; slices borrow the reply) */
	size_t n;
	char via[HTTPC_URL_MAX + 16];
	double ms;
};

enum {
	OPT_UDP = 256,
	OPT_TCP,
	OPT_HTTP,
	OPT_AUTH,
	OPT_PO,
	OPT_NO_PO,
	OPT_DIGEST,
	OPT_DUMP,
	OPT_CACERT,
	OPT_INSECURE,
	OPT_MAX_BODY,
	OPT_RECURSIVE,
	OPT_SITE,
	OPT_FOLLOW,
	OPT_NO_FOLLOW
};

static int
add_filter(const struct cli_cmd *self, int c, const char *arg, struct resolve_args *a)
{
	uint64_t v;
	int rc;

	if ((c == 'T' ? a->ntypes : a->nindexes) >= RESOLVE_MAX_FILTERS) {
		return cli_usage_errorf(self, "at most %d --%s options", RESOLVE_MAX_FILTERS,
		                        c == 'T' ? "type" : "index");
	}
	if (c == 'T') {
		if (arg[0] == '\0' || strlen(arg) > HDL_MAX_TYPE_LEN ||
		    !text_is_clean((const uint8_t *)arg, strlen(arg))) {
			return cli_usage_errorf(self, "--type: not a type name");
		}
		a->types[a->ntypes++] = slice_cstr(arg);
		return CLI_EXIT_OK;
	}
	rc = cli_parse_u64(self, "--index", arg, 1, INT32_MAX, &v);
	if (rc == CLI_EXIT_OK) {
		a->indexes[a->nindexes++] = (uint32_t)v;
	}
	return rc;
}

static int
parse_opt(const struct cli_cmd *self, int c, struct resolve_args *a)
{
	switch (c) {
	case 's':
		a->server = optarg;
		return CLI_EXIT_OK;
	case OPT_UDP:
	case OPT_TCP:
	case OPT_HTTP:
		if (a->http || a->proto != HDLC_PROTO_AUTO) {
			return cli_usage_errorf(self, "give at most one of --udp, --tcp, --http");
		}
		a->http = c == OPT_HTTP;
		a->proto = c == OPT_UDP ? HDLC_PROTO_UDP : c == OPT_TCP ? HDLC_PROTO_TCP : a->proto;
		return CLI_EXIT_OK;
	case 'T':
	case 'i':
		return add_filter(self, c, optarg, a);
	case 'j':
		a->json = true;
		return CLI_EXIT_OK;
	case 'o':
		return cli_parse_u64(self, "--timeout", optarg, 1, 3600, &a->timeout_s);
	case OPT_AUTH:
		a->auth = true;
		return CLI_EXIT_OK;
	case OPT_PO:
	case OPT_NO_PO:
		a->public_only = c == OPT_PO;
		return CLI_EXIT_OK;
	case OPT_DIGEST:
		a->digest = true;
		return CLI_EXIT_OK;
	case OPT_RECURSIVE:
		a->recursive = true;
		return CLI_EXIT_OK;
	case OPT_SITE:
		a->site = true;
		return CLI_EXIT_OK;
	case OPT_FOLLOW:
	case OPT_NO_FOLLOW:
		if (a->follow_opt != 0 && a->follow_opt != c) {
			return cli_usage_errorf(self, "give --follow or --no-follow, not both");
		}
		a->follow_opt = c;
		a->follow = c == OPT_FOLLOW;
		return CLI_EXIT_OK;
	case 'v':
		a->verbose = true;
		return CLI_EXIT_OK;
	case OPT_DUMP:
		a->dump = optarg;
		return CLI_EXIT_OK;
	case OPT_CACERT:
		a->cacert = optarg;
		return CLI_EXIT_OK;
	case OPT_INSECURE:
		a->insecure = true;
		return CLI_EXIT_OK;
	case OPT_MAX_BODY:
		return cli_parse_u64(self, "--max-body", optarg, 1, HTTPC_BODY_MAX, &a->max_body);
	default:
		return -1;
	}
}

/* A URL ("scheme://...", to be refused by httpc_base_parse when not http[s]) or "HOST:PORT"
 * (no '/', which every identifier has). */
static bool
looks_like_server(const char *s)
{
	size_t scheme = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	const char *colon = strrchr(s, ':');

	if (scheme > 0 && strncmp(s + scheme, "://", 3) == 0) {
		return true;
	}
	return s[0] != '-' && strchr(s, '/') == NULL && colon != NULL && colon[1] != '\0' &&
	       strspn(colon + 1, "0123456789") == strlen(colon + 1);
}

/* --http=SERVER, or --http SERVER when the next word is a server rather than the identifier. */
static void
http_server_take(int argc, char **argv, struct resolve_args *a)
{
	if (optarg != NULL) {
		a->http_server = optarg;
	} else if (optind < argc && looks_like_server(argv[optind])) {
		a->http_server =
		        argv[optind++]; /* getopt_long moves the skipped identifier after it */
	}
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct resolve_args *a)
{
	static const struct option longopts[] = {
	        {"server", required_argument, NULL, 's'},
	        {"udp", no_argument, NULL, OPT_UDP},
	        {"tcp", no_argument, NULL, OPT_TCP},
	        {"http", optional_argument, NULL, OPT_HTTP},
	        {"cacert", required_argument, NULL, OPT_CACERT},
	        {"insecure", no_argument, NULL, OPT_INSECURE},
	        {"max-body", required_argument, NULL, OPT_MAX_BODY},
	        {"type", required_argument, NULL, 'T'},
	        {"index", required_argument, NULL, 'i'},
	        {"json", no_argument, NULL, 'j'},
	        {"timeout", required_argument, NULL, 'o'},
	        {"auth", no_argument, NULL, OPT_AUTH},
	        {"public-only", no_argument, NULL, OPT_PO},
	        {"no-public-only", no_argument, NULL, OPT_NO_PO},
	        {"digest", no_argument, NULL, OPT_DIGEST},
	        {"recursive", no_argument, NULL, OPT_RECURSIVE},
	        {"follow", no_argument, NULL, OPT_FOLLOW},
	        {"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
	        {"verbose", no_argument, NULL, 'v'},
	        {"site", no_argument, NULL, OPT_SITE},
	        {"dump-request", required_argument, NULL, OPT_DUMP},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
		if (c == 'h') {
			return -1;
		}
		if (c == '?' || c == ':') {
			return cli_bad_option(self, c, argv);
		}
		rc = parse_opt(self, c, a);
		if (rc == CLI_EXIT_OK && c == OPT_HTTP) {
			http_server_take(argc, argv, a);
		}
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
	}
	if (argc - optind != 1) {
		return cli_usage_errorf(self, argc - optind == 0 ? "missing the identifier"
		                                                 : "give exactly one identifier");
	}
	a->id = argv[optind];
	if (a->id[0] == '\0' || strlen(a->id) > HDL_MAX_HANDLE_LEN ||
	    !text_is_clean((const uint8_t *)a->id, strlen(a->id))) {
		return cli_usage_errorf(self, "the identifier must be 1-%d bytes of UTF-8 text",
		                        HDL_MAX_HANDLE_LEN);
	}
	return CLI_EXIT_OK;
}

/* "HOST:PORT", or "HOST" / "[v6]" with the default port. */
static int
server_parse(const struct cli_cmd *self, const char *text, unsigned port, struct addr *out)
{
	char buf[ADDR_TEXT_MAX + 8];
	const char *why = "bad address";
	const char *colon = strrchr(text, ':');
	int n;

	if (colon == NULL || (text[0] == '[' && text[strlen(text) - 1] == ']')) {
		n = snprintf(buf, sizeof(buf), "%s:%u", text, port);
		if (n < 0 || (size_t)n >= sizeof(buf)) {
			return cli_usage_errorf(self, "--server: address too long");
		}
		text = buf;
	}
	if (addr_parse(text, out, &why) != IDR_OK) {
		return cli_usage_errorf(self, "--server: %s: %s", text, why);
	}
	return CLI_EXIT_OK;
}

static void
query_init(const struct resolve_args *a, struct hdlc_query *q)
{
	memset(q, 0, sizeof(*q));
	q->handle = slice_cstr(a->id);
	q->indexes = a->indexes;
	q->nindexes = a->nindexes;
	q->types = a->types;
	q->ntypes = a->ntypes;
	q->auth = a->auth;
	q->public_only = a->public_only;
	q->digest = a->digest;
	q->no_recursion = !a->recursive;
}

/* --dump-request: write one encoded request to a file (e.g. a load generator's payload). */
static int
dump_request(const struct cli_cmd *self, const struct resolve_args *a)
{
	struct hdlc_query q;
	struct wbuf w;
	uint32_t id;
	FILE *f = NULL;
	int rc;

	query_init(a, &q);
	q.no_recursion = false; /* a stock client's request: REC set, as Handle.Net sends it */
	wbuf_init_heap(&w, HDL_MAX_UNIT_LEN);
	rc = hdlc_request_id(&id);
	if (rc == IDR_OK) {
		rc = hdlc_resolution_encode(&w, &q, id, (uint32_t)time(NULL));
	}
	if (rc == IDR_OK) {
		f = fopen(a->dump, "wb");
		rc = f == NULL ? IDR_EIO : IDR_OK;
	}
	if (rc == IDR_OK && fwrite(wbuf_data(&w), 1, wbuf_len(&w), f) != wbuf_len(&w)) {
		rc = IDR_EIO;
	}
	if (f != NULL && fclose(f) != 0) {
		rc = IDR_EIO;
	}
	wbuf_deinit(&w);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", a->dump, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static int
exit_for_rc(uint32_t rc)
{
	if (rc == HDL_RC_SUCCESS) {
		return CLI_EXIT_OK;
	}
	return rc == HDL_RC_HANDLE_NOT_FOUND ? CLI_EXIT_NOTFOUND : CLI_EXIT_FAIL;
}

static void
print_table(const struct answer *ans)
{
	char note[sizeof(ans->via) + 32];

	snprintf(note, sizeof(note), "via %s in %.2f ms", ans->via, ans->ms);
	if (vtab_print(stdout, ans->handle, ans->values, ans->n, note) != IDR_OK) {
		fputs("idr resolve: out of memory\n", stderr);
	}
}

/* "idr resolve: ID: HANDLE_NOT_FOUND (100): message" */
static void
print_error(const struct cli_cmd *self, const struct resolve_args *a, const struct answer *ans)
{
	char idb[300], msgb[MSG_SHOW_MAX], *msg = slice_strdup(ans->message);
	const char *name = hdl_rc_name(ans->rc);

	cli_errorf(self->name, "%s: %s (%" PRIu32 ")%s%s", cli_safe(a->id, idb, sizeof(idb)),
	           name != NULL ? name : "unknown response code", ans->rc,
	           msg != NULL && msg[0] != '\0' ? ": " : "",
	           msg != NULL ? cli_safe(msg, msgb, sizeof(msgb)) : "");
	free(msg);
}

/* Show an answer; the exit code follows its response code. */
static int
show(const struct cli_cmd *self, const struct resolve_args *a, const struct answer *ans)
{
	if (ans->rc == HDL_RC_SUCCESS) {
		print_table(ans);
		return CLI_EXIT_OK;
	}
	if (a->json &&
	    vtab_print_json_answer(stdout, ans->rc, ans->handle, ans->message) != IDR_OK) {
		cli_errorf(self->name, "out of memory");
	}
	print_error(self, a, ans);
	return exit_for_rc(ans->rc);
}

/* ---- Handle protocol ---- */

static int
values_decode(struct slice clumps, uint32_t count, struct answer *ans)
{
	struct slice clump;
	struct rbuf r;
	size_t i;

	ans->values = calloc(count > 0 ? count : 1, sizeof(*ans->values));
	if (ans->values == NULL) {
		return IDR_ENOMEM;
	}
	rbuf_init(&r, clumps.p, clumps.len);
	for (i = 0; i < count; i++) {
		if (hdl_clump_next(&r, &ans->values[i], &clump) != IDR_OK) {
			return IDR_EPROTO;
		}
	}
	ans->n = count;
	return IDR_OK;
}

/* Read the body of a checked answer into ans (and print JSON of a success). */
static int
hdl_body(const struct resolve_args *a, const struct hdl_msg *m, struct rbuf *rest,
         struct answer *ans)
{
	struct hdl_value_list list;
	struct rec_view view;
	int rc;

	ans->rc = m->hdr.rc;
	if (ans->rc == HDL_RC_SUCCESS) {
		rc = hdl_res_resp_parse(rest, &list);
		if (rc != IDR_OK) {
			return rc;
		}
		ans->handle = list.handle;
		if (!a->json) {
			return values_decode(list.clumps, list.count, ans);
		}
		memset(&view, 0, sizeof(view));
		view.handle = list.handle;
		view.nvalues = list.count;
		view.values = list.clumps;
		return vtab_print_json_record(stdout, &view);
	}
	if (hdl_rc_is_error(ans->rc)) {
		return hdl_error_resp_parse(rest, m->env.ver, &ans->message);
	}
	if (ans->rc == HDL_RC_SERVICE_REFERRAL || ans->rc == HDL_RC_PREFIX_REFERRAL) {
		rc = hdl_referral_resp_parse(rest, &list);
		ans->message = list.handle;
		return rc;
	}
	return IDR_OK;
}

/*
 * --follow: the server a referral (rest: its body, from srv) sends the query to. A site in the
 * referral is used directly; a service handle (HS_SERV) is resolved at srv for its HS_SITE.
 * @param why  on error, what is wrong.
 */
static int
referral_next(const struct resolve_args *a, const struct addr *srv, struct rbuf *rest,
              struct addr *next, const char **why)
{
	char name[HDL_MAX_HANDLE_LEN + 1];
	struct hdl_value_list list;
	struct hdlc_reply rep;
	struct hdlc_query q;
	struct slice serv;
	struct rbuf body;
	int rc;

	*why = "the referral does not parse";
	rc = hdl_referral_resp_parse(rest, &list);
	if (rc == IDR_OK) {
		*why = "the referral names no usable site or service handle";
		rc = hdlc_referral_target(list.clumps, slice_cstr(a->id), a->proto, next, &serv);
	}
	if (rc != IDR_ENOENT || serv.len == 0) {
		return rc;
	}
	if (serv.len >= sizeof(name)) {
		*why = "the referral's service handle is too long";
		return IDR_ELIMIT;
	}
	memcpy(name, serv.p, serv.len);
	name[serv.len] = '\0';
	memset(&q, 0, sizeof(q));
	q.handle = slice_make(name, serv.len);
	q.public_only = true;
	q.no_recursion = !a->recursive;
	hdlc_reply_init(&rep);
	*why = "the referral's service handle does not resolve to a usable site";
	rc = hdlc_resolve(srv, a->proto, &q, (unsigned)a->timeout_s * 1000u, &rep, NULL, &body);
	if (rc == IDR_OK && rep.msg.hdr.rc != HDL_RC_SUCCESS) {
		rc = IDR_ENOENT;
	}
	if (rc == IDR_OK) {
		rc = hdl_res_resp_parse(&body, &list);
	}
	if (rc == IDR_OK) {
		rc = hdlc_referral_target(list.clumps, slice_cstr(a->id), a->proto, next, &serv);
	}
	hdlc_reply_deinit(&rep);
	return rc;
}

static void
addr_text(const struct addr *a, char *buf, size_t cap)
{
	if (addr_format((const struct sockaddr *)&a->ss, buf, cap) != IDR_OK) {
		snprintf(buf, cap, "?");
	}
}

/*
 * A 301 from a server of a sharded site that another server of the site holds the handle
 * (SHARD_MSG_WRONG_SERVER, the reference server's text): *next is the server the site's
 * Handle hash picks (hdlc_site_pick asks srv for the site). False for any other answer, when
 * the site cannot be read (the 301 is shown) or when the hash picks srv itself.
 */
static bool
misrouted_next(const struct resolve_args *a, const struct hdlc_reply *reply, struct rbuf rest,
               const struct addr *srv, struct addr *next, uint32_t *idx, uint32_t *n)
{
	char from[ADDR_STRLEN], to[ADDR_STRLEN];
	struct slice msg;
	int rc;

	if (reply->msg.hdr.rc != HDL_RC_SERVER_NOT_RESP ||
	    hdl_error_resp_parse(&rest, reply->msg.env.ver, &msg) != IDR_OK ||
	    !slice_eq(msg, SLICE_LIT(SHARD_MSG_WRONG_SERVER))) {
		return false;
	}
	rc = hdlc_site_pick(srv, slice_cstr(a->id), (unsigned)a->timeout_s * 1000u, next, idx, n);
	addr_text(srv, from, sizeof(from));
	if (rc != IDR_OK) {
		if (a->verbose) {
			fprintf(stderr, "site information of %s: %s\n", from, idr_strerror(rc));
		}
		return false;
	}
	addr_text(next, to, sizeof(to));
	return strcmp(from, to) != 0;
}

static int
resolve_hdl(const struct cli_cmd *self, const struct resolve_args *a, const struct addr *first)
{
	char where[ADDR_STRLEN], to[ADDR_STRLEN], idb[300];
	struct hdlc_reply reply;
	struct hdlc_query q;
	struct timespec t0;
	struct answer ans;
	enum hdlc_proto used = a->proto;
	struct addr srv = *first, next;
	const char *why = NULL;
	uint32_t code, idx = 0, n = 0;
	struct rbuf rest;
	unsigned hops = 0;
	bool referral;
	int rc;

	memset(&ans, 0, sizeof(ans));
	ans.handle = slice_cstr(a->id);
	query_init(a, &q);
	hdlc_reply_init(&reply);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		addr_text(&srv, where, sizeof(where));
		rc = hdlc_resolve(&srv, a->proto, &q, (unsigned)a->timeout_s * 1000u, &reply, &used,
		                  &rest);
		if (rc != IDR_OK || !a->follow) {
			break;
		}
		code = reply.msg.hdr.rc;
		referral = code == HDL_RC_SERVICE_REFERRAL || code == HDL_RC_PREFIX_REFERRAL;
		if (!referral && !misrouted_next(a, &reply, rest, &srv, &next, &idx, &n)) {
			break;
		}
		if (++hops > RESOLVE_MAX_HOPS) {
			cli_errorf(self->name, "%s: more than %u referrals",
			           cli_safe(a->id, idb, sizeof(idb)), RESOLVE_MAX_HOPS);
			hdlc_reply_deinit(&reply);
			return CLI_EXIT_FAIL;
		}
		if (referral && (rc = referral_next(a, &srv, &rest, &next, &why)) != IDR_OK) {
			cli_errorf(self->name, "%s: referral (%" PRIu32 ") from %s: %s: %s",
			           cli_safe(a->id, idb, sizeof(idb)), code, where, why,
			           idr_strerror(rc));
			hdlc_reply_deinit(&reply);
			return CLI_EXIT_FAIL;
		}
		addr_text(&next, to, sizeof(to));
		if (a->verbose && referral) {
			fprintf(stderr, "referral (%" PRIu32 ") from %s: asking %s\n", code, where,
			        to);
		} else if (a->verbose) {
			fprintf(stderr,
			        "wrong server (301) %s: site of %" PRIu32
			        " servers: asking server %" PRIu32 " (%s)\n",
			        where, n, idx, to);
		}
		hdlc_reply_deinit(&reply);
		hdlc_reply_init(&reply);
		srv = next;
	}
	ans.ms = elapsed_ms(&t0);
	if (rc == IDR_OK) {
		snprintf(ans.via, sizeof(ans.via), "%s %s", hdlc_proto_name(used), where);
		rc = hdl_body(a, &reply.msg, &rest, &ans);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s (%s): %s", cli_safe(a->id, idb, sizeof(idb)), where,
		           hdlc_proto_name(a->proto), idr_strerror(rc));
		rc = CLI_EXIT_FAIL;
	} else if (!(a->json && ans.rc == HDL_RC_SUCCESS)) {
		rc = show(self, a, &ans);
	}
	free(ans.values);
	hdlc_reply_deinit(&reply);
	return rc;
}

/* ---- HTTP ---- */

/* Fill ans from a parsed API answer; values (success, table output) into vals. */
static int
http_answer(json_t *root, bool want_values, struct vjson_values *vals, struct answer *ans)
{
	json_t *rcj = json_object_get(root, "responseCode");
	json_t *h = json_object_get(root, "handle");
	json_t *m = json_object_get(root, "message");
	char err[VJSON_ERR_LEN];

	if (!json_is_integer(rcj) || json_integer_value(rcj) < 0 ||
	    json_integer_value(rcj) > UINT32_MAX) {
		return IDR_EPROTO;
	}
	ans->rc = (uint32_t)json_integer_value(rcj);
	if (json_is_string(h)) {
		ans->handle = slice_make(json_string_value(h), json_string_length(h));
	}
	if (json_is_string(m)) {
		ans->message = slice_make(json_string_value(m), json_string_length(m));
	}
	if (ans->rc != HDL_RC_SUCCESS || !want_values) {
		return IDR_OK;
	}
	if (vjson_parse_values(root, vals, err, sizeof(err)) != IDR_OK) {
		fprintf(stderr, "idr resolve: HTTP answer: %s\n", err);
		return IDR_EPROTO;
	}
	ans->values = vals->v;
	ans->n = vals->n;
	return IDR_OK;
}

/* Print the API's JSON as received (trailing white space dropped). */
static void
print_body(struct slice b)
{
	while (b.len > 0 && (b.p[b.len - 1] == '\n' || b.p[b.len - 1] == '\r' ||
	                     b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '\t')) {
		b.len--;
	}
	fwrite(b.p, 1, b.len, stdout);
	putchar('\n');
}

static int
http_show(const struct cli_cmd *self, const struct resolve_args *a, struct slice body,
          struct answer *ans)
{
	struct vjson_values vals;
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(&vals, 0, sizeof(vals));
	root = json_loadb((const char *)body.p, body.len, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return IDR_EPROTO;
	}
	rc = http_answer(root, !a->json, &vals, ans);
	if (rc == IDR_OK && a->json) {
		print_body(body);
		if (ans->rc != HDL_RC_SUCCESS) {
			print_error(self, a, ans);
		}
		rc = exit_for_rc(ans->rc);
	} else if (rc == IDR_OK) {
		rc = show(self, a, ans);
	} else {
		rc = IDR_EPROTO;
	}
	ans->values = NULL;
	vjson_values_free(&vals);
	json_decref(root);
	return rc;
}

static int
resolve_http(const struct cli_cmd *self, const struct resolve_args *a,
             const struct httpc_base *base)
{
	static const char *const hdrs[] = {"Accept: application/json"};
	struct httpc_opts o;
	struct httpc_resp resp;
	struct httpc_req req;
	struct httpc *c = NULL;
	char idb[300];
	struct hdlc_query q;
	struct timespec t0;
	struct answer ans;
	struct wbuf path;
	int rc;

	memset(&ans, 0, sizeof(ans));
	ans.handle = slice_cstr(a->id);
	snprintf(ans.via, sizeof(ans.via), "%s %s:%u", base->tls ? "HTTPS" : "HTTP", base->host,
	         (unsigned)base->port);
	memset(&o, 0, sizeof(o));
	o.cacert = a->cacert;
	o.insecure = a->insecure;
	o.timeout_ms = (unsigned)a->timeout_s * 1000u;
	o.max_body = (size_t)a->max_body;
	query_init(a, &q);
	wbuf_init_heap(&path, (size_t)64 * 1024);
	rc = hdlc_http_resolve_path(&path, &q);
	wbuf_terminate(&path);
	if (rc == IDR_OK) {
		rc = wbuf_error(&path) == IDR_OK ? httpc_new(&c, base, &o) : wbuf_error(&path);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->id, idb, sizeof(idb)),
		           idr_strerror(rc));
		wbuf_deinit(&path);
		return CLI_EXIT_FAIL;
	}
	memset(&req, 0, sizeof(req));
	req.method = HTTPC_GET;
	req.path = (const char *)wbuf_data(&path);
	req.headers = hdrs;
	req.nheaders = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = httpc_request(c, &req, &resp);
	ans.ms = elapsed_ms(&t0);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: %s", cli_safe(a->id, idb, sizeof(idb)),
		           httpc_errmsg(c));
		rc = CLI_EXIT_FAIL;
	} else {
		rc = http_show(self, a, resp.body, &ans);
		if (rc == IDR_EPROTO) {
			cli_errorf(self->name, "%s: %s: status %d without a JSON answer",
			           cli_safe(a->id, idb, sizeof(idb)), httpc_url(c), resp.status);
			rc = CLI_EXIT_FAIL;
		}
	}
	httpc_free(c);
	wbuf_deinit(&path);
	return rc;
}

/* The HTTP(S) server: --http SERVER or --server (a URL there implies --http). */
static int
http_target(const struct cli_cmd *self, struct resolve_args *a, struct httpc_base *base)
{
	const char *text = a->http_server != NULL ? a->http_server : a->server;
	const char *why = NULL;

	if (a->http_server != NULL && a->server != NULL) {
		return cli_usage_errorf(self, "give the server once: --server or --http SERVER");
	}
	if (text != NULL &&
	    (strncasecmp(text, "http://", 7) == 0 || strncasecmp(text, "https://", 8) == 0)) {
		if (a->proto != HDLC_PROTO_AUTO) {
			return cli_usage_errorf(self, "an http(s):// server needs --http, not --%s",
			                        a->proto == HDLC_PROTO_UDP ? "udp" : "tcp");
		}
		a->http = true;
	}
	if (!a->http) {
		if (a->cacert != NULL || a->insecure || a->max_body != 0) {
			return cli_usage_errorf(self,
			                        "--cacert, --insecure and --max-body need --http");
		}
		return CLI_EXIT_OK;
	}
	if (httpc_base_parse(text != NULL ? text : "127.0.0.1", DEFAULT_HTTP_PORT, base, &why) !=
	    IDR_OK) {
		return cli_usage_errorf(self, "%s: %s",
		                        a->http_server != NULL ? "--http" : "--server", why);
	}
	if (!base->tls && (a->cacert != NULL || a->insecure)) {
		return cli_usage_errorf(self, "--cacert and --insecure need an https:// server");
	}
	if (a->cacert != NULL && a->insecure) {
		return cli_usage_errorf(self, "give --cacert or --insecure, not both");
	}
	return CLI_EXIT_OK;
}

/* --site: replace *srv by the server of its site that the Handle hash picks for the id. */
static int
site_pick(const struct cli_cmd *self, const struct resolve_args *a, struct addr *srv)
{
	char where[ADDR_STRLEN], idb[300];
	uint32_t idx = 0, n = 0;
	struct addr pick;
	int rc;

	if (addr_format((const struct sockaddr *)&srv->ss, where, sizeof(where)) != IDR_OK) {
		snprintf(where, sizeof(where), "?");
	}
	rc = hdlc_site_pick(srv, slice_cstr(a->id), (unsigned)a->timeout_s * 1000u, &pick, &idx,
	                    &n);
	if (rc != IDR_OK) {
		cli_errorf(self->name, "%s: site information of %s: %s",
		           cli_safe(a->id, idb, sizeof(idb)), where, idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	if (addr_format((const struct sockaddr *)&pick.ss, where, sizeof(where)) == IDR_OK) {
		fprintf(stderr, "site of %" PRIu32 " server%s: server %" PRIu32 " (%s) holds %s\n",
		        n, n == 1 ? "" : "s", idx, where, cli_safe(a->id, idb, sizeof(idb)));
	}
	*srv = pick;
	return CLI_EXIT_OK;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct resolve_args a;
	struct httpc_base base;
	struct addr srv;
	int rc;

	memset(&a, 0, sizeof(a));
	a.public_only = true;
	a.follow = true;
	a.timeout_s = 10;
	rc = parse(self, argc, argv, &a);
	if (rc != CLI_EXIT_OK) {
		return rc < 0 ? cli_help(self) : rc;
	}
	if (a.dump != NULL) {
		return dump_request(self, &a);
	}
	if (a.site && a.http) {
		return cli_usage_errorf(self, "--site is for the Handle protocol, not --http");
	}
	memset(&base, 0, sizeof(base));
	rc = http_target(self, &a, &base);
	if (rc == CLI_EXIT_OK && a.http && a.follow_opt != 0) {
		return cli_usage_errorf(self, "--%s is for the Handle protocol, not --http",
		                        a.follow_opt == OPT_FOLLOW ? "follow" : "no-follow");
	}
	if (rc != CLI_EXIT_OK || a.http) {
		return rc != CLI_EXIT_OK ? rc : resolve_http(self, &a, &base);
	}
	rc = server_parse(self, a.server != NULL ? a.server : "127.0.0.1", DEFAULT_HDL_PORT, &srv);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (a.site && (rc = site_pick(self, &a, &srv)) != CLI_EXIT_OK) {
		return rc;
	}
	return resolve_hdl(self, &a, &srv);
}

const struct cli_cmd cmd_resolve = {
        "resolve",
        "ask a Handle server for a record (UDP, TCP or the HTTP JSON API)",
        "usage: idr resolve ID [--server HOST[:PORT]] [--udp|--tcp] [--type T]...\n"
        "                      [--index N]... [--json] [--timeout S] [--auth]\n"
        "                      [--public-only|--no-public-only] [--digest]\n"
        "                      [--recursive] [--site] [--no-follow] [-v]\n"
        "       idr resolve ID --http [SERVER] [--cacert FILE|--insecure] [--max-body N] ...\n"
        "       idr resolve ID [--type T]... [--index N]... ... --dump-request FILE\n"
        "\n"
        "Resolve identifier ID at a Handle server (idrd or any Handle.Net server) and show its\n"
        "values: index, type, TTL, permissions (admin read/write, public read/write as in\n"
        "Handle.Net: rwr-), timestamp (UTC) and data (text; HS_ADMIN and HS_VLIST decoded;\n"
        "other binary data as <hex ...>); the item kind first when the record carries one.\n"
        "Like the Java resolver it asks over UDP (re-sending after 0.5, 1 and 1.5 s, answers\n"
        "in several datagrams reassembled) and falls back to TCP when UDP gets no answer;\n"
        "--udp or --tcp use one transport only, --http the REST API (GET /api/handles/ID)\n"
        "over HTTP or HTTPS (SERVER is HOST:PORT or http[s]://HOST[:PORT]; the certificate\n"
        "of an https:// server is verified against the system's CAs or --cacert FILE).\n"
        "--json prints the record as the REST API does ({\"responseCode\":1,\"handle\":..,\n"
        "\"values\":[..]}), the same for every transport.\n"
        "\n"
        "Exit status: 0 resolved, 3 no such identifier (HANDLE_NOT_FOUND, 100), 1 any other\n"
        "response code (its name and the server's message are printed) or no answer.\n"
        "\n"
        "options:\n"
        "  --server HOST[:PORT]  server address (default 127.0.0.1, port 2641; 8000 with\n"
        "                        --http); IPv6 as [ADDR]:PORT\n"
        "  --udp, --tcp          use only this transport\n"
        "  --http [SERVER]       use the REST API; SERVER as HOST:PORT (plain HTTP) or\n"
        "                        http[s]://HOST[:PORT] (ports 80/443), here or in --server\n"
        "  --cacert FILE         HTTPS: trust the CA certificates (PEM) in FILE\n"
        "  --insecure            HTTPS: do not verify the server's certificate or name\n"
        "  --max-body N          HTTP(S): refuse an answer body over N bytes (64 MiB)\n"
        "  --type T              only values of type T (repeatable; 'T.' includes sub-types)\n"
        "  --index N             only the value with index N (repeatable; with --type: either)\n"
        "  --json                JSON output\n"
        "  --timeout S           give up after S seconds (default 10)\n"
        "  --auth                ask for an authoritative answer (AT flag; auth=true)\n"
        "  --public-only         public values only (PO flag; the default)\n"
        "  --no-public-only      ask for every value (non-public ones need authentication)\n"
        "  --recursive           set REC: a node that does not host the prefix resolves\n"
        "                        the identifier upstream for us (else it answers 301)\n"
        "  --site                --server is any server of a site: ask it for the site's\n"
        "                        HS_SITE and send the query to the server the Handle hash\n"
        "                        picks (as stock clients do; the choice goes to stderr)\n"
        "  --follow              follow referrals, as stock clients do (the default): a 302\n"
        "                        or 303 answer (e.g. from a top level) names the site of the\n"
        "                        prefix (HS_SITE, HS_SITE.PREFIX, or an HS_SERV handle\n"
        "                        resolved there), asked at its server chosen by the Handle\n"
        "                        hash; a 301 \"" SHARD_MSG_WRONG_SERVER "\" (a server of a\n"
        "                        sharded site) is sent to the server the site's hash picks;\n"
        "                        at most 8 referrals; the answer's \"via\" names the server\n"
        "                        that answered\n"
        "  --no-follow           show a referral (301 wrong server, 302, 303) as it comes\n"
        "  -v, --verbose         name each referral followed on stderr\n"
        "  --digest              ask for a digest of the request in the answer (RD) and\n"
        "                        check it\n"
        "  --dump-request FILE   write the encoded request (envelope + message) to FILE and\n"
        "                        exit without sending it (a load generator's payload; REC\n"
        "                        set, as stock clients send it)\n",
        run,
};
