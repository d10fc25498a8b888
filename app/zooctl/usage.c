/*
 * zooctl's commands and options, each once: getopt_long, --help, the man
 * page zooctl(8) and docs/zooctl-options.md are made from these tables
 * (tests/integration/test_manual.py compares the checked-in copies).
 */
#include <stdlib.h>
#include <string.h>

#include "fz_ctl_codec.h"
#include "fz_doc.h"
#include "usage.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

static const struct fz_doc_opt commands[] = {
    {"discover", NULL, "list the appliances that answer a broadcast identify"},
    {"identify", NULL, "collector id, host, version, ports, uptime"},
    {"status", NULL, "state, packets, bytes, flows, drops, backlog, zoo means"},
    {"suspend", NULL, "stop accounting (packets are dropped and counted)"},
    {"resume", NULL, "start accounting again"},
    {"logs", "-o FILE", "download the appliance's log (FILE.HOST_PORT for several)"},
    {"keygen", "-o FILE", "write a new random key file (hex, mode 0600)"},
};

/* One row per option: getopt's fields, then the manual's. */
static const struct zooctl_opt {
	const char *name;
	int has_arg;
	int val;
	const char *arg;
	const char *help;
} opts[] = {
    {"broadcast", required_argument, 'b', "ADDR",
     "discovery address (repeatable; default 255.255.255.255)"},
    {"help", no_argument, 'h', NULL, "print this help and exit"},
    {"help-man", no_argument, ZOOCTL_OPT_HELP_MAN, NULL,
     "print the manual page zooctl(8) (roff) and exit"},
    {"help-markdown", no_argument, ZOOCTL_OPT_HELP_MARKDOWN, NULL,
     "print the option reference docs/zooctl-options.md (Markdown) and exit"},
    {"json", no_argument, 'j', NULL, "one JSON document on standard output"},
    {"key-file", required_argument, 'k', "FILE",
     "shared key (default $FZ_CTL_KEY or " ZOOCTL_DEFAULT_KEY ")"},
    {"loss", required_argument, 'l', "P",
     "drop this fraction of datagrams sent and received (tests)"},
    {"output", required_argument, 'o', "FILE", "logs, keygen: the file to write (also -o)"},
    {"port", required_argument, 'p', "PORT[,PORT|-PORT]",
     "control port(s) (default " STR(FZ_CTL_DEFAULT_PORT) ")"},
    {"target", required_argument, 't', "HOST[:PORT]",
     "an appliance (repeatable); without it, commands go to every appliance that discovery "
     "finds"},
    {"timeout", required_argument, 'T', "S", "seconds to wait for answers (default 2)"},
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static const char *const synopsis[] = {"zooctl [options] COMMAND", NULL};

static const char *const description[] = {
    "zooctl finds the flowzoo appliances on a LAN by UDP broadcast and sends them commands. "
    "Every message is authenticated with a shared key (`zooctl keygen`, given to each "
    "appliance with `--ctl-key`), so nobody else on the LAN can suspend a monitor. Options "
    "may come before or after the command.",
    NULL,
};

static const struct fz_doc_status statuses[] = {
    {0, "every appliance answered and agreed (keygen: the key file was written)"},
    {1, "a target did not answer, refused (`\"ok\": false`), a download failed, discovery "
        "found nobody, or keygen could not write the key file"},
    {2, "a usage or setup error, before anything is sent: an unknown option or command, a "
        "malformed value, a `--target` that is not `HOST[:PORT]` or does not resolve, a "
        "missing `-o FILE`, a key file that cannot be read"},
};

static const char *const see_also[] = {"flowzoo(8)", NULL};

int zooctl_longopts(struct option *longopts, int n)
{
	int k = 0;

	for (size_t i = 0; i < N_OPTS && k < n - 1; i++, k++)
		longopts[k] = (struct option){opts[i].name, opts[i].has_arg, NULL, opts[i].val};
	memset(&longopts[k], 0, sizeof(longopts[k]));
	return k;
}

/* The manual; fz_doc_group rows are made from the option table (NULL: no memory). */
static struct fz_doc_opt *make_doc(struct fz_doc *d, struct fz_doc_group *g)
{
	struct fz_doc_opt *rows = calloc(N_OPTS, sizeof(*rows));

	for (size_t i = 0; rows && i < N_OPTS; i++)
		rows[i] = (struct fz_doc_opt){opts[i].name, opts[i].arg, opts[i].help};
	*g = (struct fz_doc_group){NULL, rows, N_OPTS};
	*d = (struct fz_doc){
	    .name = "zooctl",
	    .section = 8,
	    .version = FZ_VERSION,
	    .summary = "find and steer flowzoo appliances",
	    .synopsis = synopsis,
	    .description = description,
	    .commands = commands,
	    .n_commands = sizeof(commands) / sizeof(commands[0]),
	    .groups = g,
	    .n_groups = 1,
	    .statuses = statuses,
	    .n_statuses = sizeof(statuses) / sizeof(statuses[0]),
	    .see_also = see_also,
	};
	return rows;
}

static void print(FILE *f, void (*out)(FILE *, const struct fz_doc *))
{
	struct fz_doc d;
	struct fz_doc_group g;
	struct fz_doc_opt *rows = make_doc(&d, &g);

	if (rows)
		out(f, &d);
	free(rows);
}

static void help(FILE *f, const struct fz_doc *d)
{
	fprintf(f, "usage: %s\ncommands:\n", synopsis[0]);
	fz_doc_help_commands(f, d);
	fputs("options:\n", f);
	fz_doc_help_options(f, d);
	fputs("exit status:\n", f);
	fz_doc_help_statuses(f, d);
}

void zooctl_usage(FILE *f)
{
	print(f, help);
}

void zooctl_man(FILE *f)
{
	print(f, fz_doc_man);
}

void zooctl_markdown(FILE *f)
{
	print(f, fz_doc_markdown);
}
