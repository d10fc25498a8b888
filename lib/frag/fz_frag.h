/*
 * Per-worker fragment table: remembers the ports of IPv4/IPv6 first
 * fragments so that later fragments are accounted to the same flow. Fixed
 * size, allocated once; the oldest entry is overwritten when a slot is taken.
 * No DPDK dependency.
 */
#ifndef FZ_FRAG_H
#define FZ_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "fz_parse.h"

struct fz_frag_table;

/*
 * Create a table of `entries` slots (rounded up to a power of two) whose
 * entries are forgotten `timeout_us` after the first fragment.
 * Returns NULL and sets errno (EINVAL, ENOMEM) on failure.
 */
struct fz_frag_table *fz_frag_table_create(uint32_t entries, uint64_t timeout_us);

void fz_frag_table_free(struct fz_frag_table *t);

/* Remember the ports of a FZ_FRAG_FIRST packet. */
void fz_frag_table_note_first(struct fz_frag_table *t, const struct fz_pkt *pkt, uint64_t now_us);

/*
 * For a FZ_FRAG_LATER packet, fill in pkt->key.port from its first fragment.
 * Returns true when the first fragment was seen (and not timed out); else the
 * packet keeps its port-less key and returns false.
 */
bool fz_frag_table_resolve(struct fz_frag_table *t, struct fz_pkt *pkt, uint64_t now_us);

#endif
