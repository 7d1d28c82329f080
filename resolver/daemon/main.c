/*
 * main.c - idrd, the resolver daemon: options, configuration, run, tear down.
 *
 * idrd always runs in the foreground (systemd, containers and tests supervise it; there is no
 * daemonising fork): -f is accepted for compatibility and changes nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "core/conf.h"
#include "daemon/srv.h"

#define IDRD_VERSION "0.1.0"

/* exit codes: 0 done, 1 failed (configuration, start-up), 64 bad command line (EX_USAGE, as
 * idr's CLI_EXIT_USAGE; the daemon cannot include the tool's cli.h) */
#define IDRD_EXIT_FAIL  1
#define IDRD_EXIT_USAGE 64

enum { OPT_PORT_FILE = 256, OPT_SAMPLE };

struct opts {
	const char *conf;
	const char *port_file;
	bool check;
	bool debug;
	bool sample;
};

static void
usage(FILE *f)
{
	fputs("usage: idrd -c FILE [--port-file FILE] [-f] [-d]   run the resolver daemon\n"
	      "       idrd -n -c FILE                             check a configuration file\n"
	      "       idrd --sample-config                        print the sample configuration\n"
	      "       idrd -h | -V\n"
	      "  -c, --config FILE     configuration file (`key value` lines; see "
	      "--sample-config)\n"
	      "      --port-file FILE  after binding, write one line per listener\n"
	      "                        (`udp 127.0.0.1:2641`); for listening on port 0\n"
	      "  -f, --foreground      run in the foreground (always the case; for compatibility)\n"
	      "  -d, --debug           log everything, including every request, to stderr\n"
	      "  -n, --check           parse the configuration as the daemon does, print\n"
	      "                        `configuration OK` or each error as file:line: message\n"
	      "  -h, --help            this text\n"
	      "  -V, --version         print the version\n"
	      "Signals: SIGHUP reopens log_file and reloads the configuration, SIGTERM/SIGINT\n"
	      "stop the daemon. Exit status: 0 done, 1 failed, 64 bad command line.\n",
	      f);
}

/* @return -1 to go on, else an exit code. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"port-file", required_argument, NULL, OPT_PORT_FILE},
	        {"foreground", no_argument, NULL, 'f'},
	        {"debug", no_argument, NULL, 'd'},
	        {"check", no_argument, NULL, 'n'},
	        {"sample-config", no_argument, NULL, OPT_SAMPLE},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:fdnhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case OPT_PORT_FILE:
			o->port_file = optarg;
			break;
		case 'f':
			break;
		case 'd':
			o->debug = true;
			break;
		case 'n':
			o->check = true;
			break;
		case OPT_SAMPLE:
			o->sample = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("idrd " IDRD_VERSION);
			return 0;
		default:
			usage(stderr);
			return IDRD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "idrd: unexpected argument '%s'\n", argv[optind]);
		return IDRD_EXIT_USAGE;
	}
	if (!o->sample && o->conf == NULL) {
		fputs("idrd: missing -c FILE (see idrd -h; idrd --sample-config prints a "
		      "configuration)\n",
		      stderr);
		return IDRD_EXIT_USAGE;
	}
	return -1;
}

static void
print_err(void *arg, const char *file, unsigned line, const char *msg)
{
	(void)arg;
	if (line > 0) {
		fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	} else {
		fprintf(stderr, "%s: %s\n", file, msg);
	}
}

static int
start_logging(const struct conf *c, bool debug)
{
	enum log_dest dest = LOG_DEST_STDERR;
	int level = log_level_parse(c->log_level);
	int rc;

	if (debug) {
		return log_open("idrd", LOG_DEST_STDERR, NULL, LOG_DEBUG);
	}
	if (strcmp(c->log_target, "syslog") == 0) {
		dest = LOG_DEST_SYSLOG;
	} else if (strcmp(c->log_target, "file") == 0) {
		dest = LOG_DEST_FILE;
	}
	rc = log_open("idrd", dest, c->log_file, level >= 0 ? level : LOG_INFO);
	if (rc != IDR_OK) {
		fprintf(stderr, "idrd: log file %s: %s\n", c->log_file, idr_strerror(rc));
	}
	return rc;
}

static int
run(const struct opts *o)
{
	struct srv_opts so = {o->conf, o->port_file, o->debug};
	struct conf c;
	struct srv *s = NULL;
	int rc;

	if (srv_conf_load(&c, o->conf, print_err, NULL) != IDR_OK) {
		return IDRD_EXIT_FAIL;
	}
	if (start_logging(&c, o->debug) != IDR_OK) {
		conf_free(&c);
		return IDRD_EXIT_FAIL;
	}
	rc = srv_new(&s, &c, &so);
	if (rc == IDR_OK) {
		rc = srv_run(s);
	}
	srv_free(s);
	log_close();
	return rc == IDR_OK ? 0 : IDRD_EXIT_FAIL;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct conf c;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse_args(argc, argv, &o);
	if (rc >= 0) {
		return rc;
	}
	if (o.sample) {
		return conf_write_sample(stdout) == IDR_OK && fflush(stdout) == 0 ? 0
		                                                                  : IDRD_EXIT_FAIL;
	}
	if (o.check) {
		/* exactly what the daemon loads at start-up, every problem reported once */
		if (srv_conf_load(&c, o.conf, print_err, NULL) != IDR_OK) {
			return IDRD_EXIT_FAIL;
		}
		conf_free(&c);
		puts("configuration OK");
		return 0;
	}
	return run(&o);
}
