/*
 * A program's manual from its own tables: the man page (roff) and the
 * Markdown reference in docs/ are both printed from one struct fz_doc that
 * the program fills from the option table its command line reads, so the
 * manual cannot say something the parser does not do. No DPDK.
 */
#ifndef FZ_DOC_H
#define FZ_DOC_H

#include <stddef.h>
#include <stdio.h>

/* One option: name without dashes, argument word (NULL: a flag), help text. */
struct fz_doc_opt {
	const char *name;
	const char *arg;
	const char *help;
};

/* Options under one heading (title NULL: no heading). */
struct fz_doc_group {
	const char *title;
	const struct fz_doc_opt *opts;
	size_t n;
};

/* One exit status and what it means. */
struct fz_doc_status {
	int code;
	const char *meaning;
};

/* A titled section of paragraphs (NULL-terminated). */
struct fz_doc_section {
	const char *title;
	const char *const *paragraphs;
};

struct fz_doc {
	const char *name;                  /* program name, e.g. "flowzoo" */
	int section;                       /* man section, e.g. 8 */
	const char *version;               /* shown in the man page footer */
	const char *summary;               /* the NAME line after the dash */
	const char *const *synopsis;       /* NULL-terminated command lines */
	const char *const *description;    /* NULL-terminated paragraphs */
	const struct fz_doc_opt *commands; /* sub-commands (name, argument, help), or NULL */
	size_t n_commands;
	const struct fz_doc_group *groups;
	size_t n_groups;
	const struct fz_doc_section *sections; /* after OPTIONS, before EXIT STATUS */
	size_t n_sections;
	const struct fz_doc_status *statuses;
	size_t n_statuses;
	const char *const *see_also; /* NULL-terminated, e.g. "zooctl(8)" */
};

/* Print d as a man page (roff, man macros) to f. */
void fz_doc_man(FILE *f, const struct fz_doc *d);

/* Print d as a Markdown reference page to f. */
void fz_doc_markdown(FILE *f, const struct fz_doc *d);

/* Print only the exit-status table (Markdown), as fz_doc_markdown does under "Exit status". */
void fz_doc_markdown_statuses(FILE *f, const struct fz_doc *d);

/* Print the options as --help lists them: "  --name ARG   help", one group after another. */
void fz_doc_help_options(FILE *f, const struct fz_doc *d);

/* Print the commands as --help lists them: "  name ARG   help". */
void fz_doc_help_commands(FILE *f, const struct fz_doc *d);

/* Print the exit statuses as --help lists them: "  N  meaning". */
void fz_doc_help_statuses(FILE *f, const struct fz_doc *d);

#endif
