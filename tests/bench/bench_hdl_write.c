/*
 * bench_hdl_write.c - Handle CREATE_HANDLE throughput with our admin client (client/hadmin.h):
 * C client threads, each with its own session (DH setup, then one challenge) on one kept-alive
 * TCP connection, creating COUNT/C records STEM<thread>-<n> with one URL value each, every
 * request HS_MAC-signed. Prints the items created per second (after the sessions are up) as
 * one line: `creates N clients C seconds S items_per_s R failed F [server_cpu_s T
 * cpu_us_per_item U]` (the server's CPU time from /proc/PID/stat over the timed part).
 *
 * usage: bench_hdl_write TCP-ADDR UDP-ADDR ID KEYFILE STEM CLIENTS COUNT [SERVER-PID]
 *        (ID as INDEX:HANDLE; records STEM<thread>-<n>, e.g. STEM 88.118.8/C)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/crypto.h"
#include "client/hadmin.h"

#define CLIENTS_MAX 256

struct worker {
	pthread_t t;
	int no;
	unsigned long count, done, failed;
	struct hadmin *c;
	pthread_barrier_t *ready;
};

static struct hadmin_ident ident;
static struct hadmin_net net;
static const char *prefix;

/* utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat), or -1. */
static double
cpu_of(const char *pid)
{
	char path[64], buf[2048], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (f == NULL) {
		return -1;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) {
		return -1;
	}
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
create(struct worker *w, unsigned long n)
{
	char h[256];
	struct value v;
	struct hadmin_op op;
	struct hadmin_result res;

	snprintf(h, sizeof(h), "%s%d-%lu", prefix, w->no, n);
	memset(&v, 0, sizeof(v));
	v.index = 1;
	v.ttl = 86400;
	v.perms = VALUE_PERM_DEFAULT;
	v.type = SLICE_LIT("URL");
	v.data = SLICE_LIT("https://example.com/bench");
	memset(&op, 0, sizeof(op));
	op.opcode = HDL_OC_CREATE_HANDLE;
	op.handle = slice_cstr(h);
	op.values = &v;
	op.nvalues = 1;
	if (hadmin_do(w->c, &op, &res, NULL, NULL) != IDR_OK || res.rc != HDL_RC_SUCCESS) {
		return -1;
	}
	return 0;
}

static void *
run(void *arg)
{
	struct worker *w = arg;

	/* the first create sets up the session and answers its challenge (not timed) */
	if (create(w, 0) != 0) {
		w->failed++;
	}
	pthread_barrier_wait(w->ready);
	for (unsigned long i = 1; i <= w->count; i++) {
		if (create(w, i) != 0) {
			w->failed++;
		} else {
			w->done++;
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static struct worker ws[CLIENTS_MAX];
	struct crypto_key *key = NULL, *site = NULL;
	pthread_barrier_t ready;
	const char *colon;
	unsigned long clients, count, done = 0, failed = 0;
	double t0, t1;

	double c0 = -1, c1 = -1;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: bench_hdl_write TCP UDP ID KEY STEM CLIENTS COUNT [PID]\n");
		return 64;
	}
	clients = strtoul(argv[6], NULL, 10);
	count = strtoul(argv[7], NULL, 10);
	colon = strchr(argv[3], ':');
	if (clients == 0 || clients > CLIENTS_MAX || count == 0 || colon == NULL ||
	    addr_parse(argv[1], &net.server, NULL) != IDR_OK ||
	    addr_parse(argv[2], &net.udp_server, NULL) != IDR_OK ||
	    crypto_key_load(&key, argv[4]) != IDR_OK) {
		fprintf(stderr, "bench_hdl_write: bad arguments\n");
		return 64;
	}
	net.setup_proto = HDLC_PROTO_UDP;
	net.session = true;
	net.keep_alive = true;
	net.timeout_ms = 30000;
	prefix = argv[5];
	if (hadmin_site_key(&net.server, 5000, &site) != IDR_OK) {
		fprintf(stderr, "bench_hdl_write: no server key in HS_SITE\n");
		return 1;
	}
	ident.handle = slice_cstr(colon + 1);
	ident.index = (uint32_t)strtoul(argv[3], NULL, 10);
	ident.key = key;
	ident.site = site;
	pthread_barrier_init(&ready, NULL, (unsigned)clients + 1);
	for (unsigned long i = 0; i < clients; i++) {
		ws[i].no = (int)i;
		ws[i].count = count / clients;
		ws[i].ready = &ready;
		if (hadmin_new(&ws[i].c, &ident) != IDR_OK ||
		    hadmin_connect(ws[i].c, &net) != IDR_OK ||
		    pthread_create(&ws[i].t, NULL, run, &ws[i]) != 0) {
			return 1;
		}
	}
	pthread_barrier_wait(&ready);
	t0 = now();
	if (argc == 9) {
		c0 = cpu_of(argv[8]);
	}
	for (unsigned long i = 0; i < clients; i++) {
		pthread_join(ws[i].t, NULL);
		done += ws[i].done;
		failed += ws[i].failed;
		hadmin_free(ws[i].c);
	}
	t1 = now();
	if (argc == 9) {
		c1 = cpu_of(argv[8]);
	}
	printf("creates %lu clients %lu seconds %.3f items_per_s %.0f failed %lu", done, clients,
	       t1 - t0, (double)done / (t1 - t0), failed);
	if (c0 >= 0 && c1 >= 0 && done > 0) {
		printf(" server_cpu_s %.2f cpu_us_per_item %.1f", c1 - c0,
		       (c1 - c0) * 1e6 / (double)done);
	}
	printf("\n");
	pthread_barrier_destroy(&ready);
	crypto_key_free(key);
	crypto_key_free(site);
	return failed == 0 ? 0 : 1;
}
