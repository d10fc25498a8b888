/*
 * zooagg's schema and statements (docs/fleet.md, "Schema" and "Queries").
 * The same SQL runs on SQLite and PostgreSQL: BIGINT and TEXT columns,
 * INSERT ... ON CONFLICT ... DO UPDATE (SQLite >= 3.24), $N parameters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_db.h"
#include "fz_fleet.h"

#define FIGURES                                                                                    \
	"bin_end_ms BIGINT NOT NULL, packets_in BIGINT NOT NULL, bytes_in BIGINT NOT NULL, "       \
	"packets_out BIGINT NOT NULL, bytes_out BIGINT NOT NULL, flows BIGINT NOT NULL, "          \
	"flows_new BIGINT NOT NULL, apps TEXT NOT NULL, top TEXT NOT NULL, "                       \
	"top_exact INTEGER NOT NULL, top_error_bytes BIGINT NOT NULL, partial INTEGER NOT NULL"

static const char *const schema[] = {
    "CREATE TABLE IF NOT EXISTS traffic (collector TEXT NOT NULL, network TEXT NOT NULL, "
    "bin_start_ms BIGINT NOT NULL, " FIGURES ", PRIMARY KEY (collector, network, bin_start_ms))",
    "CREATE INDEX IF NOT EXISTS traffic_bin ON traffic (network, bin_start_ms)",
    "CREATE TABLE IF NOT EXISTS fleet_traffic (network TEXT NOT NULL, "
    "bin_start_ms BIGINT NOT NULL, " FIGURES ", collectors INTEGER NOT NULL, "
    "closed INTEGER NOT NULL, PRIMARY KEY (network, bin_start_ms))",
    "CREATE TABLE IF NOT EXISTS alerts (identity TEXT PRIMARY KEY, collector TEXT NOT NULL, "
    "alert TEXT NOT NULL, network TEXT NOT NULL, metric TEXT NOT NULL, "
    "direction TEXT NOT NULL, state TEXT NOT NULL, severity TEXT NOT NULL, "
    "start_ms BIGINT NOT NULL, time_ms BIGINT NOT NULL, value BIGINT NOT NULL, "
    "record TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS alerts_time ON alerts (time_ms)",
    "CREATE TABLE IF NOT EXISTS zoo_stats (collector TEXT NOT NULL, "
    "interval_start_ms BIGINT NOT NULL, interval_end_ms BIGINT NOT NULL, "
    "flows BIGINT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (collector, interval_start_ms))",
    "CREATE TABLE IF NOT EXISTS flows (collector TEXT NOT NULL, flow_id BIGINT NOT NULL, "
    "first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL, src_ip TEXT NOT NULL, "
    "src_port INTEGER NOT NULL, dst_ip TEXT NOT NULL, dst_port INTEGER NOT NULL, "
    "ip_proto INTEGER NOT NULL, packets BIGINT NOT NULL, bytes BIGINT NOT NULL, "
    "app TEXT NOT NULL, src_network TEXT, dst_network TEXT, record TEXT NOT NULL, "
    "PRIMARY KEY (collector, flow_id, first_ms))",
    "CREATE TABLE IF NOT EXISTS fleet_zoo (scope TEXT PRIMARY KEY, collectors INTEGER NOT NULL, "
    "interval_end_ms BIGINT NOT NULL, record TEXT NOT NULL)",
};

/* In one transaction; on PostgreSQL under an advisory lock, because two members creating
 * the same table at once make one fail (CREATE TABLE IF NOT EXISTS is not atomic there). */
int fz_db_fleet_schema(struct fz_db *db)
{
	int rc = fz_db_begin(db);

	if (!rc && strcmp(fz_db_kind(db), "postgresql") == 0)
		rc = fz_db_exec(db, "SELECT pg_advisory_xact_lock(2101)", 0, NULL, NULL, NULL);
	for (unsigned i = 0; !rc && i < sizeof(schema) / sizeof(schema[0]); i++)
		rc = fz_db_exec(db, schema[i], 0, NULL, NULL, NULL);
	if (!rc)
		return fz_db_commit(db);
	fz_db_rollback(db);
	return rc;
}

#define U64(buf, v) (snprintf((buf), sizeof(buf), "%" PRIu64, (uint64_t)(v)), (buf))

#define FIGURE_COLS                                                                                \
	"bin_end_ms, packets_in, bytes_in, packets_out, bytes_out, flows, flows_new, apps, top, "  \
	"top_exact, top_error_bytes, partial"
#define FIGURE_SET                                                                                 \
	"bin_end_ms = excluded.bin_end_ms, packets_in = excluded.packets_in, "                     \
	"bytes_in = excluded.bytes_in, packets_out = excluded.packets_out, "                       \
	"bytes_out = excluded.bytes_out, flows = excluded.flows, flows_new = excluded.flows_new, " \
	"apps = excluded.apps, top = excluded.top, top_exact = excluded.top_exact, "               \
	"top_error_bytes = excluded.top_error_bytes, partial = excluded.partial"

/* The row's values after the key: FIGURE_COLS in order, plus extra ones. */
static int put_figures(struct fz_db *db, const char *sql, const char *k0, const char *k1,
                       const struct fz_fleet_traffic *t, const char *x0, const char *x1)
{
	char v[13][24];
	char *apps = fz_fleet_traffic_apps_json(t), *top = fz_fleet_traffic_top_json(t);
	const char *p[18];
	unsigned n = 0;
	int rc = -ENOMEM;

	if (apps && top) {
		if (k0)
			p[n++] = k0;
		p[n++] = k1;
		p[n++] = U64(v[0], t->bin_start_ms);
		p[n++] = U64(v[1], t->bin_end_ms);
		p[n++] = U64(v[2], t->packets_in);
		p[n++] = U64(v[3], t->bytes_in);
		p[n++] = U64(v[4], t->packets_out);
		p[n++] = U64(v[5], t->bytes_out);
		p[n++] = U64(v[6], t->flows);
		p[n++] = U64(v[7], t->flows_new);
		p[n++] = apps;
		p[n++] = top;
		p[n++] = U64(v[8], t->top_exact);
		p[n++] = U64(v[9], t->top_error_bytes);
		p[n++] = U64(v[10], t->partial);
		if (x0)
			p[n++] = x0;
		if (x1)
			p[n++] = x1;
		rc = fz_db_exec(db, sql, n, p, NULL, NULL);
	}
	free(apps);
	free(top);
	return rc;
}

int fz_db_fleet_put_traffic(struct fz_db *db, const struct fz_fleet_traffic *t)
{
	return put_figures(
	    db,
	    "INSERT INTO traffic (collector, network, bin_start_ms, " FIGURE_COLS
	    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
	    "$15) ON CONFLICT (collector, network, bin_start_ms) DO UPDATE SET " FIGURE_SET,
	    t->collector, t->network, t, NULL, NULL);
}

int fz_db_fleet_put_merged(struct fz_db *db, const struct fz_fleet_traffic *m, int closed)
{
	char c[24], cl[4];

	return put_figures(db,
	                   "INSERT INTO fleet_traffic (network, bin_start_ms, " FIGURE_COLS
	                   ", collectors, closed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	                   "$11, $12, $13, $14, $15, $16) ON CONFLICT (network, bin_start_ms) DO "
	                   "UPDATE SET " FIGURE_SET ", collectors = excluded.collectors, "
	                   "closed = CASE WHEN fleet_traffic.closed > excluded.closed THEN "
	                   "fleet_traffic.closed ELSE excluded.closed END",
	                   NULL, m->network, m, U64(c, m->collectors), U64(cl, closed ? 1 : 0));
}

struct rows {
	struct fz_fleet_traffic *r;
	unsigned n, cap;
	int err;
};

static uint64_t num(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

/* collector, network, bin_start_ms, FIGURE_COLS */
static int bin_row(void *arg, unsigned nc, const char *const *v)
{
	struct rows *r = arg;
	struct fz_fleet_traffic *t;

	if (nc < 15)
		return -EIO;
	if (r->n == r->cap) {
		unsigned cap = r->cap ? 2 * r->cap : 4;
		struct fz_fleet_traffic *n = realloc(r->r, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->r = n;
		r->cap = cap;
	}
	t = &r->r[r->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->collector, sizeof(t->collector), "%s", v[0] ? v[0] : "");
	snprintf(t->network, sizeof(t->network), "%s", v[1] ? v[1] : "");
	t->bin_start_ms = num(v[2]);
	t->bin_end_ms = num(v[3]);
	t->packets_in = num(v[4]);
	t->bytes_in = num(v[5]);
	t->packets_out = num(v[6]);
	t->bytes_out = num(v[7]);
	t->flows = num(v[8]);
	t->flows_new = num(v[9]);
	t->top_exact = (int)num(v[12]);
	t->top_error_bytes = num(v[13]);
	t->partial = (int)num(v[14]);
	t->collectors = 1;
	if (!v[10] || !v[11] || fz_fleet_traffic_set_apps(t, v[10]) ||
	    fz_fleet_traffic_set_top(t, v[11]))
		return -EIO;
	return 0;
}

int fz_db_fleet_get_bin(struct fz_db *db, const char *network, unsigned long long bin_start_ms,
                        struct fz_fleet_traffic **rows, unsigned *n)
{
	struct rows r = {0};
	char b[24];
	const char *p[2] = {network, U64(b, bin_start_ms)};
	int rc = fz_db_exec(db,
	                    "SELECT collector, network, bin_start_ms, " FIGURE_COLS
	                    " FROM traffic WHERE network = $1 AND bin_start_ms = $2 "
	                    "ORDER BY collector",
	                    2, p, bin_row, &r);

	if (rc) {
		for (unsigned i = 0; i < r.n; i++)
			fz_fleet_traffic_clear(&r.r[i]);
		free(r.r);
		return rc;
	}
	*rows = r.r;
	*n = r.n;
	return 0;
}

int fz_db_fleet_put_alert(struct fz_db *db, const struct fz_fleet_alert *a, const char *record)
{
	char id[512], s[24], t[24], v[24];
	const char *p[12] = {id,
	                     a->collector,
	                     a->alert,
	                     a->network,
	                     a->metric,
	                     a->direction,
	                     a->state,
	                     a->severity,
	                     U64(s, a->start_ms),
	                     U64(t, a->time_ms),
	                     U64(v, a->value),
	                     record};

	if (fz_fleet_alert_identity(a, id, sizeof(id)))
		return -EINVAL;
	return fz_db_exec(db,
	                  "INSERT INTO alerts (identity, collector, alert, network, metric, "
	                  "direction, state, severity, start_ms, time_ms, value, record) VALUES "
	                  "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT "
	                  "(identity) DO UPDATE SET severity = excluded.severity, "
	                  "value = excluded.value, record = excluded.record",
	                  12, p, NULL, NULL);
}

int fz_db_fleet_put_flow(struct fz_db *db, const struct fz_fleet_flow *f, const char *record)
{
	char v[8][24];
	const char *p[15] = {f->collector,
	                     U64(v[0], f->flow_id),
	                     U64(v[1], f->first_ms),
	                     U64(v[2], f->last_ms),
	                     f->src_ip,
	                     U64(v[3], f->src_port),
	                     f->dst_ip,
	                     U64(v[4], f->dst_port),
	                     U64(v[5], f->ip_proto),
	                     U64(v[6], f->packets),
	                     U64(v[7], f->bytes),
	                     f->app,
	                     f->src_network[0] ? f->src_network : NULL,
	                     f->dst_network[0] ? f->dst_network : NULL,
	                     record};

	return fz_db_exec(
	    db,
	    "INSERT INTO flows (collector, flow_id, first_ms, last_ms, src_ip, src_port, "
	    "dst_ip, dst_port, ip_proto, packets, bytes, app, src_network, dst_network, "
	    "record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	    "$14, $15) ON CONFLICT (collector, flow_id, first_ms) DO UPDATE SET "
	    "last_ms = excluded.last_ms, packets = excluded.packets, "
	    "bytes = excluded.bytes, record = excluded.record",
	    15, p, NULL, NULL);
}

int fz_db_fleet_put_stats(struct fz_db *db, const struct fz_fleet_zoo *z, const char *record)
{
	char s[24], e[24], f[24];
	const char *p[5] = {z->collector, U64(s, z->interval_start_ms), U64(e, z->interval_end_ms),
	                    U64(f, z->total.flows), record};

	return fz_db_exec(
	    db,
	    "INSERT INTO zoo_stats (collector, interval_start_ms, interval_end_ms, "
	    "flows, record) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (collector, "
	    "interval_start_ms) DO UPDATE SET interval_end_ms = "
	    "excluded.interval_end_ms, flows = excluded.flows, record = excluded.record",
	    5, p, NULL, NULL);
}

static int zoo_row(void *arg, unsigned nc, const char *const *v)
{
	struct fz_fleet_zoo z;
	int rc;

	if (nc < 1 || !v[0])
		return -EIO;
	rc = fz_fleet_zoo_parse(v[0], strlen(v[0]), &z, NULL, 0);
	if (!rc)
		rc = fz_fleet_zoo_add(arg, &z);
	fz_fleet_zoo_clear(&z);
	return rc ? -EIO : 0;
}

int fz_db_fleet_merge_zoo(struct fz_db *db, struct fz_fleet_zoo *acc)
{
	char c[24], e[24];
	char *json;
	int rc =
	    fz_db_exec(db,
	               "SELECT record FROM zoo_stats z WHERE interval_end_ms = (SELECT "
	               "MAX(interval_end_ms) FROM zoo_stats y WHERE y.collector = z.collector) "
	               "ORDER BY collector",
	               0, NULL, zoo_row, acc);
	const char *p[3];

	if (rc)
		return rc;
	json = fz_fleet_zoo_json(acc);
	if (!json)
		return -ENOMEM;
	p[0] = U64(c, acc->collectors);
	p[1] = U64(e, acc->interval_end_ms);
	p[2] = json;
	rc = fz_db_exec(db,
	                "INSERT INTO fleet_zoo (scope, collectors, interval_end_ms, record) VALUES "
	                "('all', $1, $2, $3) ON CONFLICT (scope) DO UPDATE SET collectors = "
	                "excluded.collectors, interval_end_ms = excluded.interval_end_ms, "
	                "record = excluded.record",
	                3, p, NULL, NULL);
	free(json);
	return rc;
}

int fz_db_fleet_retention(struct fz_db *db, unsigned long long before_ms)
{
	static const char *const del[] = {
	    "DELETE FROM traffic WHERE bin_end_ms < $1",
	    "DELETE FROM fleet_traffic WHERE bin_end_ms < $1",
	    "DELETE FROM alerts WHERE time_ms < $1",
	    "DELETE FROM flows WHERE last_ms < $1",
	    "DELETE FROM zoo_stats WHERE interval_end_ms < $1 AND interval_end_ms < (SELECT "
	    "MAX(interval_end_ms) FROM zoo_stats y WHERE y.collector = zoo_stats.collector)",
	};
	char b[24];
	const char *p[1] = {U64(b, before_ms)};

	for (unsigned i = 0; i < sizeof(del) / sizeof(del[0]); i++) {
		int rc = fz_db_exec(db, del[i], 1, p, NULL, NULL);

		if (rc)
			return rc;
	}
	return 0;
}

int fz_db_fleet_network_state(struct fz_db *db, const char *network, unsigned history,
                              fz_db_row_fn collectors, fz_db_row_fn closed_bins, void *arg)
{
	char h[24];
	const char *p[2] = {network, U64(h, history)};
	int rc = fz_db_exec(db,
	                    "SELECT bin_start_ms, bin_end_ms, flows, packets_in, packets_out, "
	                    "bytes_in, bytes_out, partial FROM (SELECT * FROM fleet_traffic WHERE "
	                    "network = $1 AND closed = 1 ORDER BY bin_start_ms DESC LIMIT $2) AS h "
	                    "ORDER BY bin_start_ms",
	                    2, p, closed_bins, arg);

	if (rc)
		return rc;
	return fz_db_exec(db,
	                  "SELECT collector, bin_start_ms, bin_end_ms, partial FROM traffic WHERE "
	                  "network = $1 AND bin_start_ms >= (SELECT COALESCE(MAX(bin_start_ms), 0) "
	                  "FROM fleet_traffic WHERE network = $1 AND closed = 1) "
	                  "ORDER BY bin_start_ms, collector",
	                  1, p, collectors, arg);
}
