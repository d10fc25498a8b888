#include <stdint.h>
#include <sys/mman.h>

#include "table_mem.h"

#define HUGE_PAGE ((size_t)2 << 20)

static size_t round_up(size_t n)
{
	return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *fz_table_mem_alloc(size_t bytes)
{
	size_t len = round_up(bytes), head;
	uint8_t *p;

	if (bytes == 0 || len < bytes)
		return NULL;
	/* Map one huge page more and trim, so that the start is 2 MB aligned. */
	p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (HUGE_PAGE - ((uintptr_t)p & (HUGE_PAGE - 1))) & (HUGE_PAGE - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + len, HUGE_PAGE - head);
	p += head;
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE); /* advice only: small pages where THP is off */
#endif
	return p;
}

void fz_table_mem_free(void *p, size_t bytes)
{
	if (p != NULL)
		munmap(p, round_up(bytes));
}
