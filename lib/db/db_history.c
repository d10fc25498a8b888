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

json_t *fz_db_fleet_daily(struct fz_db *db, const char *network)
{
	static const char *const names[] = {"network",     "day_ms",    "packets_in", "bytes_in",
	                                    "packets_out", "bytes_out", "flows",      "bins"};
	static const enum col types[] = {C_STR, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT, C_INT};
	const char *p[1] = {network};

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
