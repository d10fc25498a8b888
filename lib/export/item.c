/* Items: their JSON text, made once on first demand. */
#include <errno.h>
#include <stdlib.h>

#include "fz_export.h"

const char *const fz_item_kind_names[FZ_ITEM__COUNT] = {
    [FZ_ITEM_FLOW] = "flow",
    [FZ_ITEM_STATS] = "stats",
    [FZ_ITEM_ALERT] = "alert",
    [FZ_ITEM_TRAFFIC] = "traffic",
};

/*
 * A buffer's first size: room for a stats record of many applications (11.6 kB with the
 * seven of flowzoo's signatures) at the first try. Each try encodes the record again, and
 * the zoo's stats record is built in jansson (about 3 M instructions), so starting at 4 kB
 * cost two extra builds at the first record: in a short offline run, 6 of its 70 M
 * instructions.
 */
#define FIRST_CAP 65536

int fz_item_json(struct fz_item *it, const char **json, size_t *len)
{
	struct fz_json_buf *b = it->jbuf;
	int n;

	if (it->json_rc == 0) {
		if (it->encode == NULL || b == NULL) {
			it->json_rc = -EINVAL;
		} else {
			for (;;) {
				n = b->cap ? it->encode(it, it->encode_arg, b->buf, b->cap)
				           : -ENOSPC;
				if (n != -ENOSPC || b->cap >= b->max)
					break;
				size_t cap = b->cap ? b->cap * 2 : FIRST_CAP;
				char *bigger = realloc(b->buf, cap > b->max ? b->max : cap);

				if (bigger == NULL) {
					n = -ENOMEM;
					break;
				}
				b->buf = bigger;
				b->cap = cap > b->max ? b->max : cap;
			}
			if (n >= 0) {
				it->json = b->buf;
				it->len = (size_t)n;
				it->json_rc = 1;
			} else {
				it->json_rc = n;
			}
		}
	}
	if (it->json_rc < 0)
		return it->json_rc;
	*json = it->json;
	*len = it->len;
	return 0;
}

int fz_item_dump_json(const json_t *o, char *buf, size_t cap)
{
	size_t n = o ? json_dumpb(o, buf, cap, JSON_COMPACT) : 0;

	if (n == 0)
		return -ENOMEM;
	if (n >= cap)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}
