/*
 * zooctl: find flowzoo appliances on the LAN and steer them (see
 * docs/zooctl.md). Wiring only: the protocol lives in lib/ctl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fz_ctl_client.h"
#include "fz_ctl_codec.h"
#include "usage.h"

#define MAX_TARGETS 256
#define MAX_PORTS   64

struct target {
	struct sockaddr_in addr;
	char name[64];
	json_t *identity; /* what it answered to discovery */
};

struct cli {
	const char *key_file;
	const char *out;
	double timeout, loss;
	int json;
	uint16_t ports[MAX_PORTS];
	unsigned n_ports;
	struct sockaddr_in bcast[MAX_TARGETS];
	unsigned n_bcast;
	struct target targets[MAX_TARGETS];
	unsigned n_targets;
	const char *target_args[MAX_TARGETS];
	unsigned n_target_args;
};

static int parse_ports(struct cli *c, const char *s)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0;

	c->n_ports = 0;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long lo = strtol(tok, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (*end || lo < 1 || hi > 65535 || hi < lo ||
		    c->n_ports + (hi - lo) >= MAX_PORTS) {
			rc = -1;
			break;
		}
		for (long p = lo; p <= hi; p++)
			c->ports[c->n_ports++] = (uint16_t)p;
	}
	free(copy);
	return rc == 0 && c->n_ports ? 0 : -1;
}

/* host as an IPv4 address: 0, or getaddrinfo's error code (for gai_strerror). */
static int resolve(const char *host, struct in_addr *out)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
	int rc;

	if (inet_pton(AF_INET, host, out) == 1)
		return 0;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0)
		return rc;
	*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static void set_name(struct target *t)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &t->addr.sin_addr, ip, sizeof(ip));
	snprintf(t->name, sizeof(t->name), "%s:%u", ip, ntohs(t->addr.sin_port));
}

/* One --target: 0, or -1 with a message in err. */
static int parse_target(struct cli *c, const char *arg, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(arg, ':');
	struct target *t = &c->targets[c->n_targets];
	long port = c->ports[0];
	int rc;

	if (c->n_targets == MAX_TARGETS) {
		snprintf(err, errlen, "at most %d targets", MAX_TARGETS);
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - arg) : (int)strlen(arg), arg);
	if (colon) {
		char *end;

		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535 || host[0] == '\0') {
			snprintf(err, errlen, "expected HOST[:PORT] (PORT from 1 to 65535)");
			return -1;
		}
	}
	memset(t, 0, sizeof(*t));
	t->addr.sin_family = AF_INET;
	t->addr.sin_port = htons((uint16_t)port);
	rc = resolve(host, &t->addr.sin_addr);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	set_name(t);
	c->n_targets++;
	return 0;
}

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_object(v)) { /* a breakdown (drops by reason): its total */
		const char *k;
		json_t *x;
		double sum = 0;

		json_object_foreach(v, k, x) sum += json_number_value(x);
		return sum;
	}
	return json_number_value(v);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* ---- discovery ---- */

static void on_found(void *arg, const struct sockaddr_in *from, json_t *identity)
{
	struct cli *c = arg;
	struct target *t;

	if (c->n_targets == MAX_TARGETS)
		return;
	t = &c->targets[c->n_targets++];
	memset(t, 0, sizeof(*t));
	t->addr = *from;
	t->identity = json_incref(identity);
	set_name(t);
}

/* Address order, so that output does not depend on who answered first. */
static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	uint32_t xa = ntohl(x->addr.sin_addr.s_addr), ya = ntohl(y->addr.sin_addr.s_addr);
	uint16_t xp = ntohs(x->addr.sin_port), yp = ntohs(y->addr.sin_port);

	if (xa != ya)
		return xa < ya ? -1 : 1;
	return xp < yp ? -1 : xp > yp;
}

/* Add every appliance that answers to c->targets; list gets one entry each. */
static int discover(struct cli *c, struct fz_ctl_client *cl, json_t *list)
{
	struct sockaddr_in to[MAX_TARGETS * 4];
	unsigned n = 0, first = c->n_targets;
	int rc;

	for (unsigned b = 0; b < c->n_bcast; b++)
		for (unsigned p = 0; p < c->n_ports && n < sizeof(to) / sizeof(to[0]); p++) {
			to[n] = c->bcast[b];
			to[n++].sin_port = htons(c->ports[p]);
		}
	rc = fz_ctl_client_discover(cl, to, n, c->timeout, on_found, c);
	qsort(c->targets + first, c->n_targets - first, sizeof(c->targets[0]), cmp_target);
	for (unsigned i = first; i < c->n_targets; i++)
		json_array_append_new(
		    list,
		    json_pack("{s:s, s:b, s:O}", "address", c->targets[i].name, "ok", 1, "result",
		              c->targets[i].identity ? c->targets[i].identity : json_null()));
	return rc;
}

/* ---- output ---- */

static void print_table(const char *cmd, json_t *list)
{
	size_t i;
	json_t *e;

	if (!strcmp(cmd, "discover") || !strcmp(cmd, "identify"))
		printf("%-22s %-20s %-20s %-8s %10s\n", "ADDRESS", "COLLECTOR", "HOST", "VERSION",
		       "UPTIME_S");
	else if (!strcmp(cmd, "logs"))
		printf("%-22s %10s %8s %-30s %s\n", "ADDRESS", "BYTES", "SECONDS", "FILE",
		       "SHA256");
	else
		printf("%-22s %-10s %14s %16s %10s %10s\n", "ADDRESS", "STATE", "PACKETS", "BYTES",
		       "FLOWS", "DROPS");
	json_array_foreach(list, i, e)
	{
		json_t *r = json_object_get(e, "result");
		const char *addr = str(e, "address");

		if (json_is_false(json_object_get(e, "ok"))) {
			printf("%-22s ERROR: %s\n", addr, str(e, "error"));
		} else if (!strcmp(cmd, "discover") || !strcmp(cmd, "identify")) {
			printf("%-22s %-20s %-20s %-8s %10.0f\n", addr, str(r, "collector"),
			       str(r, "host"), str(r, "version"), num(r, "uptime_s"));
		} else if (!strcmp(cmd, "logs")) {
			printf("%-22s %10.0f %8.3f %-30s %s\n", addr, num(r, "bytes"),
			       num(r, "seconds"), str(r, "file"), str(r, "sha256"));
		} else {
			printf("%-22s %-10s %14.0f %16.0f %10.0f %10.0f\n", addr, str(r, "state"),
			       num(r, "packets"), num(r, "bytes"), num(r, "flows"),
			       num(r, "drops"));
		}
	}
}

/* ---- commands ---- */

/* The entry of a target that did not answer, with the likely causes. */
static json_t *no_answer(const struct cli *c, const struct target *t)
{
	char msg[512];

	snprintf(msg, sizeof(msg),
	         "no answer from %s within %g s (is the appliance running, and is the key the "
	         "same as its --ctl-key?)",
	         t->name, c->timeout);
	return json_pack("{s:s, s:b, s:s}", "address", t->name, "ok", 0, "error", msg);
}

static json_t *run_logs(struct cli *c, struct fz_ctl_client *cl, const struct target *t, int many)
{
	struct fz_ctl_xfer_stats st;
	char path[4096], err[256], *p;
	int rc;

	if (many) {
		snprintf(path, sizeof(path), "%s.%s", c->out, t->name);
		p = strrchr(path, ':');
		if (p)
			*p = '_';
	} else {
		snprintf(path, sizeof(path), "%s", c->out);
	}
	rc = fz_ctl_client_fetch_log(cl, &t->addr, path, c->timeout, &st, err, sizeof(err));
	if (rc == -ETIMEDOUT && st.chunks == 0)
		return no_answer(c, t); /* not even the reply that announces the log came */
	if (rc < 0)
		return json_pack("{s:s, s:b, s:s}", "address", t->name, "ok", 0, "error", err);
	return json_pack("{s:s, s:b, s:{s:s, s:I, s:i, s:f, s:s, s:I, s:I, s:I}}", "address",
	                 t->name, "ok", 1, "result", "file", path, "bytes", (json_int_t)st.bytes,
	                 "chunks", (int)st.chunks, "seconds", st.seconds, "sha256", st.sha256,
	                 "data_received", (json_int_t)st.data_received, "duplicates",
	                 (json_int_t)st.duplicates, "acks_sent", (json_int_t)st.acks_sent);
}

static json_t *run_cmd(struct cli *c, struct fz_ctl_client *cl, const struct target *t,
                       const char *cmd)
{
	json_t *reply, *e;
	int rc = fz_ctl_client_request(cl, &t->addr, cmd, c->timeout, &reply);

	if (rc == -ETIMEDOUT)
		return no_answer(c, t);
	if (rc < 0)
		return json_pack("{s:s, s:b, s:s}", "address", t->name, "ok", 0, "error",
		                 strerror(-rc));
	e = json_pack("{s:s, s:O}", "address", t->name, "ok", json_object_get(reply, "ok"));
	if (json_is_true(json_object_get(reply, "ok"))) {
		json_t *r = json_object_get(reply, "result");

		json_object_set(e, "result", r);
		/* The two fields scripts look at first, also at the top of each entry. */
		if (json_object_get(r, "state"))
			json_object_set(e, "state", json_object_get(r, "state"));
		if (json_object_get(r, "packets"))
			json_object_set(e, "packets", json_object_get(r, "packets"));
	} else {
		json_object_set(e, "error", json_object_get(reply, "error"));
	}
	json_decref(reply);
	return e;
}

static int keygen(const char *out)
{
	uint8_t key[32];
	char hex[65];
	FILE *f;
	int fd;

	if (!out) {
		fprintf(stderr, "zooctl: keygen needs -o FILE\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f || fprintf(f, "%s\n", hex) < 0 || fclose(f) != 0) {
		fprintf(stderr, "zooctl: %s: %s\n", out, strerror(errno));
		return 1;
	}
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	return 0;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	static struct option longopts[32];
	int opt;
	char *end;

	zooctl_longopts(longopts, 32);
	/* Options may come before or after the command (GNU getopt permutes). */
	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			c->key_file = optarg;
			break;
		case 't':
			if (c->n_target_args == MAX_TARGETS)
				goto bad;
			c->target_args[c->n_target_args++] = optarg;
			break;
		case 'b':
			if (c->n_bcast == MAX_TARGETS ||
			    resolve(optarg, &c->bcast[c->n_bcast].sin_addr) < 0) {
				fprintf(stderr, "zooctl: --broadcast %s: not an address\n", optarg);
				return -1;
			}
			c->bcast[c->n_bcast++].sin_family = AF_INET;
			break;
		case 'p':
			if (parse_ports(c, optarg) < 0) {
				fprintf(stderr,
				        "zooctl: --port %s: expected PORT, P1,P2 or P1-P2\n",
				        optarg);
				return -1;
			}
			break;
		case 'T':
			c->timeout = strtod(optarg, &end);
			if (*end || !(c->timeout > 0)) {
				fprintf(stderr, "zooctl: --timeout %s: expected seconds > 0\n",
				        optarg);
				return -1;
			}
			break;
		case 'l':
			c->loss = strtod(optarg, &end);
			if (*end || c->loss < 0 || c->loss >= 1) {
				fprintf(stderr, "zooctl: --loss %s: expected 0 <= P < 1\n", optarg);
				return -1;
			}
			break;
		case 'j':
			c->json = 1;
			break;
		case 'o':
			c->out = optarg;
			break;
		case 'h':
			zooctl_usage(stdout);
			exit(0);
		case ZOOCTL_OPT_HELP_MAN:
			zooctl_man(stdout);
			exit(0);
		case ZOOCTL_OPT_HELP_MARKDOWN:
			zooctl_markdown(stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	for (unsigned i = 0; i < c->n_target_args; i++) {
		char err[512];

		if (parse_target(c, c->target_args[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "zooctl: --target %s: %s\n", c->target_args[i], err);
			return -1;
		}
	}
	if (c->n_bcast == 0) {
		c->bcast[0].sin_family = AF_INET;
		c->bcast[0].sin_addr.s_addr = htonl(INADDR_BROADCAST);
		c->n_bcast = 1;
	}
	return 0;
bad:
	zooctl_usage(stderr);
	return -1;
}

int main(int argc, char **argv)
{
	static struct cli c;
	struct fz_ctl_client *cl;
	const char *cmd;
	char err[512];
	json_t *list, *doc;
	int failed = 0, rc;

	c.timeout = 2;
	c.ports[0] = FZ_CTL_DEFAULT_PORT;
	c.n_ports = 1;
	c.key_file = getenv("FZ_CTL_KEY") ? getenv("FZ_CTL_KEY") : ZOOCTL_DEFAULT_KEY;
	if (parse_args(&c, argc, argv) < 0)
		return 2;
	if (optind != argc - 1) {
		fprintf(stderr,
		        "zooctl: expected one command (discover, identify, status, suspend, "
		        "resume, logs, keygen)\n");
		return 2;
	}
	cmd = argv[optind];
	if (!strcmp(cmd, "keygen"))
		return keygen(c.out);
	if (strcmp(cmd, "discover") && strcmp(cmd, "identify") && strcmp(cmd, "status") &&
	    strcmp(cmd, "suspend") && strcmp(cmd, "resume") && strcmp(cmd, "logs")) {
		fprintf(stderr, "zooctl: unknown command %s\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "logs") && !c.out) {
		fprintf(stderr, "zooctl: logs needs -o FILE\n");
		return 2;
	}
	/* A key file that cannot be read is a setup error, like a usage error. */
	cl = fz_ctl_client_create(c.key_file, c.loss, err, sizeof(err));
	if (!cl) {
		fprintf(stderr, "zooctl: %s\n", err);
		return 2;
	}
	list = json_array();
	if (!strcmp(cmd, "discover") || c.n_targets == 0) {
		json_t *found = json_array();

		rc = discover(&c, cl, found);
		if (rc < 0) {
			fprintf(stderr, "zooctl: discovery: %s\n", strerror(-rc));
			failed = 1;
		} else if (rc == 0) {
			fprintf(stderr,
			        "zooctl: no appliance answered discovery within %g s (are the "
			        "broadcast address and port right, and is the key the same as the "
			        "appliances' --ctl-key?)\n",
			        c.timeout);
			failed = 1;
		}
		if (!strcmp(cmd, "discover"))
			json_array_extend(list, found);
		json_decref(found);
	}
	if (strcmp(cmd, "discover")) {
		for (unsigned i = 0; i < c.n_targets; i++) {
			json_t *e = !strcmp(cmd, "logs")
			                ? run_logs(&c, cl, &c.targets[i], c.n_targets > 1)
			                : run_cmd(&c, cl, &c.targets[i], cmd);

			if (!json_is_true(json_object_get(e, "ok")))
				failed = 1;
			json_array_append_new(list, e);
		}
	}
	if (c.json) {
		doc = json_pack("{s:s, s:o, s:o}", "command", cmd, "appliances", list, "client",
		                fz_ctl_client_counters(cl));
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(doc);
	} else {
		print_table(cmd, list);
		json_decref(list);
	}
	for (unsigned i = 0; i < c.n_targets; i++)
		json_decref(c.targets[i].identity);
	fz_ctl_client_free(cl);
	return failed ? 1 : 0;
}
