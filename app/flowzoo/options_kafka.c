/*
 * The Kafka options' checks: topic names (Kafka's characters and length) and
 * librdkafka properties (KEY=VALUE), used by the rows of options.c.
 */
#include <stdio.h>
#include <string.h>

#include "options_priv.h"

/* Kafka's legal topic characters. */
static int topic_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* The prefix of every topic: Kafka's characters, and room for the longest fixed suffix. */
int fz_opts__check_topic_prefix(const char *v, const char *where, char *err, size_t errlen)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < n; i++)
		if (!topic_char(v[i])) {
			snprintf(
			    err, errlen,
			    "%s: '%s': character %zu ('%c') is not allowed in a Kafka topic name "
			    "(letters, digits, '.', '_', '-')",
			    where, v, i + 1, v[i]);
			return -1;
		}
	if (n + strlen(FZ_TOPIC_LONGEST_SUFFIX) > FZ_KAFKA_TOPIC_MAX) {
		snprintf(err, errlen,
		         "%s: '%s' is %zu characters, at most %zu (Kafka takes topic names of "
		         "up to %d characters, and PREFIX%s is the longest)",
		         where, v, n, FZ_KAFKA_TOPIC_MAX - strlen(FZ_TOPIC_LONGEST_SUFFIX),
		         FZ_KAFKA_TOPIC_MAX, FZ_TOPIC_LONGEST_SUFFIX);
		return -1;
	}
	return 0;
}

int fz_opts__check_kafka_opt(const char *v, const char *where, char *err, size_t errlen)
{
	const char *eq = strchr(v, '=');

	if (eq == NULL) {
		snprintf(err, errlen, "%s: '%s' is not KEY=VALUE", where, v);
		return -1;
	}
	if (eq == v) {
		snprintf(err, errlen, "%s: '%s': the key is empty (KEY=VALUE)", where, v);
		return -1;
	}
	return 0;
}

int fz_opts_check_app_topics(const struct fz_opts *o, const char *const *apps, unsigned n,
                             char *err, size_t errlen)
{
	const char *prefix = o->kafka_topic_prefix ? o->kafka_topic_prefix : "flowzoo";
	static const char mid[] = ".flows.";

	if (o->kafka_topic_per_app == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		size_t len = strlen(prefix) + sizeof(mid) - 1 + strlen(apps[i]);

		if (len > FZ_KAFKA_TOPIC_MAX) {
			snprintf(err, errlen,
			         "--kafka-topic-per-app: the topic %s%s%s would be %zu characters, "
			         "Kafka takes at most %d (shorten --kafka-topic-prefix)",
			         prefix, mid, apps[i], len, FZ_KAFKA_TOPIC_MAX);
			return -1;
		}
	}
	return 0;
}
