/*
 * Health checks: every counter declared with a watch (struct
 * fz_counter_watch) is compared with its value at the last check; when it
 * grew, one "type":"alert" record says so (and a log line), so that a
 * consumer of the telemetry learns about losses without polling the
 * summary. The checks run on the stats lcore's timer and at the end of a
 * run; the record is documented in docs/kafka-schema.md.
 */
#ifndef FZ_HEALTH_H
#define FZ_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "fz_counters.h"
#include "fz_export.h"

struct fz_health;

/* collector: the appliance's id in the records (copied). NULL and errno on failure. */
struct fz_health *fz_health_create(const char *collector);
void fz_health_free(struct fz_health *h);

/*
 * Check every watched counter of snap. For each one that grew: log(log_arg,
 * line) when log is not NULL, and emit(emit_arg, item) with an item of kind
 * FZ_ITEM_ALERT, stream "alerts", keyed by the alert's name. time_ms is the
 * record's "time_ms" (wall clock). Returns how many alerts were raised.
 */
unsigned fz_health_check(struct fz_health *h, const struct fz_counter_snap *snap, uint64_t time_ms,
                         void (*emit)(void *arg, struct fz_item *it), void *emit_arg,
                         void (*log)(void *arg, const char *line), void *log_arg);

/*
 * Take the watched counters of set (by name) in snap as seen, without
 * alerts. After a check, the alerts themselves may have grown a counter
 * (an exporter that cannot write loses the alert records too): rebasing
 * that set keeps one loss from raising an alert at every check forever.
 */
void fz_health_rebase(struct fz_health *h, const struct fz_counter_snap *snap, const char *set);

/* Alerts raised so far. */
uint64_t fz_health_alerts(const struct fz_health *h);

#endif
