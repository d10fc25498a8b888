/*
 * The JSON config file (--config FILE): an object whose keys are the option
 * names without the dashes. Each key must hold the JSON type its option
 * takes (a string for a path, a number for seconds...), so that a slip such
 * as {"jsonl": 5} is an error instead of a file named "5".
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "options_priv.h"

/* Values from the config file must outlive it: keep our own copies. */
const char *fz_opts__keep(struct fz_opts *o, const char *s)
{
	char *c;

	if (o->n_owned == sizeof(o->owned) / sizeof(o->owned[0]))
		return NULL; /* fz_opts__set reports a missing value */
	c = strdup(s);
	if (c)
		o->owned[o->n_owned++] = c;
	return c;
}

void fz_opts_free(struct fz_opts *o)
{
	for (unsigned i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	o->n_owned = 0;
}

/* The JSON type(s) an option's key takes, as words for a message. */
static const char *expected_type(const struct opt_def *d)
{
	switch (d->type) {
	case T_STR:
		return strcmp(d->name, "kafka") == 0
		           ? "a string (brokers) or an object of librdkafka properties"
		           : "a string";
	case T_STRLIST:
		return "a string or an array of strings";
	case T_SECONDS:
	case T_FRAC:
	case T_REAL:
		return "a number";
	case T_U64:
	case T_I64:
		return "an integer";
	case T_FLAG:
		return "true or false";
	case T_CHOICE:
		return "a string";
	}
	return "?";
}

static const char *json_type_words(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

/* The "kafka" object: each librdkafka property becomes a --kafka-opt, before the command
 * line's. */
static int kafka_object(struct fz_opts *o, json_t *v, const char *where, char *err, size_t errlen)
{
	const char *k;
	json_t *e;
	char kv[1024];

	json_object_foreach(v, k, e)
	{
		if (json_is_string(e))
			snprintf(kv, sizeof(kv), "%s=%s", k, json_string_value(e));
		else if (json_is_integer(e))
			snprintf(kv, sizeof(kv), "%s=%lld", k, (long long)json_integer_value(e));
		else if (json_is_boolean(e))
			snprintf(kv, sizeof(kv), "%s=%s", k, json_is_true(e) ? "true" : "false");
		else {
			snprintf(
			    err, errlen,
			    "%s: property '%s': expected a string, an integer or a boolean, got "
			    "%s",
			    where, k, json_type_words(e));
			return -1;
		}
		if (fz_opts__set(o, fz_opts__find("kafka-opt"), fz_opts__keep(o, kv), where, err,
		                 errlen))
			return -1;
	}
	return 0;
}

/* One config value of the type its option takes, as option text. */
static int config_value(struct fz_opts *o, const struct opt_def *d, json_t *v, const char *where,
                        char *err, size_t errlen)
{
	int number = d->type == T_SECONDS || d->type == T_FRAC || d->type == T_REAL;
	char num[64];

	if (json_is_string(v) && (d->type == T_STR || d->type == T_STRLIST || d->type == T_CHOICE))
		return fz_opts__set(o, d, fz_opts__keep(o, json_string_value(v)), where, err,
		                    errlen);
	if (json_is_integer(v) && (number || d->type == T_U64 || d->type == T_I64)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return fz_opts__set(o, d, fz_opts__keep(o, num), where, err, errlen);
	}
	/* 1e6 is a real to JSON: take it where an integer is expected, 1.5 not. */
	if (json_is_real(v) && (d->type == T_U64 || d->type == T_I64) &&
	    json_real_value(v) == floor(json_real_value(v)) && fabs(json_real_value(v)) < 0x1p53) {
		snprintf(num, sizeof(num), "%.0f", json_real_value(v));
		return fz_opts__set(o, d, fz_opts__keep(o, num), where, err, errlen);
	}
	if (json_is_real(v) && number) {
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return fz_opts__set(o, d, fz_opts__keep(o, num), where, err, errlen);
	}
	if (json_is_boolean(v) && d->type == T_FLAG)
		return fz_opts__set(o, d, json_is_true(v) ? "true" : "false", where, err, errlen);
	if (json_is_object(v) && strcmp(d->name, "kafka") == 0)
		return kafka_object(o, v, where, err, errlen);
	if (json_is_array(v) && d->type == T_STRLIST) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				snprintf(err, errlen, "%s: item %zu: expected a string, got %s",
				         where, i, json_type_words(e));
				return -1;
			}
			if (config_value(o, d, e, where, err, errlen))
				return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "%s: expected %s, got %s", where, expected_type(d),
	         json_type_words(v));
	return -1;
}

/* The file's JSON, or NULL with a message: a path that cannot be read is
 * said in words, not in the parser's "line -1". */
static json_t *read_json(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	struct stat st;
	json_t *root;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(EISDIR));
		close(fd);
		return NULL;
	}
	root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		if (je.line < 0)
			snprintf(err, errlen, "cannot read config %s: %s", path, je.text);
		else
			snprintf(err, errlen, "config %s:%d: %s", path, je.line, je.text);
	}
	close(fd);
	return root;
}

int fz_opts__load_config(struct fz_opts *o, const char *path, char *err, size_t errlen)
{
	json_t *root = read_json(path, err, errlen);
	const char *key;
	json_t *v;
	char where[512];
	int rc = 0;

	if (root == NULL)
		return -1;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "config %s: not a JSON object", path);
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, key, v)
	{
		const struct opt_def *d = fz_opts__find(key);

		snprintf(where, sizeof(where), "config %s: key '%s'", path, key);
		if (d == NULL || strcmp(key, "config") == 0) {
			snprintf(err, errlen, "%s: unknown key", where);
			rc = -1;
			break;
		}
		if (config_value(o, d, v, where, err, errlen)) {
			rc = -1;
			break;
		}
	}
	json_decref(root);
	return rc;
}
