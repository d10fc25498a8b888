/*
 * zooagg's options, each once (usage.h): the manual's rows, indexed by the
 * value getopt returns; an option takes an argument when its row names one.
 */
#include <string.h>

#include "fz_doc.h"
#include "usage.h"

static const struct fz_doc_opt opts[O__END - O_KAFKA] = {
    [O_KAFKA - O_KAFKA] = {"kafka", "BROKERS",
                           "the Kafka bootstrap servers (host:port,...); required"},
    [O_GROUP - O_KAFKA] = {"group", "G",
                           "the consumer group: members of one group share the partitions "
                           "(default zooagg)"},
    [O_PREFIX - O_KAFKA] = {"topic-prefix", "P",
                            "read P.traffic, P.stats, P.alerts (and P.flows with --flows); "
                            "fleet alerts go to P.alerts (default flowzoo)"},
    [O_DB - O_KAFKA] = {"db", "URL", "the history: sqlite:PATH or postgresql://...; required"},
    [O_HTTP - O_KAFKA] = {"http", "[ADDR:]PORT",
                          "serve the fleet's page and JSON API (default address 127.0.0.1; "
                          "PORT 0: a free port, printed in the log)"},
    [O_KOPT - O_KAFKA] = {"kafka-opt", "KEY=VALUE",
                          "a librdkafka setting for the consumer and the producer "
                          "(repeatable)"},
    [O_CONFIG - O_KAFKA] = {"config", "FILE",
                            "a JSON object of these options without dashes (kafka-opt: an "
                            "object); the command line wins"},
    [O_RETENTION - O_KAFKA] = {"retention-days", "N",
                               "delete rows older than N days of wall-clock time (0: keep "
                               "everything, the default)"},
    [O_TOPN - O_KAFKA] = {"top-n", "N", "entries of each merged top list, 1 to 1000 (default 10)"},
    [O_STALE - O_KAFKA] = {"stale-bins", "N",
                           "a collector this many bins behind the newest is not waited for "
                           "when a merged bin closes (default 12)"},
    [O_BATCH - O_KAFKA] = {"batch", "N", "messages per database transaction at most (default 500)"},
    [O_AHIST - O_KAFKA] = {"alert-history", "N", "fleet baselines: bins of history (default 288)"},
    [O_AMIN - O_KAFKA] = {"alert-min-history", "N",
                          "fleet baselines: no alert before N bins of history (default 12)"},
    [O_ABINS - O_KAFKA] = {"alert-bins", "N",
                           "fleet baselines: consecutive bins that start and end an alert "
                           "(default 2)"},
    [O_AK -
        O_KAFKA] = {"alert-k", "K", "fleet baselines: mean + K standard deviations (default 3)"},
    [O_ASUP - O_KAFKA] = {"alert-suppress", "S",
                          "fleet baselines: seconds after an alert's end in which the same "
                          "alert is suppressed (default 3600)"},
    [O_SUMMARY - O_KAFKA] = {"summary", "FILE", "write the counters as JSON to FILE at exit"},
    [O_COLLECTORS - O_KAFKA] = {"collectors", "ID,...",
                                "the appliances every merged bin waits for (replays: start "
                                "times differ)"},
    [O_FLOWS - O_KAFKA] = {"flows", NULL, "also read P.flows into the table flows"},
    [O_HELP - O_KAFKA] = {"help", NULL, "print this help and exit"},
    [O_HELP_MAN - O_KAFKA] = {"help-man", NULL, "print the manual page zooagg(8) (roff) and exit"},
    [O_HELP_MARKDOWN - O_KAFKA] = {"help-markdown", NULL,
                                   "print the option reference docs/zooagg-options.md "
                                   "(Markdown) and exit"},
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static const char *const synopsis[] = {"zooagg --kafka BROKERS --db URL [options]", NULL};

static const char *const description[] = {
    "zooagg merges what many flowzoo appliances stream to Kafka: it consumes their traffic, "
    "stats and alert records as a Kafka consumer group (more members take more partitions; a "
    "member that dies hands its partitions to the others), keeps the history in SQLite or "
    "PostgreSQL (redelivered messages replace rows, never duplicate them), merges the "
    "traffic bins of one network seen by several appliances and the zoo stats exactly, and "
    "alerts fleet-wide on the merged bins. Offsets are committed only after the database "
    "has the rows. See docs/fleet.md.",
    NULL,
};

static const struct fz_doc_status statuses[] = {
    {0, "stopped by SIGTERM or SIGINT after committing what was done (or --help)"},
    {2, "a bad option or config file, an unusable database URL or database, or no broker "
        "reachable at start"},
};

static const char *const see_also[] = {"flowzoo(8)", "zooctl(8)", NULL};

void zooagg_longopts(struct option *longopts, int n)
{
	int k = 0;

	for (size_t i = 0; i < N_OPTS && k < n - 1; i++, k++)
		longopts[k] =
		    (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument,
		                    NULL, (int)i + O_KAFKA};
	memset(&longopts[k], 0, sizeof(longopts[k]));
}

const char *zooagg_opt_name(int val)
{
	return val >= O_KAFKA && val < O__END ? opts[val - O_KAFKA].name : NULL;
}

static const struct fz_doc_group group = {NULL, opts, N_OPTS};

static const struct fz_doc doc = {
    .name = "zooagg",
    .section = 8,
    .version = FZ_VERSION,
    .summary = "merge many flowzoo appliances from Kafka into one history",
    .synopsis = synopsis,
    .description = description,
    .groups = &group,
    .n_groups = 1,
    .statuses = statuses,
    .n_statuses = sizeof(statuses) / sizeof(statuses[0]),
    .see_also = see_also,
};

void zooagg_usage(FILE *f)
{
	fprintf(f,
	        "usage: %s\n  URL: sqlite:PATH or postgresql://...   (docs/fleet.md)\noptions:\n",
	        synopsis[0]);
	fz_doc_help_options(f, &doc);
	fputs("exit status:\n", f);
	fz_doc_help_statuses(f, &doc);
}

void zooagg_man(FILE *f)
{
	fz_doc_man(f, &doc);
}

void zooagg_markdown(FILE *f)
{
	fz_doc_markdown(f, &doc);
}
