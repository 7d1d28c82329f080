/* route.c - the HTTP route table and its matcher (route.h). */
#include "http/route.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "http/api.h"
#include "http/api_journal.h"
#include "http/api_nodes.h"
#include "http/api_prefix.h"
#include "http/api_reports.h"
#include "http/api_scan.h"
#include "http/api_write.h"
#include "http/epcis.h"
#include "http/idis.h"
#include "http/idis_tmpl.h"
#include "http/native.h"
#include "http/ops.h"
#include "http/pages.h"
#include "http/sessions.h"

#define CAPTURE "{handle}"

/* THE table. First match wins; see route.h for the pattern syntax. */
static const struct http_route routes[] = {
        {HTTP_M_POST, "/*", http_native, "native", HTTP_R_HDL},
        {HTTP_M_READ, "/", http_page_home, "proxy", 0},
        {HTTP_M_READ, "/healthz", http_ops_healthz, "ops", 0},
        {HTTP_M_READ, "/metrics", http_ops_metrics, "ops", 0},
        {HTTP_M_READ, "/favicon.ico", http_page_none, "proxy", 0},
        {HTTP_M_READ, "/robots.txt", http_page_none, "proxy", 0},
        {HTTP_M_READ, "/api/handles", http_api_list, "list", HTTP_R_API},
        {HTTP_M_READ, "/api/handles/", http_api_list, "list", HTTP_R_API},
        {HTTP_M_READ, "/api/handles/" CAPTURE, http_api_handle, "api", HTTP_R_API},
        {HTTP_M_PUT, "/api/handles/" CAPTURE, http_api_put, "write", HTTP_R_API},
        {HTTP_M_DELETE, "/api/handles/" CAPTURE, http_api_delete, "write", HTTP_R_API},
        {HTTP_M_POST, "/api/v1/prefixes/apply", http_prefix_apply, "prefix", HTTP_R_API},
        {HTTP_M_READ, "/api/v1/prefixes", http_prefix_list, "prefix", HTTP_R_API},
        {HTTP_M_READ, "/api/v1/nodes", http_api_nodes, "nodes", HTTP_R_API},
        {HTTP_M_POST, "/api/v1/nodes", http_api_nodes_add, "nodes", HTTP_R_API},
        {HTTP_M_POST, "/api/v1/nodes/" CAPTURE, http_api_nodes_item, "nodes", HTTP_R_API},
        {HTTP_M_POST, "/api/v1/reports", http_api_reports, "reports", HTTP_R_API},
        {HTTP_M_READ, "/api/v1/journal", http_api_journal, "journal", HTTP_R_API},
        {HTTP_M_READ, "/api/v1/journal/snapshot", http_api_journal_snapshot, "journal", HTTP_R_API},
        {HTTP_M_READ | HTTP_M_POST, "/api/v1/prefixes/" CAPTURE, http_prefix_item, "prefix",
         HTTP_R_API},
        {HTTP_M_READ | HTTP_M_POST, "/api/v1/scan", http_api_scan, "scan", HTTP_R_API},
        {HTTP_M_POST, "/api/sessions", http_sessions_new, "sessions", HTTP_R_API},
        {HTTP_M_POST, "/api/sessions/", http_sessions_new, "sessions", HTTP_R_API},
        {HTTP_M_READ | HTTP_M_PUT | HTTP_M_POST | HTTP_M_DELETE, "/api/sessions/this",
         http_sessions_this, "sessions", HTTP_R_API},
        {HTTP_M_POST, "/identity/token", http_idis_login, "idis_login", HTTP_R_IDIS},
        {HTTP_M_POST, "/identity/token/v1", http_idis_login_cipher, "idis_login", HTTP_R_IDIS},
        {HTTP_M_READ, "/identityv2/data/detail", http_idis_detail, "idis_read", HTTP_R_IDIS},
        {HTTP_M_POST, "/identityv2/data", http_idis_create, "idis_write", HTTP_R_IDIS},
        {HTTP_M_PUT, "/identityv2/data", http_idis_update, "idis_write", HTTP_R_IDIS},
        {HTTP_M_DELETE, "/identityv2/data", http_idis_delete, "idis_write", HTTP_R_IDIS},
        {HTTP_M_POST, "/identityv2/data/batchCreate", http_idis_batch_create, "idis_batch",
         HTTP_R_IDIS},
        {HTTP_M_PUT, "/identityv2/data/batchUpdate", http_idis_batch_update, "idis_batch",
         HTTP_R_IDIS},
        {HTTP_M_DELETE, "/identityv2/data/batchDelete", http_idis_batch_delete, "idis_batch",
         HTTP_R_IDIS},
        {HTTP_M_READ, "/snms/api/v5/template", http_idis_template_get, "idis_template",
         HTTP_R_IDIS},
        {HTTP_M_POST, "/snms/api/v5/template", http_idis_template_create, "idis_template",
         HTTP_R_IDIS},
        {HTTP_M_PUT, "/snms/api/v5/template", http_idis_template_update, "idis_template",
         HTTP_R_IDIS},
        {HTTP_M_DELETE, "/snms/api/v5/template", http_idis_template_delete, "idis_template",
         HTTP_R_IDIS},
        {HTTP_M_READ, "/snms/api/v5/template/list", http_idis_template_list, "idis_template",
         HTTP_R_IDIS},
        {HTTP_M_POST, "/snms/api/v5/template/publish", http_idis_template_publish, "idis_template",
         HTTP_R_IDIS},
        {HTTP_M_READ | HTTP_M_POST, "/api/v1/items/" CAPTURE, http_epcis_item, "epcis", HTTP_R_API},
        {HTTP_M_READ, "/api/v1/trace/" CAPTURE, http_epcis_trace, "epcis_trace", HTTP_R_API},
        {HTTP_M_POST, "/capture", http_epcis_capture, "epcis_capture", HTTP_R_API},
        {HTTP_M_READ, "/capture/" CAPTURE, http_epcis_capture_get, "epcis_capture", HTTP_R_API},
        {HTTP_M_READ | HTTP_M_POST, "/events", http_epcis_events, "epcis", HTTP_R_API},
        {HTTP_M_READ, "/events/" CAPTURE, http_epcis_events, "epcis", HTTP_R_API},
        {HTTP_M_READ, "/api", http_api_none, "api", HTTP_R_API},
        {HTTP_M_READ, "/api/*", http_api_none, "api", HTTP_R_API},
        {HTTP_M_READ, "/" CAPTURE, http_page_proxy, "proxy", 0},
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

enum shape { EXACT, PREFIX_CAPTURE, PREFIX_ANY };

/* The shape of each row's pattern, worked out once (the table is static). */
static struct {
	enum shape kind;
	size_t fixed; /* bytes matched literally */
} shapes[NROUTES];
static pthread_once_t shapes_once = PTHREAD_ONCE_INIT;

static void
shapes_init(void)
{
	for (size_t i = 0; i < NROUTES; i++) {
		const char *p = routes[i].pattern;
		size_t plen = strlen(p);

		shapes[i].kind = EXACT;
		shapes[i].fixed = plen;
		if (plen >= sizeof(CAPTURE) - 1 &&
		    strcmp(p + plen - (sizeof(CAPTURE) - 1), CAPTURE) == 0) {
			shapes[i].kind = PREFIX_CAPTURE;
			shapes[i].fixed = plen - (sizeof(CAPTURE) - 1);
		} else if (plen > 0 && p[plen - 1] == '*') {
			shapes[i].kind = PREFIX_ANY;
			shapes[i].fixed = plen - 1;
		}
	}
}

/* Does path match row i? A capture is stored in *cap. */
static bool
row_match(size_t i, struct slice path, struct slice *cap)
{
	size_t fixed = shapes[i].fixed;

	if (shapes[i].kind == EXACT) {
		return path.len == fixed && memcmp(path.p, routes[i].pattern, fixed) == 0;
	}
	if (path.len < fixed || memcmp(path.p, routes[i].pattern, fixed) != 0) {
		return false;
	}
	if (shapes[i].kind == PREFIX_CAPTURE) {
		if (path.len == fixed) {
			return false; /* a capture is never empty */
		}
		*cap = slice_make(path.p + fixed, path.len - fixed);
	}
	return true;
}

void
http_route_match(unsigned method, bool hdl, struct slice path, struct http_match *out)
{
	struct slice cap;

	pthread_once(&shapes_once, shapes_init);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < NROUTES; i++) {
		cap = slice_make(NULL, 0);
		if (((routes[i].flags & HTTP_R_HDL) != 0) != hdl || !row_match(i, path, &cap)) {
			continue;
		}
		if (out->allow == 0) {
			out->flags = routes[i].flags;
		}
		out->allow |= routes[i].methods;
		if ((routes[i].methods & method) != 0) {
			/* the row that answers; allow is only needed when none does */
			out->route = &routes[i];
			out->capture = cap;
			out->flags = routes[i].flags;
			return;
		}
	}
}

const char *const *
http_route_labels(size_t *n)
{
	static const char *labels[NROUTES];
	static size_t nlabels;

	/* the table is static: the list is the same on every call (filled on the first, at
	 * start-up, before any worker runs) */
	if (nlabels == 0) {
		for (size_t i = 0; i < NROUTES; i++) {
			size_t j = 0;

			while (j < nlabels && strcmp(labels[j], routes[i].label) != 0) {
				j++;
			}
			if (j == nlabels) {
				labels[nlabels++] = routes[i].label;
			}
		}
	}
	*n = nlabels;
	return labels;
}

const char *
http_allow_text(unsigned methods, char *buf, size_t cap)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{HTTP_M_GET, "GET"}, {HTTP_M_HEAD, "HEAD"},     {HTTP_M_POST, "POST"},
	             {HTTP_M_PUT, "PUT"}, {HTTP_M_DELETE, "DELETE"}, {HTTP_M_OPTIONS, "OPTIONS"}};
	size_t len = 0;

	methods |= HTTP_M_OPTIONS;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int n;

		if ((methods & names[i].bit) == 0) {
			continue;
		}
		n = snprintf(buf + len, cap - len, "%s%s", len > 0 ? ", " : "", names[i].name);
		if (n < 0 || (size_t)n >= cap - len) {
			buf[len] = '\0'; /* what fits, whole names only */
			break;
		}
		len += (size_t)n;
	}
	return buf;
}
