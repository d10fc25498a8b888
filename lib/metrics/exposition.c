/*
 * The Prometheus text exposition (format 0.0.4) of a counter snapshot; the
 * naming rules are in fz_metrics.h. The text is written to a memory stream:
 * a scrape of the whole registry is a few kilobytes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_metrics.h"

#define NAME_MAX_LEN 160

/* Words that say what a counter counts: a name with one of them takes no unit suffix. */
static const char *const counted[] = {"packets",  "bytes",  "flows",   "records",
                                      "payloads", "alerts", "seconds", NULL};

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Whether one of the '_'-separated words of name is a counted thing. */
static int says_what_it_counts(const char *name)
{
	for (const char *w = name; *w;) {
		size_t len = strcspn(w, "_");

		for (unsigned i = 0; counted[i]; i++)
			if (strlen(counted[i]) == len && strncmp(w, counted[i], len) == 0)
				return 1;
		w += len;
		if (*w == '_')
			w++;
	}
	return 0;
}

/* Prometheus names take [a-zA-Z0-9_:]; anything else becomes '_'. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == ':'))
			*s = '_';
}

static int is_drop(const struct fz_counter_def *def)
{
	return (def->flags & FZ_CF_DROP) != 0;
}

/* The name of def in set: with the set's name (long) or without (short). */
static int name_of(const struct fz_counter_set *set, const struct fz_counter_def *def, int long_,
                   char *buf, size_t cap)
{
	char stem[NAME_MAX_LEN];
	size_t n;
	int len;

	if (is_drop(def))
		len = snprintf(buf, cap, "flowzoo_%s%sdropped_total", def->unit ? def->unit : "",
		               def->unit ? "_" : "");
	else {
		snprintf(stem, sizeof(stem), "%s", def->name);
		n = strlen(stem);
		if (def->unit && strcmp(def->unit, "seconds") == 0 && ends_with(stem, "_s"))
			snprintf(stem + n - 2, sizeof(stem) - (n - 2), "_seconds");
		else if (def->unit && ends_with(def->unit, "_per_second") &&
		         ends_with(stem, "_per_s"))
			snprintf(stem + n - 6, sizeof(stem) - (n - 6), "_per_second");
		if (def->unit && !ends_with(stem, def->unit) && !says_what_it_counts(stem)) {
			n = strlen(stem);
			snprintf(stem + n, sizeof(stem) - n, "_%s", def->unit);
		}
		len = snprintf(buf, cap, "flowzoo_%s%s%s%s", long_ ? set->name : "",
		               long_ ? "_" : "", stem, def->type == FZ_CT_COUNTER ? "_total" : "");
	}
	if (len < 0 || (size_t)len >= cap)
		return -ENOSPC;
	sanitize(buf);
	return len;
}

/* Every declaration's metric name, in declaration order. */
struct names {
	unsigned n;
	struct {
		unsigned s, d;
		char name[NAME_MAX_LEN];
	} e[];
};

static struct names *names_of(const struct fz_counter_snap *snap)
{
	unsigned total = 0;
	struct names *t;

	for (unsigned s = 0; s < fz_snap_sets(snap); s++)
		total += fz_snap_set(snap, s)->n_defs;
	t = calloc(1, sizeof(*t) + (total ? total : 1) * sizeof(t->e[0]));
	if (t == NULL)
		return NULL;
	for (unsigned s = 0; s < fz_snap_sets(snap); s++) {
		const struct fz_counter_set *set = fz_snap_set(snap, s);

		for (unsigned d = 0; d < set->n_defs; d++) {
			const struct fz_counter_def *def = &set->defs[d];
			char *name = t->e[t->n].name;
			int short_ = is_drop(def) || (def->flags & FZ_CF_TOTAL);

			if (name_of(set, def, !short_, name, NAME_MAX_LEN) < 0)
				continue; /* a name too long to write: left out */
			/* A short name an earlier declaration took: keep the set's name. */
			for (unsigned k = 0; short_ && !is_drop(def) && k < t->n; k++)
				if (strcmp(t->e[k].name, name) == 0 &&
				    !is_drop(&fz_snap_set(snap, t->e[k].s)->defs[t->e[k].d])) {
					name_of(set, def, 1, name, NAME_MAX_LEN);
					break;
				}
			t->e[t->n].s = s;
			t->e[t->n].d = d;
			t->n++;
		}
	}
	return t;
}

int fz_metrics_name(const struct fz_counter_snap *snap, unsigned s, unsigned d, char *buf,
                    size_t cap)
{
	struct names *t = names_of(snap);
	int len = -ENOENT;

	if (t == NULL)
		return -ENOMEM;
	for (unsigned k = 0; k < t->n; k++)
		if (t->e[k].s == s && t->e[k].d == d) {
			len = (int)strlen(t->e[k].name);
			if ((size_t)len >= cap)
				len = -ENOSPC;
			else
				memcpy(buf, t->e[k].name, (size_t)len + 1);
		}
	free(t);
	return len;
}

/* A label value with \, " and newline escaped. */
static void put_label(FILE *f, const char *name, const char *value, int *first)
{
	fprintf(f, "%s%s=\"", *first ? "{" : ",", name);
	*first = 0;
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', f);
		if (*c == '\n')
			fputs("\\n", f);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* HELP text: \ and newline escaped. */
static void put_help(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (const char *c = help ? help : ""; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", f);
		else if (*c == '\n')
			fputs("\\n", f);
		else
			fputc(*c, f);
	}
	fputc('\n', f);
}

static void put_value(FILE *f, const struct fz_counter_def *def, uint64_t v)
{
	double x;

	if (def->type != FZ_CT_GAUGE_REAL) {
		fprintf(f, " %llu\n", (unsigned long long)v);
		return;
	}
	x = fz_snap_real(v);
	if (isnan(x))
		fputs(" NaN\n", f);
	else if (isinf(x))
		fputs(x > 0 ? " +Inf\n" : " -Inf\n", f);
	else
		fprintf(f, " %.17g\n", x);
}

/* Every sample of def d of set s. */
static void put_samples(FILE *f, const struct fz_counter_snap *snap, unsigned s, unsigned d,
                        const char *name)
{
	const struct fz_counter_set *set = fz_snap_set(snap, s);
	const struct fz_counter_def *def = &set->defs[d];
	unsigned n = fz_snap_instances(snap, s);

	if (set->shape == FZ_SET_SINGLE && n > 1)
		n = 1;
	for (unsigned i = 0; i < n; i++)
		for (unsigned e = 0; e < def->n; e++) {
			int first = 1;

			fputs(name, f);
			if (set->shape != FZ_SET_SINGLE)
				put_label(f, set->name, fz_snap_label(snap, s, i), &first);
			if (is_drop(def))
				put_label(f, "reason",
				          def->n == 1 ? def->name : def->label_values[e], &first);
			else if (def->n > 1)
				put_label(f, def->label ? def->label : "element",
				          def->label_values[e], &first);
			if (!first)
				fputc('}', f);
			put_value(f, def, fz_snap_value(snap, s, i, d, e));
		}
}

/* Family k: HELP, TYPE, then the samples of every declaration with its name. */
static void put_family(FILE *f, const struct fz_counter_snap *snap, const struct names *t,
                       unsigned k)
{
	const char *name = t->e[k].name;
	const struct fz_counter_def *def = &fz_snap_set(snap, t->e[k].s)->defs[t->e[k].d];
	char help[256];

	if (is_drop(def))
		snprintf(help, sizeof(help),
		         "%s dropped or lost, by reason (the summary's drops; see "
		         "docs/operator-guide.md)",
		         def->unit ? def->unit : "items");
	else
		snprintf(help, sizeof(help), "%s", def->help ? def->help : def->name);
	put_help(f, name, help);
	fprintf(f, "# TYPE %s %s\n", name, def->type == FZ_CT_COUNTER ? "counter" : "gauge");
	for (unsigned j = k; j < t->n; j++)
		if (strcmp(t->e[j].name, name) == 0)
			put_samples(f, snap, t->e[j].s, t->e[j].d, name);
}

/* Whether family k is to be written: its name is new, and it has a sample (a set with
 * no instance has none). */
static int family_starts(const struct fz_counter_snap *snap, const struct names *t, unsigned k)
{
	int samples = 0;

	for (unsigned j = 0; j < k; j++)
		if (strcmp(t->e[j].name, t->e[k].name) == 0)
			return 0;
	for (unsigned j = k; j < t->n; j++)
		if (strcmp(t->e[j].name, t->e[k].name) == 0 && fz_snap_instances(snap, t->e[j].s))
			samples = 1;
	return samples;
}

static void put_info(FILE *f, const struct fz_metrics_info *info)
{
	int first = 1;

	put_help(f, "flowzoo_build_info", "the appliance's version, DPDK's and its collector id");
	fputs("# TYPE flowzoo_build_info gauge\nflowzoo_build_info", f);
	put_label(f, "version", info->version ? info->version : "", &first);
	put_label(f, "dpdk", info->dpdk ? info->dpdk : "", &first);
	put_label(f, "collector", info->collector ? info->collector : "", &first);
	fputs("} 1\n", f);
	put_help(f, "flowzoo_uptime_seconds", "seconds since the appliance started");
	fprintf(f, "# TYPE flowzoo_uptime_seconds gauge\nflowzoo_uptime_seconds %.3f\n",
	        info->uptime_s);
}

char *fz_metrics_text(const struct fz_counter_snap *snap, const struct fz_metrics_info *info,
                      size_t *len)
{
	struct names *t = names_of(snap);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = t ? open_memstream(&buf, &n) : NULL;

	if (f == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned k = 0; k < t->n; k++)
		if (family_starts(snap, t, k))
			put_family(f, snap, t, k);
	free(t);
	put_info(f, info);
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
