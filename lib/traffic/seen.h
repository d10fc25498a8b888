/*
 * What was already reported of flows that crossed a bin boundary, keyed by
 * (worker, flow key, first packet time): the stats lcore's side of the bin
 * reports. Open addressing, backward-shift deletion, grows by doubling.
 */
#ifndef FZ_TRAFFIC_SEEN_H
#define FZ_TRAFFIC_SEEN_H

#include <stdint.h>

#include "fz_record.h"

struct seen_entry {
	struct fz_flow_key key;
	uint16_t worker;
	uint16_t used;
	uint64_t first_us;
	uint64_t packets[2], bytes[2];
};

struct seen {
	struct seen_entry *e;
	uint32_t mask;
	uint32_t n;
};

int seen_init(struct seen *s);
void seen_free(struct seen *s);
/* The entry of rec's flow, or NULL. */
struct seen_entry *seen_find(struct seen *s, const struct fz_flow_rec *rec);
/* Insert or overwrite with rec's counts. 0 or -ENOMEM. */
int seen_put(struct seen *s, const struct fz_flow_rec *rec);
void seen_remove(struct seen *s, struct seen_entry *e);

#endif
