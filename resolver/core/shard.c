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

/* One `ADDR:PORT` of an entry (len bytes at p) into s->servers[s->n]. */
static int
add_server(struct shard *s, const char *p, size_t len, char *whybuf, size_t whycap,
           const char **why)
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
		*why = len == 0 ? "site_servers: empty server entry"
		                : "site_servers: entry too long";
		return IDR_ECONFIG;
	}
	if (s->n >= SHARD_MAX_SERVERS) {
		*why = "site_servers: more than 64 servers";
		return IDR_ECONFIG;
	}
	memcpy(text, p, len);
	text[len] = '\0';
	a = &s->servers[s->n];
	if (addr_parse(text, a, &aw) != IDR_OK || addr_is_wildcard(a) || addr_port(a) == 0) {
		if (snprintf(whybuf, whycap,
		             "site_servers: %s: expected ADDR:PORT with the address "
		             "clients use and a port other than 0 (%s)",
		             text, aw != NULL ? aw : "wildcard or port 0") < 0) {
			whybuf[0] = '\0';
		}
		*why = whybuf;
		return IDR_ECONFIG;
	}
	s->n++;
	return IDR_OK;
}

int
shard_init(struct shard *s, const struct cfg_list *servers, uint64_t index, const char *option,
           char *whybuf, size_t whycap, const char **why, unsigned *line)
{
	const char *dummy, *p, *comma;
	unsigned dline;

	why = why != NULL ? why : &dummy;
	line = line != NULL ? line : &dline;
	*why = NULL;
	*line = 0;
	memset(s, 0, sizeof(*s));
	if (shard_option_parse(option != NULL ? option : "handle", &s->option) != IDR_OK) {
		*why = "site_hash_option: expected prefix, suffix or handle";
		return IDR_ECONFIG;
	}
	for (size_t i = 0; i < servers->n; i++) {
		*line = servers->line[i];
		for (p = servers->v[i];; p = comma + 1) {
			comma = strchr(p, ',');
			if (add_server(s, p, comma != NULL ? (size_t)(comma - p) : strlen(p),
			               whybuf, whycap, why) != IDR_OK) {
				return IDR_ECONFIG;
			}
			if (comma == NULL) {
				break;
			}
		}
	}
	*line = 0;
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
