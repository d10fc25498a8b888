/*
 * zooagg's options: the command line, and a JSON config file (--config)
 * with the same names without dashes; the command line wins. Every value is
 * checked before anything starts; a bad one is a message naming it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "options.h"
#include "usage.h"

/* The usage line printed after a mistake (--help prints the whole table). */
static const char usage[] = "usage: zooagg --kafka BROKERS --db URL [options]   (zooagg --help)\n";

static int bad(const char *name, const char *value, const char *what)
{
	fprintf(stderr, "zooagg: --%s '%s': %s\n", name, value, what);
	return -1;
}

static int number(const char *name, const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || x < lo || x > hi) {
		char what[96];

		snprintf(what, sizeof(what), "must be an integer from %u to %u", lo, hi);
		return bad(name, v, what);
	}
	*out = (unsigned)x;
	return 0;
}

/* A comma-separated list of collector ids, each 1 to 64 characters. */
static int collectors(struct zooagg_opts *o, const char *name, const char *v)
{
	char *copy = strdup(v), *save = NULL;

	/* The ids point into the copy: it is kept with the options. */
	if (copy && o->n_owned < ZOOAGG_MAX_OWNED)
		o->owned[o->n_owned++] = copy;
	free(o->collectors);
	o->collectors = calloc(strlen(v) / 2 + 2, sizeof(*o->collectors));
	o->n_collectors = 0;
	if (!copy || !o->collectors)
		return bad(name, v, "out of memory");
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strlen(t) > 64)
			return bad(name, v, "a collector id is 1 to 64 characters");
		o->collectors[o->n_collectors++] = t;
	}
	return o->n_collectors ? 0 : bad(name, v, "must name at least one collector");
}

/* One option by its index in longopts, from the command line or the config file. */
static int apply(struct zooagg_opts *o, int id, const char *v)
{
	const char *name = zooagg_opt_name(id);
	unsigned u;
	char *end;

	switch (id) {
	case O_KAFKA:
		o->kafka = v;
		return 0;
	case O_GROUP:
		o->group = v;
		return v[0] ? 0 : bad(name, v, "must not be empty");
	case O_PREFIX:
		o->topic_prefix = v;
		return v[0] ? 0 : bad(name, v, "must not be empty");
	case O_DB:
		o->db = v;
		return 0;
	case O_HTTP:
		o->http = v;
		return 0;
	case O_SUMMARY:
		o->summary = v;
		return 0;
	case O_COLLECTORS:
		return collectors(o, name, v);
	case O_FLOWS:
		o->flows = 1;
		return 0;
	case O_KOPT: {
		const char *eq = strchr(v, '=');

		if (!eq || eq == v)
			return bad(name, v, "must be KEY=VALUE");
		if (o->n_kafka_opts == ZOOAGG_MAX_KAFKA_OPTS)
			return bad(name, v, "too many --kafka-opt");
		o->kafka_opts[o->n_kafka_opts][0] = strndup(v, (size_t)(eq - v));
		o->kafka_opts[o->n_kafka_opts++][1] = eq + 1;
		return 0;
	}
	case O_RETENTION:
		return number(name, v, 0, 100000, &o->retention_days);
	case O_TOPN:
		return number(name, v, 1, 1000, &o->top_n);
	case O_STALE:
		return number(name, v, 1, 1000000, &o->stale_bins);
	case O_BATCH:
		return number(name, v, 1, 100000, &o->batch);
	case O_AHIST:
		return number(name, v, 1, 65536, &o->alert_history);
	case O_AMIN:
		return number(name, v, 1, 65536, &o->alert_min_history);
	case O_ABINS:
		return number(name, v, 1, 1000, &o->alert_bins);
	case O_ASUP:
		if (number(name, v, 0, 100000000, &u))
			return -1;
		o->alert_suppress_s = u;
		return 0;
	case O_AK:
		o->alert_k = strtod(v, &end);
		if (end == v || *end || !(o->alert_k >= 0 && o->alert_k <= 1000))
			return bad(name, v, "must be a number from 0 to 1000");
		return 0;
	}
	return -1;
}

/* A copy of a config file's value that lives as long as the options (they may point into it). */
static const char *keep(struct zooagg_opts *o, const char *v)
{
	char *c = strdup(v);

	if (c && o->n_owned < ZOOAGG_MAX_OWNED)
		o->owned[o->n_owned++] = c;
	else {
		free(c);
		c = NULL;
	}
	return c ? c : "";
}

/* The config file: an object of option names without dashes; "kafka-opt" is an object. */
static int config(struct zooagg_opts *o, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *v;
	const char *key;

	if (!root || !json_is_object(root)) {
		fprintf(stderr, "zooagg: --config %s: %s\n", path,
		        root ? "not a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, key, v)
	{
		struct option all[O__END - O_KAFKA + 1];
		const struct option *lo;
		char buf[64];

		zooagg_longopts(all, (int)(sizeof(all) / sizeof(all[0])));
		for (lo = all; lo->name && strcmp(lo->name, key) != 0; lo++)
			;
		if (!lo->name || lo->val == O_CONFIG || lo->val >= O_HELP) {
			fprintf(stderr, "zooagg: --config %s: unknown key '%s'\n", path, key);
			goto fail;
		}
		if (lo->val == O_KOPT && json_is_object(v)) {
			const char *k;
			json_t *x;

			json_object_foreach(v, k, x)
			{
				if (!json_is_string(x) ||
				    o->n_kafka_opts == ZOOAGG_MAX_KAFKA_OPTS) {
					fprintf(stderr,
					        "zooagg: --config %s: kafka-opt '%s' must be "
					        "a string\n",
					        path, k);
					goto fail;
				}
				o->kafka_opts[o->n_kafka_opts][0] = strdup(k);
				o->kafka_opts[o->n_kafka_opts++][1] = strdup(json_string_value(x));
			}
			continue;
		}
		if (lo->val == O_FLOWS && json_is_boolean(v)) {
			o->flows = json_is_true(v);
			continue;
		}
		if (json_is_string(v)) {
			if (apply(o, lo->val, keep(o, json_string_value(v))))
				goto fail;
		} else if (json_is_number(v)) {
			snprintf(buf, sizeof(buf), "%.17g", json_number_value(v));
			if (apply(o, lo->val, keep(o, buf)))
				goto fail;
		} else {
			fprintf(stderr, "zooagg: --config %s: '%s' must be a string or a number\n",
			        path, key);
			goto fail;
		}
	}
	/* The file's strings stay: the options point into copies. */
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	return -1;
}

int zooagg_options(int argc, char **argv, struct zooagg_opts *o)
{
	struct option longopts[O__END - O_KAFKA + 1];
	int c;

	zooagg_longopts(longopts, (int)(sizeof(longopts) / sizeof(longopts[0])));
	*o = (struct zooagg_opts){.group = "zooagg",
	                          .topic_prefix = "flowzoo",
	                          .top_n = 10,
	                          .stale_bins = 12,
	                          .batch = 500,
	                          .alert_history = 288,
	                          .alert_min_history = 12,
	                          .alert_bins = 2,
	                          .alert_k = 3,
	                          .alert_suppress_s = 3600};
	/* The config file first, so that the command line wins wherever it comes. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc && config(o, argv[i + 1]))
			return -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == O_HELP || c == O_HELP_MAN || c == O_HELP_MARKDOWN) {
			(c == O_HELP       ? zooagg_usage
			 : c == O_HELP_MAN ? zooagg_man
			                   : zooagg_markdown)(stdout);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "zooagg: unknown option or missing value: %s\n%s",
			        argv[optind - 1], usage);
			return -1;
		}
		if (c != O_CONFIG && apply(o, c, optarg))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "zooagg: unexpected argument '%s'\n%s", argv[optind], usage);
		return -1;
	}
	if (!o->kafka || !o->db) {
		fprintf(stderr, "zooagg: --kafka and --db are required\n%s", usage);
		return -1;
	}
	if (o->alert_min_history > o->alert_history) {
		fprintf(stderr, "zooagg: --alert-min-history %u is above --alert-history %u\n",
		        o->alert_min_history, o->alert_history);
		return -1;
	}
	return 0;
}
