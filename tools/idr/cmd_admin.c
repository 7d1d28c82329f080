/*
 * cmd_admin.c - `idr admin`: change records on a Handle server through the Handle admin
 * protocol, as a stock Handle.Net client does (client/hadmin.h): a DH session whose setup
 * answer is checked against the server's HS_SITE key, HS_MAC on each request, the identity's
 * key answering the server's challenge.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/num.h"
#include "base/text.h"
#include "client/hadmin.h"
#include "client/httpc.h"
#include "common/cli.h"
#include "hdl/addr.h"
#include "idr/cmd.h"

#define ADMIN_PORT       2641
#define ADMIN_HTTP_PORT  8000 /* Handle's HTTP interface (a bare HOST:PORT is plain HTTP) */
#define ADMIN_MAX_VALUES 256
#define ADMIN_DATA_MAX   1024 /* an HS_ADMIN value's data */
#define ID_ARG_MAX       (HDL_MAX_HANDLE_LEN + 16)

enum {
	OPT_ID = 256,
	OPT_KEY,
	OPT_SECRET_FILE,
	OPT_HASHED,
	OPT_SERVER_KEY,
	OPT_SETUP,
	OPT_NO_SESSION,
	OPT_KEEP_ALIVE,
	OPT_OVERWRITE,
	OPT_MINT,
	OPT_TIMEOUT,
	OPT_LOGIN,
	OPT_UDP,
	OPT_HTTP,
	OPT_CACERT,
	OPT_INSECURE
};

struct admin_args {
	const char *server;
	const char *udp;
	const char *id;
	const char *key;
	const char *secret_file;
	const char *server_key;
	const char *http;   /* --http URL */
	const char *cacert; /* --cacert FILE */
	bool insecure;
	bool setup_given;
	enum hdlc_proto setup;
	bool no_session, keep_alive, overwrite, mint, login;
	bool hashed; /* --hashed: the node holds the secret hashed (hex SHA-1) */
	uint64_t timeout_s;
	const char *op;
	const char *handle;
	char **rest;
	int nrest;
};

/* The values of a create / add / modify, with the storage their data borrows. */
struct valueset {
	struct value v[ADMIN_MAX_VALUES];
	uint8_t admin[ADMIN_MAX_VALUES][ADMIN_DATA_MAX];
	uint32_t idx[ADMIN_MAX_VALUES];
	size_t n;
};

static int
parse_opt(const struct cli_cmd *self, int c, struct admin_args *a)
{
	switch (c) {
	case 's':
		a->server = optarg;
		return CLI_EXIT_OK;
	case OPT_UDP:
		a->udp = optarg;
		return CLI_EXIT_OK;
	case OPT_ID:
		a->id = optarg;
		return CLI_EXIT_OK;
	case OPT_KEY:
		a->key = optarg;
		return CLI_EXIT_OK;
	case OPT_HASHED:
		a->hashed = true;
		return CLI_EXIT_OK;
	case OPT_SECRET_FILE:
		a->secret_file = optarg;
		return CLI_EXIT_OK;
	case OPT_SERVER_KEY:
		a->server_key = optarg;
		return CLI_EXIT_OK;
	case OPT_HTTP:
		a->http = optarg;
		return CLI_EXIT_OK;
	case OPT_CACERT:
		a->cacert = optarg;
		return CLI_EXIT_OK;
	case OPT_INSECURE:
		a->insecure = true;
		return CLI_EXIT_OK;
	case OPT_SETUP:
		a->setup_given = true;
		if (strcmp(optarg, "udp") == 0) {
			a->setup = HDLC_PROTO_UDP;
		} else if (strcmp(optarg, "tcp") == 0) {
			a->setup = HDLC_PROTO_TCP;
		} else {
			return cli_usage_errorf(self, "--setup: udp or tcp");
		}
		return CLI_EXIT_OK;
	case OPT_NO_SESSION:
		a->no_session = true;
		return CLI_EXIT_OK;
	case OPT_KEEP_ALIVE:
		a->keep_alive = true;
		return CLI_EXIT_OK;
	case OPT_OVERWRITE:
		a->overwrite = true;
		return CLI_EXIT_OK;
	case OPT_MINT:
		a->mint = true;
		return CLI_EXIT_OK;
	case OPT_LOGIN:
		a->login = true;
		return CLI_EXIT_OK;
	case OPT_TIMEOUT:
		return cli_parse_u64(self, "--timeout", optarg, 1, 3600, &a->timeout_s);
	default:
		return cli_bad_option(self, c, NULL);
	}
}

static bool
op_known(const char *op)
{
	static const char *const ops[] = {"create", "add",  "modify", "remove",
	                                  "delete", "list", "login"};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(op, ops[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* --http excludes the UDP/TCP options; --cacert and --insecure need it. */
static int
parse_check_http(const struct cli_cmd *self, const struct admin_args *a)
{
	if (a->http == NULL) {
		if (a->cacert != NULL || a->insecure) {
			return cli_usage_errorf(self, "--cacert and --insecure need --http");
		}
		return CLI_EXIT_OK;
	}
	if (a->server != NULL || a->udp != NULL || a->setup_given) {
		return cli_usage_errorf(self, "--http sends every message over HTTP: no --server, "
		                              "--udp or --setup");
	}
	if (a->cacert != NULL && a->insecure) {
		return cli_usage_errorf(self, "give --cacert or --insecure, not both");
	}
	return CLI_EXIT_OK;
}

static int
parse_check(const struct cli_cmd *self, struct admin_args *a)
{
	bool values = strcmp(a->op, "create") == 0 || strcmp(a->op, "add") == 0 ||
	              strcmp(a->op, "modify") == 0;

	if (a->id == NULL) {
		return cli_usage_errorf(self, "--id INDEX:HANDLE (the admin identity) is required");
	}
	if ((a->key == NULL) == (a->secret_file == NULL)) {
		return cli_usage_errorf(self, "give --key FILE or --secret-file FILE");
	}
	if (a->hashed && a->secret_file == NULL) {
		return cli_usage_errorf(self, "--hashed goes with --secret-file");
	}
	if (strcmp(a->op, "login") != 0 && a->handle == NULL) {
		return cli_usage_errorf(self, "%s: missing the %s", a->op,
		                        strcmp(a->op, "list") == 0 ? "prefix" : "identifier");
	}
	if ((values || strcmp(a->op, "remove") == 0) && a->nrest == 0) {
		return cli_usage_errorf(self, "%s: missing %s", a->op,
		                        values ? "values (INDEX:TYPE:DATA)" : "value indexes");
	}
	if (!values && strcmp(a->op, "remove") != 0 && a->nrest > 0) {
		return cli_usage_errorf(self, "unexpected argument '%s'", a->rest[0]);
	}
	if (a->nrest > ADMIN_MAX_VALUES) {
		return cli_usage_errorf(self, "at most %d values", ADMIN_MAX_VALUES);
	}
	if (a->mint && strcmp(a->op, "create") != 0) {
		return cli_usage_errorf(self, "--mint is for create");
	}
	if (a->overwrite && strcmp(a->op, "create") != 0 && strcmp(a->op, "add") != 0) {
		return cli_usage_errorf(self, "--overwrite is for create and add");
	}
	if (a->login && !a->keep_alive && a->http == NULL) {
		return cli_usage_errorf(self, "--login needs --keep-alive (it authenticates the "
		                              "connection)");
	}
	return parse_check_http(self, a);
}

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct admin_args *a)
{
	static const struct option longopts[] = {
	        {"server", required_argument, NULL, 's'},
	        {"udp", required_argument, NULL, OPT_UDP},
	        {"id", required_argument, NULL, OPT_ID},
	        {"key", required_argument, NULL, OPT_KEY},
	        {"secret-file", required_argument, NULL, OPT_SECRET_FILE},
	        {"hashed", no_argument, NULL, OPT_HASHED},
	        {"server-key", required_argument, NULL, OPT_SERVER_KEY},
	        {"setup", required_argument, NULL, OPT_SETUP},
	        {"no-session", no_argument, NULL, OPT_NO_SESSION},
	        {"keep-alive", no_argument, NULL, OPT_KEEP_ALIVE},
	        {"login", no_argument, NULL, OPT_LOGIN},
	        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
	        {"mint", no_argument, NULL, OPT_MINT},
	        {"timeout", required_argument, NULL, OPT_TIMEOUT},
	        {"http", required_argument, NULL, OPT_HTTP},
	        {"cacert", required_argument, NULL, OPT_CACERT},
	        {"insecure", no_argument, NULL, OPT_INSECURE},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	/* GNU getopt moves the operands after the options: they may come in any order */
	while ((c = getopt_long(argc, argv, ":hs:", longopts, NULL)) != -1) {
		if (c == 'h') {
			return -1;
		}
		if (c == '?' || c == ':') {
			return cli_bad_option(self, c, argv);
		}
		rc = parse_opt(self, c, a);
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
	}
	if (optind >= argc) {
		return cli_usage_errorf(self, "missing the operation");
	}
	if (!op_known(argv[optind])) {
		return cli_usage_errorf(self, "unknown operation '%s'", argv[optind]);
	}
	a->op = argv[optind++];
	if (optind < argc && strcmp(a->op, "login") != 0) {
		a->handle = argv[optind++];
	}
	a->rest = argv + optind;
	a->nrest = argc - optind;
	return parse_check(self, a);
}

/* "INDEX:TYPE:DATA"; an HS_ADMIN's DATA is "INDEX:HANDLE" (all permissions). */
static int
value_parse(const struct cli_cmd *self, const char *text, struct valueset *vs)
{
	struct value *v = &vs->v[vs->n];
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	char num[16];
	uint64_t idx;

	if (c1 == NULL || c2 == NULL || c1 == text || (size_t)(c1 - text) >= sizeof(num) ||
	    c2 == c1 + 1) {
		return cli_usage_errorf(self, "%s: a value is INDEX:TYPE:DATA", text);
	}
	memcpy(num, text, (size_t)(c1 - text));
	num[c1 - text] = '\0';
	if (num_parse_u64(num, 1, INT32_MAX, &idx) != IDR_OK) {
		return cli_usage_errorf(self, "%s: the index must be 1..%d", text, INT32_MAX);
	}
	memset(v, 0, sizeof(*v));
	v->index = (uint32_t)idx;
	v->ttl = 86400;
	v->perms = VALUE_PERM_DEFAULT;
	v->type = slice_make(c1 + 1, (size_t)(c2 - c1 - 1));
	v->data = slice_cstr(c2 + 1);
	if (slice_caseeq(v->type, SLICE_LIT("HS_ADMIN"))) {
		struct value_admin ad;
		struct wbuf w;
		const char *c3 = strchr(c2 + 1, ':');
		uint64_t aidx;

		if (c3 == NULL || (size_t)(c3 - c2 - 1) >= sizeof(num) || c3[1] == '\0') {
			return cli_usage_errorf(self,
			                        "%s: an HS_ADMIN value is INDEX:HS_ADMIN:"
			                        "ADMIN_INDEX:ADMIN_HANDLE",
			                        text);
		}
		memcpy(num, c2 + 1, (size_t)(c3 - c2 - 1));
		num[c3 - c2 - 1] = '\0';
		if (num_parse_u64(num, 1, INT32_MAX, &aidx) != IDR_OK) {
			return cli_usage_errorf(self, "%s: bad admin index", text);
		}
		ad.perms = VALUE_ADMIN_ALL;
		ad.handle = slice_cstr(c3 + 1);
		ad.index = (uint32_t)aidx;
		wbuf_init(&w, vs->admin[vs->n], ADMIN_DATA_MAX);
		value_admin_encode(&w, &ad);
		if (wbuf_error(&w) != IDR_OK) {
			return cli_usage_errorf(self, "%s: admin handle too long", text);
		}
		v->data = wbuf_slice(&w);
	}
	vs->n++;
	return CLI_EXIT_OK;
}

static int
op_build(const struct cli_cmd *self, const struct admin_args *a, struct valueset *vs,
         struct hadmin_op *op, char *prefix_handle, size_t cap)
{
	int rc;

	const char *h = a->handle != NULL ? a->handle : "";

	memset(op, 0, sizeof(*op));
	op->handle = slice_cstr(h);
	if (strcmp(a->op, "remove") == 0) {
		for (int i = 0; i < a->nrest; i++) {
			uint64_t idx;

			rc = cli_parse_u64(self, "index", a->rest[i], 1, INT32_MAX, &idx);
			if (rc != CLI_EXIT_OK) {
				return rc;
			}
			vs->idx[i] = (uint32_t)idx;
		}
		op->opcode = HDL_OC_REMOVE_VALUE;
		op->indexes = vs->idx;
		op->nindexes = (size_t)a->nrest;
		return CLI_EXIT_OK;
	}
	for (int i = 0; i < a->nrest; i++) {
		rc = value_parse(self, a->rest[i], vs);
		if (rc != CLI_EXIT_OK) {
			return rc;
		}
	}
	op->values = vs->v;
	op->nvalues = vs->n;
	op->flags = (a->overwrite ? HDL_FLAG_OVRW : 0) | (a->mint ? HDL_FLAG_MINT : 0);
	if (strcmp(a->op, "create") == 0) {
		op->opcode = HDL_OC_CREATE_HANDLE;
	} else if (strcmp(a->op, "add") == 0) {
		op->opcode = HDL_OC_ADD_VALUE;
	} else if (strcmp(a->op, "modify") == 0) {
		op->opcode = HDL_OC_MODIFY_VALUE;
	} else if (strcmp(a->op, "delete") == 0) {
		op->opcode = HDL_OC_DELETE_HANDLE;
	} else if (strcmp(a->op, "login") == 0) {
		op->opcode = HDL_OC_LOGIN_ID_SYSTEM;
	} else {
		/* list PREFIX: the prefix handle 0.NA/PREFIX (a 0.NA/ handle is taken as given) */
		int n = strncmp(h, "0.NA/", 5) == 0 ? snprintf(prefix_handle, cap, "%s", h)
		                                    : snprintf(prefix_handle, cap, "0.NA/%s", h);

		if (n < 0 || (size_t)n >= cap) {
			return cli_usage_errorf(self, "the prefix is too long");
		}
		op->opcode = HDL_OC_LIST_HANDLES;
		op->handle = slice_cstr(prefix_handle);
	}
	return CLI_EXIT_OK;
}

/* The identity's key: a PEM private key, or a secret read from a file (one line). */
static int
ident_load(const struct cli_cmd *self, const struct admin_args *a, struct hadmin_ident *id,
           struct crypto_key **key, uint8_t *secret, size_t cap)
{
	char idb[ID_ARG_MAX];
	const char *colon = a->id != NULL ? strchr(a->id, ':') : NULL;
	uint64_t idx;
	int rc;

	if (colon == NULL || (size_t)(colon - a->id) >= sizeof(idb) || colon[1] == '\0') {
		return cli_usage_errorf(self, "--id: INDEX:HANDLE, e.g. 300:0.NA/88.118.8");
	}
	memcpy(idb, a->id, (size_t)(colon - a->id));
	idb[colon - a->id] = '\0';
	if (num_parse_u64(idb, 1, INT32_MAX, &idx) != IDR_OK) {
		return cli_usage_errorf(self, "--id: the index must be 1..%d", INT32_MAX);
	}
	memset(id, 0, sizeof(*id));
	id->handle = slice_cstr(colon + 1);
	id->index = (uint32_t)idx;
	if (a->key != NULL) {
		rc = crypto_key_load(key, a->key);
		if (rc == IDR_OK && !crypto_key_has_private(*key)) {
			rc = IDR_EINVAL;
		}
		if (rc != IDR_OK) {
			cli_errorf(self->name, "%s: %s", a->key,
			           rc == IDR_EINVAL ? "not a private key" : idr_strerror(rc));
			return CLI_EXIT_FAIL;
		}
		id->key = *key;
		return CLI_EXIT_OK;
	}
	{
		FILE *fp = fopen(a->secret_file, "rb");
		size_t n;

		if (fp == NULL) {
			cli_errorf(self->name, "%s: cannot open", a->secret_file);
			return CLI_EXIT_FAIL;
		}
		n = fread(secret, 1, cap, fp);
		fclose(fp);
		while (n > 0 && (secret[n - 1] == '\n' || secret[n - 1] == '\r')) {
			n--;
		}
		if (n == 0 || n >= cap) {
			cli_errorf(self->name, "%s: the secret must be 1-%zu bytes", a->secret_file,
			           cap - 1);
			return CLI_EXIT_FAIL;
		}
		if (a->hashed) { /* Handle.Net's hashed secret keys: the key is hex(SHA-1(secret))
			          */
			uint8_t sha[CRYPTO_SHA1_LEN];
			char hex[2 * CRYPTO_SHA1_LEN + 1];

			if (cap <= 2 * CRYPTO_SHA1_LEN ||
			    crypto_hash(CRYPTO_SHA1, secret, n, sha) != IDR_OK) {
				cli_errorf(self->name, "cannot hash the secret");
				return CLI_EXIT_FAIL;
			}
			crypto_hex(sha, sizeof(sha), hex);
			memcpy(secret, hex, 2 * CRYPTO_SHA1_LEN);
			n = 2 * CRYPTO_SHA1_LEN;
		}
		id->secret = slice_make(secret, n);
	}
	return CLI_EXIT_OK;
}

static int
print_handle(void *arg, struct slice h)
{
	(void)arg;
	cli_put_text(stdout, h);
	putchar('\n');
	return 0;
}

static int
report(const struct cli_cmd *self, const struct admin_args *a, const struct hadmin_result *res)
{
	char hb[256];
	const char *name = hdl_rc_name(res->rc);

	if (res->rc == HDL_RC_SUCCESS) {
		if (strcmp(a->op, "create") == 0) {
			printf("%s %s\n", res->overwritten ? "overwrote" : "created",
			       res->handle[0] != '\0' ? res->handle : a->handle);
		} else if (strcmp(a->op, "list") == 0) {
			fprintf(stderr, "%zu handles\n", res->listed);
		} else if (strcmp(a->op, "login") == 0) {
			printf("logged in as %s\n", a->id);
		} else {
			printf("%s %s\n",
			       strcmp(a->op, "delete") == 0   ? "deleted"
			       : strcmp(a->op, "remove") == 0 ? "removed values of"
			                                      : "updated",
			       a->handle);
		}
		return CLI_EXIT_OK;
	}
	cli_errorf(self->name, "%s %s: %s (%" PRIu32 ")%s%s", a->op,
	           a->handle != NULL ? cli_safe(a->handle, hb, sizeof(hb)) : a->id,
	           name != NULL ? name : "error", res->rc, res->message[0] != '\0' ? ": " : "",
	           res->message);
	return res->rc == HDL_RC_HANDLE_NOT_FOUND ? CLI_EXIT_NOTFOUND : CLI_EXIT_FAIL;
}

static int
server_addr(const struct cli_cmd *self, const char *text, struct addr *out)
{
	char buf[ADDR_TEXT_MAX + 8];
	const char *why = "bad address";

	if (text == NULL) {
		text = "127.0.0.1";
	}
	if (strrchr(text, ':') == NULL || (text[0] == '[' && text[strlen(text) - 1] == ']')) {
		int n = snprintf(buf, sizeof(buf), "%s:%u", text, ADMIN_PORT);

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

/* --http URL: the HTTP(S) server every message goes to. */
static int
http_target(const struct cli_cmd *self, const struct admin_args *a, struct hadmin_net *net)
{
	const char *why = "bad server";

	if (httpc_base_parse(a->http, ADMIN_HTTP_PORT, &net->http_base, &why) != IDR_OK) {
		return cli_usage_errorf(self, "--http: %s", why);
	}
	if (!net->http_base.tls && (a->cacert != NULL || a->insecure)) {
		return cli_usage_errorf(self, "--cacert and --insecure need an https:// server");
	}
	net->http = true;
	net->http_opts.cacert = a->cacert;
	net->http_opts.insecure = a->insecure;
	net->http_opts.timeout_ms = (unsigned)a->timeout_s * 1000u;
	return CLI_EXIT_OK;
}

static int
site_key(const struct cli_cmd *self, const struct admin_args *a, const struct hadmin_net *net,
         struct crypto_key **out)
{
	char err[HADMIN_ERR_MAX] = "";
	int rc;

	if (a->server_key != NULL) {
		rc = crypto_key_load(out, a->server_key);
		if (rc != IDR_OK) {
			cli_errorf(self->name, "%s: %s", a->server_key, idr_strerror(rc));
			return CLI_EXIT_FAIL;
		}
		return CLI_EXIT_OK;
	}
	if (net->http) {
		rc = hadmin_site_key_http(&net->http_base, &net->http_opts, out, err, sizeof(err));
	} else {
		rc = hadmin_site_key(&net->server, net->timeout_ms, out);
	}
	if (rc != IDR_OK) {
		cli_errorf(self->name, "the server's key (HS_SITE): %s",
		           rc == IDR_ENOENT ? "the site publishes none (server_key not set?)"
		           : err[0] != '\0' ? err
		                            : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
run_ops(const struct cli_cmd *self, const struct admin_args *a, struct hadmin *c,
        const struct hadmin_op *op)
{
	struct hadmin_result res;
	int rc;

	if (a->login) {
		struct hadmin_op login;

		memset(&login, 0, sizeof(login));
		login.opcode = HDL_OC_LOGIN_ID_SYSTEM;
		rc = hadmin_do(c, &login, &res, NULL, NULL);
		if (rc == IDR_OK && res.rc != HDL_RC_SUCCESS) {
			return report(self, a, &res);
		}
	} else {
		rc = IDR_OK;
	}
	if (rc == IDR_OK) {
		rc = hadmin_do(c, op, &res, print_handle, NULL);
	}
	if (rc != IDR_OK) {
		const char *why = hadmin_errmsg(c);

		cli_errorf(self->name, "%s: %s", a->op, why[0] != '\0' ? why : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return report(self, a, &res);
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	static struct valueset vs;
	struct admin_args a;
	struct hadmin_ident id;
	struct hadmin_net net;
	struct hadmin_op op;
	struct crypto_key *key = NULL, *site = NULL;
	struct hadmin *c = NULL;
	char prefix_handle[HDL_MAX_HANDLE_LEN + 8];
	uint8_t secret[HADMIN_MAX_SECRET + 1];
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&net, 0, sizeof(net));
	a.timeout_s = 10;
	rc = parse(self, argc, argv, &a);
	if (rc == -1) {
		return cli_help(self);
	}
	if (rc == CLI_EXIT_OK && a.http != NULL) {
		rc = http_target(self, &a, &net);
	} else if (rc == CLI_EXIT_OK) {
		rc = server_addr(self, a.server, &net.server);
	}
	if (rc == CLI_EXIT_OK && a.udp != NULL) {
		rc = server_addr(self, a.udp, &net.udp_server);
	}
	if (rc == CLI_EXIT_OK) {
		vs.n = 0;
		rc = op_build(self, &a, &vs, &op, prefix_handle, sizeof(prefix_handle));
	}
	if (rc == CLI_EXIT_OK) {
		rc = ident_load(self, &a, &id, &key, secret, sizeof(secret));
	}
	net.setup_proto = a.setup;
	net.session = !a.no_session;
	net.keep_alive = a.keep_alive;
	net.timeout_ms = (unsigned)a.timeout_s * 1000u;
	if (rc == CLI_EXIT_OK) {
		rc = site_key(self, &a, &net, &site);
	}
	if (rc == CLI_EXIT_OK) {
		id.site = site;
		if (hadmin_new(&c, &id) != IDR_OK || hadmin_connect(c, &net) != IDR_OK) {
			cli_errorf(self->name, "--id: not a usable identity");
			rc = CLI_EXIT_USAGE;
		}
	}
	if (rc == CLI_EXIT_OK) {
		rc = run_ops(self, &a, c, &op);
	}
	hadmin_free(c);
	crypto_key_free(key);
	crypto_key_free(site);
	memset(secret, 0, sizeof(secret));
	return rc;
}

const struct cli_cmd cmd_admin = {
        "admin",
        "change records on a Handle server (Handle admin protocol)",
        "usage: idr admin create ID VALUE... [--overwrite] [--mint]  OPTIONS\n"
        "       idr admin add ID VALUE... [--overwrite]               OPTIONS\n"
        "       idr admin modify ID VALUE...                          OPTIONS\n"
        "       idr admin remove ID INDEX...                          OPTIONS\n"
        "       idr admin delete ID                                   OPTIONS\n"
        "       idr admin list PREFIX                                 OPTIONS\n"
        "       idr admin login                                       OPTIONS\n"
        "OPTIONS: --id INDEX:HANDLE (--key FILE | --secret-file FILE)\n"
        "         [--server HOST[:PORT] | --http URL [--cacert FILE | --insecure]]\n"
        "\n"
        "Send one administration request to a Handle server (idrd or any Handle.Net server)\n"
        "as a stock Handle.Net client does: a Diffie-Hellman session is set up first (its\n"
        "answer must be signed with the key the server publishes in HS_SITE), the request\n"
        "carries an HS_MAC of the session, and the server's challenge is answered with the\n"
        "identity's key. list prints the handles under a prefix, one per line.\n"
        "\n"
        "A VALUE is INDEX:TYPE:DATA, e.g. 1:URL:https://example.com/p/1; an administrator is\n"
        "100:HS_ADMIN:300:0.NA/88.118.8 (all permissions for identity 300:0.NA/88.118.8).\n"
        "\n"
        "options:\n"
        "  --server HOST[:PORT]  the server (default 127.0.0.1:2641)\n"
        "  --id INDEX:HANDLE     the administrator identity, e.g. 300:0.NA/88.118.8\n"
        "  --key FILE            its private key (PEM: RSA, DSA or SM2), for an HS_PUBKEY\n"
        "  --secret-file FILE    its secret (first line of FILE), for an HS_SECKEY\n"
        "  --hashed              the node holds the secret hashed (idr keygen --type secret,\n"
        "                        idr prefix approve): answer with hex(SHA-1(secret)), as\n"
        "                        Handle.Net's hashed secret keys\n"
        "  --server-key FILE     the server's public key (PEM) instead of the one its\n"
        "                        HS_SITE names (fetched with GET_SITEINFO over TCP)\n"
        "  --udp HOST[:PORT]     where the server listens on UDP, if not at --server\n"
        "  --http URL            Handle-over-HTTP: POST every message (session setup,\n"
        "                        challenge answers, GET_SITEINFO) to http[s]://HOST[:PORT]\n"
        "                        as application/x-hdl-message, on one kept-alive\n"
        "                        connection (a bare HOST:PORT is http://; port 8000)\n"
        "  --cacert FILE         https: the CA (PEM) the server's certificate must chain to\n"
        "  --insecure            https: do not verify the server's certificate\n"
        "  --setup udp|tcp       how the session is set up (default: UDP, then TCP)\n"
        "  --no-session          no session: every request is challenged\n"
        "  --keep-alive          one TCP connection for every message (KC), not one each\n"
        "  --login               IDIS login (opcode 2001) on the connection first\n"
        "                        (needs --keep-alive, or --http)\n"
        "  --overwrite           create: replace an existing record; add: replace values\n"
        "  --mint                create: append a unique suffix to ID\n"
        "  --timeout S           bound on each exchange (default 10)\n"
        "\n"
        "exit status: 0 done; 1 refused or failed (the response code is printed); 3 not\n"
        "found; 64 usage.\n",
        run,
};
