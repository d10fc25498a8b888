/*
 * Parsing the appliances' traffic and alert records (docs/traffic.md,
 * docs/alerts.md): every field the fleet uses is checked for its type and
 * range; anything else is refused with a reason naming the field.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet_priv.h"

int fz_fleet__why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (why && cap) {
		va_start(ap, fmt);
		vsnprintf(why, cap, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int fz_fleet__u64(const json_t *o, const char *key, uint64_t *out, char *why, size_t cap)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return fz_fleet__why(why, cap, "'%s' is not an integer", key);
	if (json_integer_value(v) < 0)
		return fz_fleet__why(why, cap, "'%s' is negative", key);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int fz_fleet__str(const json_t *o, const char *key, char *out, size_t out_cap, int empty_ok,
                  char *why, size_t cap)
{
	const json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return fz_fleet__why(why, cap, "'%s' is not a string", key);
	n = json_string_length(v);
	if (n >= out_cap || (n == 0 && !empty_ok) || memchr(json_string_value(v), 0, n))
		return fz_fleet__why(why, cap, "'%s' must be 1 to %zu characters", key,
		                     out_cap - 1);
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

int fz_fleet_u128(const json_t *v, fz_u128 *out)
{
	const char *s;
	fz_u128 r = 0;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return -EINVAL;
		*out = (fz_u128)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 39)
		return -EINVAL;
	for (s = json_string_value(v); *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (r > (~(fz_u128)0 - 9) / 10)
			return -EINVAL;
		r = r * 10 + (fz_u128)(*s - '0');
	}
	*out = r;
	return 0;
}

json_t *fz_fleet__load(const char *buf, size_t len, const char *type, char *why, size_t cap)
{
	json_error_t jerr;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	const json_t *t;

	if (!o) {
		fz_fleet__why(why, cap, "not JSON: %s", jerr.text);
		return NULL;
	}
	t = json_object_get(o, "type");
	if (!json_is_object(o) || !json_is_string(t) || strcmp(json_string_value(t), type) != 0) {
		fz_fleet__why(why, cap, "not a \"type\":\"%s\" record", type);
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A top entry's key in canonical text: an address re-printed, a port as digits. */
static int top_key(const json_t *k, enum fz_fleet_top_list l, char *out)
{
	unsigned char a[16];

	if (l == FZ_FLEET_DST_PORT) {
		if (!json_is_integer(k) || json_integer_value(k) < 0 ||
		    json_integer_value(k) > 65535)
			return -EINVAL;
		snprintf(out, FZ_FLEET_KEY_MAX, "%d", (int)json_integer_value(k));
		return 0;
	}
	if (!json_is_string(k))
		return -EINVAL;
	if (inet_pton(AF_INET, json_string_value(k), a) == 1)
		return inet_ntop(AF_INET, a, out, FZ_FLEET_KEY_MAX) ? 0 : -EINVAL;
	if (inet_pton(AF_INET6, json_string_value(k), a) == 1)
		return inet_ntop(AF_INET6, a, out, FZ_FLEET_KEY_MAX) ? 0 : -EINVAL;
	return -EINVAL;
}

static const char *const list_names[FZ_FLEET__LISTS] = {"src_ip", "dst_ip", "dst_port"};

const char *fz_fleet__list_name(unsigned l)
{
	return list_names[l];
}

int fz_fleet__top_from(struct fz_fleet_traffic *t, const json_t *top, char *why, size_t cap)
{
	if (!json_is_object(top))
		return fz_fleet__why(why, cap, "'top' is not an object");
	for (unsigned l = 0; l < FZ_FLEET__LISTS; l++) {
		const json_t *arr = json_object_get(top, list_names[l]), *e;
		size_t i;

		if (!json_is_array(arr) || json_array_size(arr) > FZ_FLEET_TOP_MAX)
			return fz_fleet__why(why, cap, "'top.%s' is not an array of at most %u",
			                     list_names[l], FZ_FLEET_TOP_MAX);
		free(t->top[l]);
		t->n_top[l] = 0;
		t->top[l] = calloc(json_array_size(arr) + 1, sizeof(*t->top[l]));
		if (!t->top[l])
			return -ENOMEM;
		json_array_foreach(arr, i, e)
		{
			struct fz_fleet_top_entry *te = &t->top[l][i];

			if (!json_is_object(e) || top_key(json_object_get(e, "key"), l, te->key) ||
			    fz_fleet__u64(e, "packets", &te->packets, NULL, 0) ||
			    fz_fleet__u64(e, "bytes", &te->bytes, NULL, 0) ||
			    fz_fleet__u64(e, "flows", &te->flows, NULL, 0))
				return fz_fleet__why(why, cap, "'top.%s[%zu]' is not a top entry",
				                     list_names[l], i);
			t->n_top[l]++;
		}
	}
	return 0;
}

int fz_fleet__apps_from(struct fz_fleet_traffic *t, const json_t *apps, char *why, size_t cap)
{
	const char *name;
	const json_t *a;

	if (!json_is_object(apps) || json_object_size(apps) > 4096)
		return fz_fleet__why(why, cap, "'apps' is not an object");
	free(t->apps);
	t->n_apps = 0;
	t->apps = calloc(json_object_size(apps) + 1, sizeof(*t->apps));
	if (!t->apps)
		return -ENOMEM;
	json_object_foreach((json_t *)apps, name, a)
	{
		struct fz_fleet_app *fa = &t->apps[t->n_apps];

		if (strlen(name) == 0 || strlen(name) > FZ_FLEET_NAME_MAX || !json_is_object(a) ||
		    fz_fleet__u64(a, "flows", &fa->flows, NULL, 0) ||
		    fz_fleet__u64(a, "packets", &fa->packets, NULL, 0) ||
		    fz_fleet__u64(a, "bytes", &fa->bytes, NULL, 0))
			return fz_fleet__why(why, cap, "'apps' entry '%.64s' is malformed", name);
		strcpy(fa->name, name);
		t->n_apps++;
	}
	return 0;
}

void fz_fleet_traffic_clear(struct fz_fleet_traffic *t)
{
	free(t->apps);
	for (unsigned l = 0; l < FZ_FLEET__LISTS; l++)
		free(t->top[l]);
	memset(t, 0, sizeof(*t));
}

int fz_fleet_traffic_parse(const char *buf, size_t len, struct fz_fleet_traffic *t, char *why,
                           size_t cap)
{
	static const char *const u64s[] = {"bin_start_ms", "bin_end_ms",  "packets_in",
	                                   "bytes_in",     "packets_out", "bytes_out",
	                                   "flows",        "flows_new",   "top_error_bytes"};
	uint64_t *dst[] = {&t->bin_start_ms, &t->bin_end_ms,  &t->packets_in,
	                   &t->bytes_in,     &t->packets_out, &t->bytes_out,
	                   &t->flows,        &t->flows_new,   &t->top_error_bytes};
	json_t *o;
	int rc;

	memset(t, 0, sizeof(*t));
	o = fz_fleet__load(buf, len, "traffic", why, cap);
	if (!o)
		return -EINVAL;
	rc = fz_fleet__str(o, "collector", t->collector, sizeof(t->collector), 0, why, cap);
	if (!rc)
		rc = fz_fleet__str(o, "network", t->network, sizeof(t->network), 0, why, cap);
	for (unsigned i = 0; !rc && i < sizeof(u64s) / sizeof(u64s[0]); i++)
		rc = fz_fleet__u64(o, u64s[i], dst[i], why, cap);
	if (!rc && t->bin_end_ms <= t->bin_start_ms)
		rc = fz_fleet__why(why, cap, "'bin_end_ms' is not after 'bin_start_ms'");
	if (!rc && (!json_is_boolean(json_object_get(o, "top_exact")) ||
	            !json_is_boolean(json_object_get(o, "partial"))))
		rc = fz_fleet__why(why, cap, "'top_exact' or 'partial' is not a boolean");
	if (!rc) {
		t->top_exact = json_is_true(json_object_get(o, "top_exact"));
		t->partial = json_is_true(json_object_get(o, "partial"));
		rc = fz_fleet__apps_from(t, json_object_get(o, "apps"), why, cap);
	}
	if (!rc)
		rc = fz_fleet__top_from(t, json_object_get(o, "top"), why, cap);
	t->collectors = 1;
	json_decref(o);
	return rc;
}

int fz_fleet_alert_parse(const char *buf, size_t len, struct fz_fleet_alert *a, char *why,
                         size_t cap)
{
	json_t *o;
	int rc;

	memset(a, 0, sizeof(*a));
	o = fz_fleet__load(buf, len, "alert", why, cap);
	if (!o)
		return -EINVAL;
	rc = fz_fleet__str(o, "collector", a->collector, sizeof(a->collector), 0, why, cap);
	if (!rc)
		rc = fz_fleet__str(o, "alert", a->alert, sizeof(a->alert), 0, why, cap);
	if (!rc)
		rc = fz_fleet__str(o, "severity", a->severity, sizeof(a->severity), 0, why, cap);
	if (!rc)
		rc = fz_fleet__u64(o, "time_ms", &a->time_ms, why, cap);
	/* A baseline alert names its network and series; a loss alert has none of these. */
	if (!rc && json_object_get(o, "network"))
		rc = fz_fleet__str(o, "network", a->network, sizeof(a->network), 0, why, cap);
	if (!rc && json_object_get(o, "metric"))
		rc = fz_fleet__str(o, "metric", a->metric, sizeof(a->metric), 0, why, cap);
	if (!rc && json_object_get(o, "direction"))
		rc = fz_fleet__str(o, "direction", a->direction, sizeof(a->direction), 0, why, cap);
	if (!rc && json_object_get(o, "state"))
		rc = fz_fleet__str(o, "state", a->state, sizeof(a->state), 0, why, cap);
	if (!rc && json_object_get(o, "start_ms"))
		rc = fz_fleet__u64(o, "start_ms", &a->start_ms, why, cap);
	if (!rc && json_object_get(o, "value"))
		rc = fz_fleet__u64(o, "value", &a->value, why, cap);
	if (!rc && !json_object_get(o, "value") && json_object_get(o, "delta"))
		rc = fz_fleet__u64(o, "delta", &a->value, why, cap);
	json_decref(o);
	return rc;
}

int fz_fleet_flow_parse(const char *buf, size_t len, struct fz_fleet_flow *f, char *why, size_t cap)
{
	static const char *const u64s[] = {"flow_id", "first_ms", "last_ms",  "packets",
	                                   "bytes",   "src_port", "dst_port", "ip_proto"};
	uint64_t *dst[] = {&f->flow_id, &f->first_ms, &f->last_ms,  &f->packets,
	                   &f->bytes,   &f->src_port, &f->dst_port, &f->ip_proto};
	json_t *o;
	int rc;

	memset(f, 0, sizeof(*f));
	o = fz_fleet__load(buf, len, "flow", why, cap);
	if (!o)
		return -EINVAL;
	rc = fz_fleet__str(o, "collector", f->collector, sizeof(f->collector), 0, why, cap);
	if (!rc)
		rc = fz_fleet__str(o, "app", f->app, sizeof(f->app), 0, why, cap);
	for (unsigned i = 0; !rc && i < sizeof(u64s) / sizeof(u64s[0]); i++)
		rc = fz_fleet__u64(o, u64s[i], dst[i], why, cap);
	if (!rc && (top_key(json_object_get(o, "src_ip"), FZ_FLEET_SRC_IP, f->src_ip) ||
	            top_key(json_object_get(o, "dst_ip"), FZ_FLEET_DST_IP, f->dst_ip)))
		rc = fz_fleet__why(why, cap, "'src_ip' or 'dst_ip' is not an address");
	if (!rc && (f->src_port > 65535 || f->dst_port > 65535 || f->ip_proto > 255))
		rc = fz_fleet__why(why, cap, "a port or 'ip_proto' is out of range");
	if (!rc && !json_is_null(json_object_get(o, "src_network")))
		rc = fz_fleet__str(o, "src_network", f->src_network, sizeof(f->src_network), 0, why,
		                   cap);
	if (!rc && !json_is_null(json_object_get(o, "dst_network")))
		rc = fz_fleet__str(o, "dst_network", f->dst_network, sizeof(f->dst_network), 0, why,
		                   cap);
	json_decref(o);
	return rc;
}

int fz_fleet_alert_identity(const struct fz_fleet_alert *a, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s|%s|%s|%s|%s|%s|%llu|%llu", a->collector, a->alert,
	                 a->network, a->metric, a->direction, a->state,
	                 (unsigned long long)a->start_ms, (unsigned long long)a->time_ms);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}
