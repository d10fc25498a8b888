/*
 * Memory of a flow table: anonymous, zeroed, 2 MB aligned pages with
 * transparent huge pages asked for (madvise), so that a table of a million
 * flows costs a few hundred page faults as it fills instead of tens of
 * thousands, and lookups miss the TLB far less. Falls back to small pages
 * where THP is off.
 */
#ifndef FZ_TABLE_MEM_H
#define FZ_TABLE_MEM_H

#include <stddef.h>

/* Zeroed memory of at least bytes; NULL on failure. */
void *fz_table_mem_alloc(size_t bytes);

/* Give back what fz_table_mem_alloc(bytes) returned; NULL is allowed. */
void fz_table_mem_free(void *p, size_t bytes);

#endif
