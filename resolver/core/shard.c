/* shard.c - a site of several servers sharding identifiers by the Handle hash (shard.h). */
#include "core/shard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hdl/hdl.h"

#define SHARD_ZNA     "0.NA"
#define SHARD_ZNA_LEN 4

int
shard_option_parse(const char *text, unsigned *out)
{
	static const char *const names[] = {"prefix", "suffix", "handle"};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = i; /* HDL_HASH_BY_PREFIX 0, _SUFFIX 1, _HANDLE 2 */
			return IDR_OK;
		}
	}
	return IDR_EINVAL;
}

const char *
shard_option_name(unsigned option)
{
	switch (option) {
	case HDL_HASH_BY_PREFIX:
		return "prefix";
	case HDL_HASH_BY_SUFFIX:
		return "suffix";
	case HDL_HASH_BY_HANDLE:
		return "handle";
	default:
		return "?";
	}
}

/* One `ADDR:PORT` of an entry (len bytes at p) into v[*n] (opt names the option). */
static int
add_addr(struct addr *v, uint32_t *n, const char *opt, const char *p, size_t len, char *whybuf,
         size_t whycap, const char **why)
{
	char text[ADDR_TEXT_MAX + 1];
	const char *aw = NULL;
	struct addr *a;

	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
		len--;
	}
	if (len == 0 || len >= sizeof(text)) {
		if (snprintf(whybuf, whycap, "%s: %s", opt,
		             len == 0 ? "empty server entry" : "entry too long") < 0) {
			whybuf[0] = '\0';
		}
		*why = whybuf;
		return IDR_ECONFIG;
	}
	if (*n >= SHARD_MAX_SERVERS) {
		if (snprintf(whybuf, whycap, "%s: more than 64 servers", opt) < 0) {
			whybuf[0] = '\0';
		}
		*why = whybuf;
		return IDR_ECONFIG;
	}
	memcpy(text, p, len);
	text[len] = '\0';
	a = &v[*n];
	if (addr_parse(text, a, &aw) != IDR_OK || addr_is_wildcard(a) || addr_port(a) == 0) {
		if (snprintf(whybuf, whycap,
		             "%s: %s: expected ADDR:PORT with the address "
		             "clients use and a port other than 0 (%s)",
		             opt, text, aw != NULL ? aw : "wildcard or port 0") < 0) {
			whybuf[0] = '\0';
		}
		*why = whybuf;
		return IDR_ECONFIG;
	}
	(*n)++;
	return IDR_OK;
}

/* Every entry of list into v / *n. */
static int
add_list(struct addr *v, uint32_t *n, const char *opt, const struct cfg_list *list, char *whybuf,
         size_t whycap, const char **why, unsigned *line)
{
	const char *p, *comma;

	for (size_t i = 0; i < list->n; i++) {
		*line = list->line[i];
		for (p = list->v[i];; p = comma + 1) {
			comma = strchr(p, ',');
			if (add_addr(v, n, opt, p, comma != NULL ? (size_t)(comma - p) : strlen(p),
			             whybuf, whycap, why) != IDR_OK) {
				return IDR_ECONFIG;
			}
			if (comma == NULL) {
				break;
			}
		}
	}
	*line = 0;
	return IDR_OK;
}

int
shard_init(struct shard *s, const struct cfg_list *servers, uint64_t index, const char *option,
           char *whybuf, size_t whycap, const char **why, unsigned *line)
{
	const char *dummy;
	unsigned dline;
	char dbuf[200];

	why = why != NULL ? why : &dummy;
	line = line != NULL ? line : &dline;
	if (whybuf == NULL || whycap == 0) {
		whybuf = dbuf;
		whycap = sizeof(dbuf);
	}
	*why = NULL;
	*line = 0;
	memset(s, 0, sizeof(*s));
	if (shard_option_parse(option != NULL ? option : "handle", &s->option) != IDR_OK) {
		*why = "site_hash_option: expected prefix, suffix or handle";
		return IDR_ECONFIG;
	}
	if (add_list(s->servers, &s->n, "site_servers", servers, whybuf, whycap, why, line) !=
	    IDR_OK) {
		return IDR_ECONFIG;
	}
	if (s->n == 0) {
		s->n = 1; /* a site of this server alone: the address comes from the listeners */
	}
	if (index >= s->n) {
		*why = servers->n == 0 ? "site_server_index: not 0 but site_servers is empty"
		                       : "site_server_index: past the end of site_servers (counted "
		                         "from 0)";
		return IDR_ECONFIG;
	}
	s->self = (uint32_t)index;
	return IDR_OK;
}

int
shard_http_init(struct shard *s, const struct cfg_list *http, char *whybuf, size_t whycap,
                const char **why, unsigned *line)
{
	const char *dummy;
	unsigned dline;
	char dbuf[200];

	why = why != NULL ? why : &dummy;
	line = line != NULL ? line : &dline;
	if (whybuf == NULL || whycap == 0) {
		whybuf = dbuf;
		whycap = sizeof(dbuf);
	}
	*why = NULL;
	*line = 0;
	s->nhttp = 0;
	if (add_list(s->http, &s->nhttp, "site_http_servers", http, whybuf, whycap, why, line) !=
	    IDR_OK) {
		return IDR_ECONFIG;
	}
	if (s->nhttp != 0 && s->nhttp != s->n) {
		*why = "site_http_servers: not one entry per server of site_servers";
		return IDR_ECONFIG;
	}
	return IDR_OK;
}

bool
shard_http_peer(const struct shard *s, const struct addr *a)
{
	for (uint32_t i = 0; a != NULL && i < s->nhttp; i++) {
		struct addr h = s->http[i];

		addr_set_port(&h, addr_port(a));
		if (addr_equal(&h, a)) {
			return true;
		}
	}
	return false;
}

int
shard_owner(struct slice handle, unsigned option, uint32_t n, uint32_t *out)
{
	const uint8_t *slash = handle.len > 0 ? memchr(handle.p, '/', handle.len) : NULL;
	int rc;

	if (n == 0 || option > HDL_HASH_BY_HANDLE) {
		return IDR_EINVAL;
	}
	if (slash == NULL || ((size_t)(slash - handle.p) == SHARD_ZNA_LEN &&
	                      strncasecmp((const char *)handle.p, SHARD_ZNA, SHARD_ZNA_LEN) == 0)) {
		*out = SHARD_EVERY;
		return IDR_OK;
	}
	rc = hdl_server_hash(handle, option, n);
	if (rc < 0) {
		return rc;
	}
	*out = (uint32_t)rc;
	return IDR_OK;
}

uint32_t
shard_pick(const struct shard *s, struct slice handle)
{
	uint32_t owner;

	if (s->n <= 1 || shard_owner(handle, s->option, s->n, &owner) != IDR_OK) {
		return SHARD_EVERY;
	}
	return owner;
}

bool
shard_mine(const struct shard *s, struct slice handle)
{
	uint32_t owner = shard_pick(s, handle);

	return owner == SHARD_EVERY || owner == s->self;
}
