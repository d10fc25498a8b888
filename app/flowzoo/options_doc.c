/*
 * flowzoo's manual from its option tables: --help, the man page flowzoo(8)
 * (--help-man, installed by meson) and docs/flowzoo-options.md (--help-markdown)
 * print the same rows the command line and the config file read, and the
 * exit statuses main() returns. tests/integration/test_manual.py fails when
 * the checked-in copies differ.
 */
#include <stdlib.h>

#include "app.h"
#include "fz_doc.h"
#include "options_priv.h"

static const char *const synopsis[] = {
    "flowzoo [EAL options] -- [options]",
    "flowzoo --pcap FILE [--pcap FILE...] [options]",
    "flowzoo --replay FILE [--replay-rate PPS | --replay-speed X] [--duration S] [options]",
    NULL,
};

static const char *const description[] = {
    "flowzoo watches the packets of a network port (a NIC taken over by DPDK, or a capture "
    "replayed through DPDK's pcap driver), builds bidirectional flows in per-core tables, "
    "names each flow's application with Hyperscan signatures, sorts finished flows into "
    "the traffic zoo (elephants and mice, tortoises and dragonflies, cheetahs and snails) "
    "and writes one record per flow to JSON lines, Kafka and IPFIX collectors.",
    "Live, flowzoo follows DPDK's convention: EAL options, then `--`, then flowzoo's "
    "options. `--pcap FILE` is the offline shortcut: flowzoo sets up EAL itself (no "
    "hugepages, no PCI, a unique file prefix), reads the captures to the end, flushes "
    "every flow and exits. `--replay FILE` is the live demo: flowzoo sets up EAL the same "
    "way, loops the capture through net_pcap (`infinite_rx=1`) with the TSC clock and an "
    "mbuf pool sized from the capture, paces it (`--replay-rate`, `--replay-speed`) and "
    "runs until SIGINT, SIGTERM or `--duration`.",
    NULL,
};

static const char *const config_text[] = {
    "`--config FILE` reads a JSON object whose keys are the option names above without "
    "the dashes, from the same table: `{\"idle-timeout\": 15, \"pcap\": [\"a.pcap\"]}`. A "
    "string for paths, names and words, a number for seconds, an integer for counts, "
    "`true` or `false` for flags, a string or an array of strings for repeatable "
    "options; `kafka` may also be an object of librdkafka properties. Every option but "
    "`config` is a key. The command line wins over the file. An unknown key or a value "
    "of the wrong type is a start-up error (exit status 2) that names it.",
    NULL,
};

static const char *const signals_text[] = {
    "SIGINT or SIGTERM (or `--duration`): the workers stop, every flow in their tables is "
    "exported with end reason `shutdown`, the exporters are flushed, the summary is "
    "written and flowzoo exits. SIGHUP reopens `--log-file` and the `--jsonl` file (for "
    "logrotate). SIGPIPE is ignored: a reader that goes away is a write error the "
    "exporter counts.",
    NULL,
};

static const struct fz_doc_section sections[] = {
    {"Configuration file", config_text},
    {"Signals", signals_text},
};

/* Every status main() returns (app.h), with what it means. */
static const struct fz_doc_status statuses[] = {
    {FZ_EXIT_OK, "finished, nothing lost"},
    {FZ_EXIT_ERROR, "finished, but the summary could not be written (the log says why)"},
    {FZ_EXIT_USAGE, "start-up error: an option, the config, a capture, a device, an output "
                    "path; nothing ran"},
    {FZ_EXIT_LOST, "finished, but records or packets were lost: a loss counter with severity "
                   "`error` grew, or an exporter lost records (its `lost` in the summary); the "
                   "log's last line says how many"},
};

static const char *const see_also[] = {"zooctl(8)", "tcpdump(8)", "nfcapd(1)", NULL};

#define N_GROUPS 4

/* Copy a table's rows into doc rows (the help, man page and Markdown print these). */
static int fill_group(struct fz_doc_group *g, const char *title, const struct opt_def *rows,
                      size_t n)
{
	struct fz_doc_opt *o = calloc(n, sizeof(*o));

	if (o == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		o[i] = (struct fz_doc_opt){rows[i].name, rows[i].arg, rows[i].help};
	*g = (struct fz_doc_group){title, o, n};
	return 0;
}

/* flowzoo's manual: the option groups in the order --help prints them. 0, or -1 (no memory). */
static int make_doc(struct fz_doc *d, struct fz_doc_group *g)
{
	*d = (struct fz_doc){
	    .name = "flowzoo",
	    .section = 8,
	    .version = FZ_VERSION,
	    .summary = "network-traffic monitor: flows, applications, the traffic zoo",
	    .synopsis = synopsis,
	    .description = description,
	    .groups = g,
	    .n_groups = N_GROUPS,
	    .sections = sections,
	    .n_sections = sizeof(sections) / sizeof(sections[0]),
	    .statuses = statuses,
	    .n_statuses = sizeof(statuses) / sizeof(statuses[0]),
	    .see_also = see_also,
	};
	return fill_group(&g[0], NULL, fz_opts__main_defs, fz_opts__n_main_defs) ||
	       fill_group(&g[1], "IPFIX exporter (docs/ipfix.md)", fz_opts__ipfix_defs,
	                  fz_opts__n_ipfix_defs) ||
	       fill_group(&g[2], "Baseline alerts (docs/alerts.md)", fz_opts__alerts_defs,
	                  fz_opts__n_alerts_defs) ||
	       fill_group(&g[3], "HTTP server (/metrics, /health, /api/summary, /api/status)",
	                  fz_opts__http_defs, fz_opts__n_http_defs);
}

static void free_doc(struct fz_doc_group *g)
{
	for (size_t i = 0; i < N_GROUPS; i++)
		free((void *)g[i].opts);
}

void fz_opts_usage(FILE *f)
{
	struct fz_doc d;
	struct fz_doc_group g[N_GROUPS] = {{0}};

	fputs("usage:", f);
	for (const char *const *s = synopsis; *s; s++)
		fprintf(f, "%s%s\n", s == synopsis ? " " : "       ", *s);
	fputs("\noptions:\n", f);
	if (make_doc(&d, g) == 0)
		fz_doc_help_options(f, &d);
	free_doc(g);
}

int fz_opts_wants_doc(const struct fz_opts *o)
{
	return o->help || o->help_man || o->help_markdown || o->version;
}

void fz_opts_print_doc(const struct fz_opts *o, FILE *f)
{
	struct fz_doc d;
	struct fz_doc_group g[N_GROUPS] = {{0}};

	if (o->help_man || o->help_markdown) {
		if (make_doc(&d, g) == 0) {
			if (o->help_man)
				fz_doc_man(f, &d);
			else
				fz_doc_markdown(f, &d);
		}
		free_doc(g);
	} else if (o->help)
		fz_opts_usage(f);
	else
		fprintf(f, "flowzoo %s\n", FZ_VERSION);
}
