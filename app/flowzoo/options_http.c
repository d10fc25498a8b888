/*
 * The HTTP server's options: rows of the option table kept beside it (the
 * command line, the config file and --help find them through
 * fz_opts__find), and their checks. The values are checked here, before
 * EAL starts, so that a mistake exits with status 2 naming the option.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fz_http.h"
#include "options_priv.h"

#define O(f) offsetof(struct fz_opts, f)

static int check_addr(const char *v, const char *where, char *err, size_t errlen)
{
	struct fz_http_addr a;
	char msg[256];

	if (fz_http_addr_parse(v, &a, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

static int check_acl(const char *v, const char *where, char *err, size_t errlen)
{
	struct fz_http_acl acl;
	char msg[256];

	memset(&acl, 0, sizeof(acl));
	if (fz_http_acl_parse(&acl, v, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

static const struct choice dashboard_choices[] = {{"on", 0}, {"off", 1}, {NULL, 0}};

const struct opt_def fz_opts__http_defs[] = {
    {.name = "http",
     .type = T_STR,
     .off = O(http),
     .arg = "[ADDR:]PORT",
     .check = check_addr,
     .help = "serve /metrics, /health and /api on a thread of its own (ADDR default "
             "127.0.0.1; [::1]:PORT for IPv6; PORT 0 = any free port, logged)"},
    {.name = "http-acl",
     .type = T_STRLIST,
     .off = O(http_acl),
     .count_off = O(n_http_acl),
     .arg = "PREFIX[,PREFIX...]",
     .check = check_acl,
     .help = "accept HTTP connections only from these source prefixes (repeatable; default: "
             "every source the address can be reached from)"},
    {.name = "http-auth",
     .type = T_STR,
     .off = O(http_auth),
     .arg = "FILE",
     .help = "require HTTP basic auth: FILE holds USER:PASSWORD lines (keep it mode 0600)"},
    {.name = "http-dashboard",
     .type = T_CHOICE,
     .off = O(http_dashboard_off),
     .arg = "on|off",
     .choices = dashboard_choices,
     .help = "serve the dashboard page at / and its /api endpoints (default on; "
             "docs/dashboard.md)"},
    {.name = "http-stream-clients",
     .type = T_U64,
     .off = O(http_stream_clients),
     .arg = "N",
     .min = 1,
     .max = 200,
     .help = "clients of the dashboard's event stream /api/events at once (default 32; more "
             "are refused with 503 and counted)"},
    {.name = "http-tls-cert",
     .type = T_STR,
     .off = O(http_tls_cert),
     .arg = "FILE",
     .help = "serve HTTPS with this PEM certificate (with --http-tls-key)"},
    {.name = "http-tls-key",
     .type = T_STR,
     .off = O(http_tls_key),
     .arg = "FILE",
     .help = "the PEM private key of --http-tls-cert"},
};

const size_t fz_opts__n_http_defs = sizeof(fz_opts__http_defs) / sizeof(fz_opts__http_defs[0]);

/* A file the server reads at start: it must be a readable regular file. */
static int check_file(const char *opt, const char *path, char *err, size_t errlen)
{
	struct stat st;
	FILE *f;

	if (path == NULL)
		return 0;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--%s %s: %s", opt, path, strerror(EISDIR));
		return -1;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "--%s %s: %s", opt, path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

int fz_opts__check_http(const struct fz_opts *o, char *err, size_t errlen)
{
	struct fz_http_users users;
	const char *alone = o->n_http_acl            ? "http-acl"
	                    : o->http_dashboard_off  ? "http-dashboard"
	                    : o->http_auth           ? "http-auth"
	                    : o->http_stream_clients ? "http-stream-clients"
	                    : o->http_tls_cert       ? "http-tls-cert"
	                    : o->http_tls_key        ? "http-tls-key"
	                                             : NULL;
	char msg[512];

	if (o->http == NULL) {
		if (alone)
			snprintf(err, errlen,
			         "--%s: there is no HTTP server to apply it to (give "
			         "--http [ADDR:]PORT)",
			         alone);
		return alone ? -1 : 0;
	}
	if ((o->http_tls_cert == NULL) != (o->http_tls_key == NULL)) {
		snprintf(err, errlen, "--%s: HTTPS needs both --http-tls-cert and --http-tls-key",
		         o->http_tls_cert ? "http-tls-cert" : "http-tls-key");
		return -1;
	}
	if (check_file("http-tls-cert", o->http_tls_cert, err, errlen) ||
	    check_file("http-tls-key", o->http_tls_key, err, errlen) ||
	    check_file("http-auth", o->http_auth, err, errlen))
		return -1;
	if (o->http_auth && fz_http_users_load(&users, o->http_auth, msg, sizeof(msg))) {
		snprintf(err, errlen, "--http-auth %s", msg);
		return -1;
	}
	return 0;
}
