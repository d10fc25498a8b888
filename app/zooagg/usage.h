/*
 * zooagg's options, one table: the command line (getopt_long), the config
 * file's keys, --help, the man page zooagg(8) and docs/zooagg-options.md are
 * all made from it (tests/integration/test_manual.py compares the copies).
 */
#ifndef FZ_ZOOAGG_USAGE_H
#define FZ_ZOOAGG_USAGE_H

#include <getopt.h>
#include <stdio.h>

/* Option values getopt_long returns, in the table's order. */
enum {
	O_KAFKA = 256,
	O_GROUP,
	O_PREFIX,
	O_DB,
	O_HTTP,
	O_KOPT,
	O_CONFIG,
	O_RETENTION,
	O_TOPN,
	O_STALE,
	O_BATCH,
	O_AHIST,
	O_AMIN,
	O_ABINS,
	O_AK,
	O_ASUP,
	O_SUMMARY,
	O_COLLECTORS,
	O_FLOWS,
	O_HELP,
	O_HELP_MAN,
	O_HELP_MARKDOWN,
	O__END
};

/* Fill longopts (room for n, terminated by a zero row) from the table. */
void zooagg_longopts(struct option *longopts, int n);

/* The option's name (without dashes) by its value, or NULL. */
const char *zooagg_opt_name(int val);

/* --help, --help-man (zooagg(8), roff), --help-markdown (docs/zooagg-options.md). */
void zooagg_usage(FILE *f);
void zooagg_man(FILE *f);
void zooagg_markdown(FILE *f);

#endif
