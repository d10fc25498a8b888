/*
 * zooctl's commands and options, one table each: the command line
 * (getopt_long), --help, the man page zooctl(8) and docs/zooctl-options.md
 * are all made from them.
 */
#ifndef FZ_ZOOCTL_USAGE_H
#define FZ_ZOOCTL_USAGE_H

#include <getopt.h>
#include <stdio.h>

#define ZOOCTL_DEFAULT_KEY "/etc/flowzoo/ctl.key"

/* Option values getopt_long returns for the options without a short name. */
enum {
	ZOOCTL_OPT_HELP_MAN = 256,
	ZOOCTL_OPT_HELP_MARKDOWN,
};

/*
 * Fill longopts (room for n, terminated by a zero row) from the option
 * table; returns the number of options.
 */
int zooctl_longopts(struct option *longopts, int n);

/* --help. */
void zooctl_usage(FILE *f);

/* --help-man: the man page zooctl(8) (roff). */
void zooctl_man(FILE *f);

/* --help-markdown: docs/zooctl-options.md. */
void zooctl_markdown(FILE *f);

#endif
