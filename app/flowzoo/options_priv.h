/*
 * The option table's row layout, shared by the command-line reader
 * (options.c) and the config-file reader (options_config.c).
 */
#ifndef FZ_APP_OPTIONS_PRIV_H
#define FZ_APP_OPTIONS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

enum opt_type {
	T_STR,     /* const char *, never empty */
	T_STRLIST, /* repeatable: const char *[], count in a following unsigned */
	T_SECONDS, /* double from 0 to FZ_OPTS_MAX_SECONDS */
	T_U64,     /* unsigned integer */
	T_I64,     /* signed integer */
	T_FLAG,    /* int set to 1 (config: true/false) */
	T_CHOICE,  /* one word of a list, stored as its int value */
	T_FRAC,    /* double in [0, 1) */
	T_REAL,    /* double from min to max */
};

/* The largest number of seconds any option takes (about 31 years). */
#define FZ_OPTS_MAX_SECONDS 1e9

struct choice {
	const char *word;
	int value;
};

/* auto (-1), on (1), off (0): the choices of --progress, --detect, ... */
extern const struct choice fz_opts__tri_choices[];

struct opt_def {
	const char *name;
	enum opt_type type;
	size_t off;
	size_t count_off; /* T_STRLIST: offset of the unsigned count */
	const char *arg;
	const char *help;
	uint64_t min, max;            /* T_U64, T_I64, T_REAL range */
	const struct choice *choices; /* T_CHOICE */
	/* T_STR, T_STRLIST: a further check of a value; 0, or -1 with a message. */
	int (*check)(const char *v, const char *where, char *err, size_t errlen);
};

/* The general rows (options.c), sorted by name; --help prints them first. */
extern const struct opt_def *const fz_opts__main_defs;
extern const size_t fz_opts__n_main_defs;

/* The HTTP server's rows (options_http.c), sorted by name; --help prints them after the
 * others. */
extern const struct opt_def fz_opts__http_defs[];
extern const size_t fz_opts__n_http_defs;

/* The HTTP options together: files readable, nothing given without --http. 0, or -1
 * with a message. */
int fz_opts__check_http(const struct fz_opts *o, char *err, size_t errlen);

/* The IPFIX exporter's rows (options_ipfix.c), sorted by name, and their defaults. */
extern const struct opt_def fz_opts__ipfix_defs[];
extern const size_t fz_opts__n_ipfix_defs;
void fz_opts__ipfix_init(struct fz_opts *o);

/* The baseline alerts' rows (options_alerts.c), sorted by name, their defaults, and their
 * check together (--alert-min-history within --alert-history): 0, or -1 with a message. */
extern const struct opt_def fz_opts__alerts_defs[];
extern const size_t fz_opts__n_alerts_defs;
void fz_opts__alerts_init(struct fz_opts *o);
int fz_opts__check_alerts(const struct fz_opts *o, char *err, size_t errlen);

/* The offline rows (options_offline.c), sorted by name. */
extern const struct opt_def fz_opts__offline_defs[];
extern const size_t fz_opts__n_offline_defs;
/* The offline options together (--watch, --done, --journal need --pcap-dir). 0, or -1. */
int fz_opts__check_offline(const struct fz_opts *o, char *err, size_t errlen);
/* --kafka-topic-prefix: Kafka's topic characters, and room for the longest topic suffix;
 * --kafka-opt: KEY=VALUE with a key (options_kafka.c). 0, or -1 with a message. */
int fz_opts__check_topic_prefix(const char *v, const char *where, char *err, size_t errlen);
int fz_opts__check_kafka_opt(const char *v, const char *where, char *err, size_t errlen);

/* The row of option name (no dashes), or NULL. */
const struct opt_def *fz_opts__find(const char *name);

/*
 * Set d's field from the text v (NULL: the value is missing); where names
 * the option or config key in messages. Returns 0, or -1 with a message.
 */
int fz_opts__set(struct fz_opts *o, const struct opt_def *d, const char *v, const char *where,
                 char *err, size_t errlen);

/* A copy of s that lives as long as o (NULL when out of room or memory). */
const char *fz_opts__keep(struct fz_opts *o, const char *s);

/* Read the JSON config file at path into o. Returns 0, or -1 with a message. */
int fz_opts__load_config(struct fz_opts *o, const char *path, char *err, size_t errlen);

#endif
