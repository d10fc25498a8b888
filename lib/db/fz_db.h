/*
 * One small interface over SQLite (libsqlite3) and PostgreSQL (libpq) for
 * zooagg's history (docs/fleet.md, "The database"). Statements are written
 * once with $1, $2, ... parameters; every parameter and every value read is
 * text (NULL for SQL NULL), which both databases convert to the column's
 * type. One thread uses one handle.
 */
#ifndef FZ_DB_H
#define FZ_DB_H

#include <stddef.h>

struct fz_db;

/*
 * Open "sqlite:PATH" (created when missing) or "postgresql://..." /
 * "postgres://..." (a libpq connection URI). NULL with the reason in err
 * (a bad URL, a database that cannot be opened or reached).
 */
struct fz_db *fz_db_open(const char *url, char *err, size_t err_cap);
void fz_db_close(struct fz_db *db);

/* "sqlite" or "postgresql". */
const char *fz_db_kind(const struct fz_db *db);

/* Called for each row of a result: 0 to go on, anything else stops and is returned. */
typedef int (*fz_db_row_fn)(void *arg, unsigned ncols, const char *const *vals);

/*
 * Run one statement with n text parameters; rows (if any) go to fn (may be
 * NULL). 0, fn's non-zero value, or -EIO with the message in fz_db_error().
 */
int fz_db_exec(struct fz_db *db, const char *sql, unsigned n, const char *const *params,
               fz_db_row_fn fn, void *arg);

/* A write transaction (SQLite: BEGIN IMMEDIATE, waiting for other writers up to 30 s). */
int fz_db_begin(struct fz_db *db);
int fz_db_commit(struct fz_db *db);
void fz_db_rollback(struct fz_db *db);

/* The last error's message. */
const char *fz_db_error(const struct fz_db *db);

/*
 * The history for zooagg's API (docs/fleet.md, "HTTP API"), as jansson arrays/objects (NULL on
 * a database error): per network and collector the bins stored; the latest `limit` bins at or
 * before bin_start_ms of a network, merged (collector NULL) or one collector's; per-day sums
 * of a network's merged bins (collector NULL) or of one collector's bins; the fleet's zoo
 * (null before any); the latest alerts.
 */
struct json_t;
struct json_t *fz_db_fleet_networks(struct fz_db *db);
struct json_t *fz_db_fleet_bins(struct fz_db *db, const char *network, const char *collector,
                                unsigned limit, unsigned long long bin_start_ms);
/* Each network's latest bin, merged (collector NULL) or one collector's, by network name. */
struct json_t *fz_db_fleet_latest(struct fz_db *db, const char *collector);
struct json_t *fz_db_fleet_daily(struct fz_db *db, const char *network, const char *collector);
struct json_t *fz_db_fleet_zoo(struct fz_db *db);
/* Per day, a network's hosts from its merged bins' top lists (collector NULL) or one
 * collector's: bytes and flows as initiator (src_ip lists) and as responder (dst_ip), the
 * `limit` largest; "lists_exact" when every bin's lists were exact (docs/fleet.md: the sums of
 * a host's appearances in the top-N). */
struct json_t *fz_db_fleet_daily_hosts(struct fz_db *db, const char *network, const char *collector,
                                       unsigned limit);
struct json_t *fz_db_fleet_alerts(struct fz_db *db, unsigned limit);

#endif

/*
 * zooagg's tables (docs/fleet.md, "Schema") and the statements on them.
 * Every write is an upsert on the table's primary key: a redelivered record
 * replaces its row. All return 0 or -EIO (fz_db_error), -ENOMEM.
 */
struct fz_fleet_traffic;
struct fz_fleet_alert;
struct fz_fleet_zoo;

int fz_db_fleet_schema(struct fz_db *db);
int fz_db_fleet_put_traffic(struct fz_db *db, const struct fz_fleet_traffic *t);
/* The collectors' rows of one network and bin, into *rows (n of them; free each with
 * fz_fleet_traffic_clear, then the array). */
int fz_db_fleet_get_bin(struct fz_db *db, const char *network, unsigned long long bin_start_ms,
                        struct fz_fleet_traffic **rows, unsigned *n);
/* A merged bin (closed: complete and given to the fleet baseline). */
int fz_db_fleet_put_merged(struct fz_db *db, const struct fz_fleet_traffic *m, int closed);
int fz_db_fleet_put_alert(struct fz_db *db, const struct fz_fleet_alert *a, const char *record);
struct fz_fleet_flow;
int fz_db_fleet_put_flow(struct fz_db *db, const struct fz_fleet_flow *f, const char *record);
int fz_db_fleet_put_stats(struct fz_db *db, const struct fz_fleet_zoo *z, const char *record);
/* Merge each collector's latest stats record into acc (zeroed) and store the result as the
 * fleet_zoo row "all". */
int fz_db_fleet_merge_zoo(struct fz_db *db, struct fz_fleet_zoo *acc);
/* Delete rows older than before_ms (each collector's latest stats record stays). */
int fz_db_fleet_retention(struct fz_db *db, unsigned long long before_ms);
/* For a network: the closed merged bins of the last `history` (closed_bins gets
 * bin_start_ms, bin_end_ms, flows, packets_in, packets_out, bytes_in, bytes_out, partial),
 * oldest first; then every collector row from the last closed bin on (collectors gets
 * collector, bin_start_ms, bin_end_ms, partial) in bin order. */
int fz_db_fleet_network_state(struct fz_db *db, const char *network, unsigned history,
                              fz_db_row_fn collectors, fz_db_row_fn closed_bins, void *arg);
