/*
 * The text form of a flow key (the Kafka message key of a flow record, and
 * any ordering key that must not depend on the appliance's struct layout or
 * byte order).
 */
#include <errno.h>
#include <string.h>

#include "fz_record.h"
#include "numfmt.h"

/* Append address end of key. */
static char *put_addr(char *p, const struct fz_flow_key *key, int end)
{
	if (key->ip_version == 4)
		return fz_fmt_ipv4(p, key->addr[end] + 12);
	return fz_fmt_ipv6(p, key->addr[end]);
}

int fz_record_flow_key_text(const struct fz_flow_key *key, char *buf, size_t cap)
{
	/* Longest: 2 x (5-digit vlan, 39-char IPv6, 5-digit port) + proto + separators. */
	char tmp[160], *p = tmp;
	int lo, c;
	size_t n;

	/* The lower end first, comparing address bytes then port. */
	c = memcmp(key->addr[0], key->addr[1], sizeof(key->addr[0]));
	lo = c < 0 || (c == 0 && key->port[0] <= key->port[1]) ? 0 : 1;
	p = fz_fmt_u64(p, key->vlan[0]);
	*p++ = '.';
	p = fz_fmt_u64(p, key->vlan[1]);
	*p++ = '/';
	p = fz_fmt_u64(p, key->proto);
	for (int i = 0; i < 2; i++) {
		int e = i ? !lo : lo;

		*p++ = '/';
		p = put_addr(p, key, e);
		*p++ = '/';
		p = fz_fmt_u64(p, key->port[e]);
	}
	n = (size_t)(p - tmp);
	if (n >= cap)
		return -ENOSPC;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return (int)n;
}
