/*
 * The fleet's history as JSON for zooagg's API (docs/fleet.md, "HTTP API"):
 * read-only queries over the tables of db_fleet.c. Numbers stored as text
 * come back as JSON integers; the apps, top and record columns as the JSON
 * they hold.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_db.h"

/* How each column of a query becomes JSON. */
enum col { C_STR, C_INT, C_JSON };

struct table {
	const char *const *names;
	const enum col *types;
	unsigned n;
	json_t *rows;
};

static int table_row(void *arg, unsigned nc, const char *const *v)
{
	struct table *t = arg;
	json_t *o = json_object();

	for (unsigned i = 0; o && i < t->n && i < nc; i++) {
		json_t *x;

		if (!v[i])
			x = json_null();
		else if (t->types[i] == C_INT)
			x = json_integer((json_int_t)strtoll(v[i], NULL, 10));
		else if (t->types[i] == C_JSON)
			x = json_loads(v[i], 0, NULL);
		else
			x = json_string(v[i]);
		json_object_set_new(o, t->names[i], x ? x : json_null());
	}
	return !o || json_array_append_new(t->rows, o) ? -ENOMEM : 0;
}

static json_t *rows(struct fz_db *db, const char *sql, unsigned n, const char *const *p,
                    const char *const *names, const enum col *types, unsigned ncols)
{
	struct table t = {names, types, ncols, json_array()};

	if (!t.rows || fz_db_exec(db, sql, n, p, table_row, &t)) {
		json_decref(t.rows);
		return NULL;
	}
	return t.rows;
}

json_t *fz_db_fleet_networks(struct fz_db *db)
{
	static const char *const names[] = {"network", "collector", "bins", "first_bin_ms",
	                                    "last_bin_ms"};
	static const enum col types[] = {C_STR, C_STR, C_INT, C_INT, C_INT};

	return rows(db,
	            "SELECT network, collector, COUNT(*), MIN(bin_start_ms), MAX(bin_start_ms) "
	            "FROM traffic GROUP BY network, collector ORDER BY network, collector",
	            0, NULL, names, types, 5);
}

#define BIN_NAMES                                                                                  \
	"bin_start_ms", "bin_end_ms", "packets_in", "bytes_in", "packets_out", "bytes_out",        \
	    "flows", "flows_new", "apps", "top", "top_exact", "top_error_bytes", "partial"
#define BIN_TYPES                                                                                  \
	C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_JSON, C_JSON, C_INT, C_INT, C_INT
#define BIN_COLS                                                                                   \
	"bin_start_ms, bin_end_ms, packets_in, bytes_in, packets_out, bytes_out, flows, "          \
	"flows_new, apps, top, top_exact, top_error_bytes, partial"

json_t *fz_db_fleet_bins(struct fz_db *db, const char *network, const char *collector,
                         unsigned limit, unsigned long long bin_start_ms)
{
	static const char *const merged[] = {BIN_NAMES, "collectors", "closed"};
	static const enum col mtypes[] = {BIN_TYPES, C_INT, C_INT};
	static const char *const one[] = {BIN_NAMES, "collector"};
	static const enum col otypes[] = {BIN_TYPES, C_STR};
	char l[24], b[24];
	const char *p[3] = {network, l, b};

	snprintf(l, sizeof(l), "%u", limit);
	snprintf(b, sizeof(b), "%llu", bin_start_ms);
	if (!collector)
		return rows(
		    db,
		    "SELECT " BIN_COLS ", collectors, closed FROM fleet_traffic WHERE "
		    "network = $1 AND bin_start_ms <= $3 ORDER BY bin_start_ms DESC LIMIT $2",
		    3, p, merged, mtypes, 15);
	{
		const char *q[4] = {collector, network, l, b};

		return rows(
		    db,
		    "SELECT " BIN_COLS ", collector FROM traffic WHERE collector = $1 AND "
		    "network = $2 AND bin_start_ms <= $4 ORDER BY bin_start_ms DESC LIMIT $3",
		    4, q, one, otypes, 14);
	}
}

json_t *fz_db_fleet_latest(struct fz_db *db, const char *collector)
{
	static const char *const merged[] = {"network", BIN_NAMES, "collectors", "closed"};
	static const enum col mtypes[] = {C_STR, BIN_TYPES, C_INT, C_INT};
	static const char *const one[] = {"network", BIN_NAMES, "collector"};
	static const enum col otypes[] = {C_STR, BIN_TYPES, C_STR};
	const char *p[1] = {collector};

	if (!collector)
		return rows(db,
		            "SELECT f.network, " BIN_COLS
		            ", collectors, closed FROM fleet_traffic f "
		            "JOIN (SELECT network AS n, MAX(bin_start_ms) AS m FROM fleet_traffic "
		            "GROUP BY network) l ON f.network = l.n AND f.bin_start_ms = l.m "
		            "ORDER BY f.network",
		            0, NULL, merged, mtypes, 16);
	return rows(db,
	            "SELECT t.network, " BIN_COLS ", collector FROM traffic t JOIN (SELECT network "
	            "AS n, MAX(bin_start_ms) AS m FROM traffic WHERE collector = $1 GROUP BY "
	            "network) l ON t.network = l.n AND t.bin_start_ms = l.m WHERE t.collector = $1 "
	            "ORDER BY t.network",
	            1, p, one, otypes, 15);
}

json_t *fz_db_fleet_daily(struct fz_db *db, const char *network, const char *collector)
{
	static const char *const names[] = {"network",     "day_ms",    "packets_in", "bytes_in",
	                                    "packets_out", "bytes_out", "flows",      "bins"};
	static const enum col types[] = {C_STR, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT};
	const char *p[2] = {network, collector};

	if (collector)
		return rows(
		    db,
		    "SELECT network, bin_start_ms / 86400000 * 86400000 AS day_ms, "
		    "SUM(packets_in), SUM(bytes_in), SUM(packets_out), SUM(bytes_out), "
		    "SUM(flows), COUNT(*) FROM traffic WHERE network = $1 AND collector = $2 "
		    "GROUP BY network, day_ms ORDER BY day_ms",
		    2, p, names, types, 8);
	return rows(db,
	            "SELECT network, bin_start_ms / 86400000 * 86400000 AS day_ms, "
	            "SUM(packets_in), SUM(bytes_in), SUM(packets_out), SUM(bytes_out), SUM(flows), "
	            "COUNT(*) FROM fleet_traffic WHERE network = $1 GROUP BY network, day_ms "
	            "ORDER BY day_ms",
	            1, p, names, types, 8);
}

json_t *fz_db_fleet_zoo(struct fz_db *db)
{
	static const char *const names[] = {"record"};
	static const enum col types[] = {C_JSON};
	json_t *r =
	    rows(db, "SELECT record FROM fleet_zoo WHERE scope = 'all'", 0, NULL, names, types, 1);
	json_t *z;

	if (!r)
		return NULL;
	z = json_array_size(r) ? json_incref(json_object_get(json_array_get(r, 0), "record"))
	                       : json_null();
	json_decref(r);
	return z;
}

json_t *fz_db_fleet_alerts(struct fz_db *db, unsigned limit)
{
	static const char *const names[] = {"record"};
	static const enum col types[] = {C_JSON};
	char l[24];
	const char *p[1] = {l};
	json_t *r, *out, *e;
	size_t i;

	snprintf(l, sizeof(l), "%u", limit);
	r = rows(db, "SELECT record FROM alerts ORDER BY time_ms DESC, identity LIMIT $1", 1, p,
	         names, types, 1);
	out = r ? json_array() : NULL;
	json_array_foreach(r, i, e) json_array_append(out, json_object_get(e, "record"));
	json_decref(r);
	return out;
}

/* Per-day host totals from the merged bins' top lists. */
struct hosts {
	json_t *days;  /* day_ms (text) -> {host -> [src_bytes, dst_bytes, src_flows, dst_flows]} */
	json_t *exact; /* day_ms (text) -> true while every bin of the day had exact lists */
};

static void host_add(json_t *day, const json_t *entry, unsigned side)
{
	const char *key = json_string_value(json_object_get(entry, "key"));
	json_t *h;

	if (!key)
		return;
	h = json_object_get(day, key);
	if (!h) {
		h = json_pack("[IIII]", (json_int_t)0, (json_int_t)0, (json_int_t)0, (json_int_t)0);
		json_object_set_new(day, key, h);
	}
	if (!h)
		return;
	json_array_set_new(h, side,
	                   json_integer(json_integer_value(json_array_get(h, side)) +
	                                json_integer_value(json_object_get(entry, "bytes"))));
	json_array_set_new(h, side + 2,
	                   json_integer(json_integer_value(json_array_get(h, side + 2)) +
	                                json_integer_value(json_object_get(entry, "flows"))));
}

/* day_ms, top, top_exact */
static int hosts_row(void *arg, unsigned nc, const char *const *v)
{
	struct hosts *hs = arg;
	json_t *top, *day;

	if (nc < 3 || !v[0] || !v[1])
		return -EIO;
	top = json_loads(v[1], 0, NULL);
	day = json_object_get(hs->days, v[0]);
	if (!day) {
		day = json_object();
		json_object_set_new(hs->days, v[0], day);
		json_object_set_new(hs->exact, v[0], json_true());
	}
	if (strcmp(v[2], "1") != 0)
		json_object_set_new(hs->exact, v[0], json_false());
	for (unsigned side = 0; top && day && side < 2; side++) {
		const json_t *list = json_object_get(top, side ? "dst_ip" : "src_ip"), *e;
		size_t i;

		json_array_foreach(list, i, e) host_add(day, e, side);
	}
	json_decref(top);
	return 0;
}

static int by_host_bytes(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	json_int_t x = json_integer_value(json_object_get(a, "src_bytes")) +
	               json_integer_value(json_object_get(a, "dst_bytes"));
	json_int_t y = json_integer_value(json_object_get(b, "src_bytes")) +
	               json_integer_value(json_object_get(b, "dst_bytes"));

	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(json_string_value(json_object_get(a, "host")),
	              json_string_value(json_object_get(b, "host")));
}

json_t *fz_db_fleet_daily_hosts(struct fz_db *db, const char *network, const char *collector,
                                unsigned limit)
{
	struct hosts hs = {json_object(), json_object()};
	const char *p[2] = {network, collector};
	json_t *out = json_array(), *day;
	const char *day_ms;
	const char *sql = collector ? "SELECT bin_start_ms / 86400000 * 86400000, top, top_exact "
	                              "FROM traffic WHERE network = $1 AND collector = $2 "
	                              "ORDER BY bin_start_ms"
	                            : "SELECT bin_start_ms / 86400000 * 86400000, top, top_exact "
	                              "FROM fleet_traffic WHERE network = $1 ORDER BY bin_start_ms";

	if (!hs.days || !hs.exact || !out ||
	    fz_db_exec(db, sql, collector ? 2 : 1, p, hosts_row, &hs)) {
		json_decref(hs.days);
		json_decref(hs.exact);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(hs.days, day_ms, day)
	{
		size_t n = json_object_size(day), k = 0;
		json_t **list = calloc(n + 1, sizeof(*list)), *h, *arr = json_array();
		const char *host;

		json_object_foreach(day, host, h) list[k++] =
		    json_pack("{sssIsIsIsI}", "host", host, "src_bytes",
		              json_integer_value(json_array_get(h, 0)), "dst_bytes",
		              json_integer_value(json_array_get(h, 1)), "src_flows",
		              json_integer_value(json_array_get(h, 2)), "dst_flows",
		              json_integer_value(json_array_get(h, 3)));
		qsort(list, k, sizeof(*list), by_host_bytes);
		for (size_t i = 0; i < k; i++)
			if (i < limit)
				json_array_append_new(arr, list[i]);
			else
				json_decref(list[i]);
		free(list);
		json_array_append_new(
		    out, json_pack("{sIsOso}", "day_ms", (json_int_t)strtoll(day_ms, NULL, 10),
		                   "lists_exact", json_object_get(hs.exact, day_ms), "hosts", arr));
	}
	json_decref(hs.days);
	json_decref(hs.exact);
	return out;
}
