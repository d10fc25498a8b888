/*
 * Networks: the file, and the lookup table. Each address family's prefixes
 * are painted, shortest first, onto the sorted boundaries of all prefixes
 * (every prefix's first address and the address after its last); the
 * result is a sorted array of interval starts, each with the id of the
 * longest prefix covering it, searched by bisection. A few hundred prefixes
 * make a few kilobytes that stay in a worker's cache, and the lookup runs
 * once per new flow record, not per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_networks.h"

#include "networks_priv.h"

static u128 addr_value(const uint8_t a[16], int v4)
{
	u128 x = 0;

	for (int i = v4 ? 12 : 0; i < 16; i++)
		x = (x << 8) | a[i];
	return x;
}

int fz_networks_parse_prefix(const char *s, uint8_t addr[16], unsigned *len128, int *version,
                             char *err, size_t errlen)
{
	char buf[64], *slash, *end;
	unsigned long len;
	int v4;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL) {
		snprintf(err, errlen, "no /LENGTH");
		return -EINVAL;
	}
	*slash = '\0';
	memset(addr, 0, 16);
	v4 = strchr(buf, ':') == NULL;
	if (v4) {
		addr[10] = addr[11] = 0xff;
		if (inet_pton(AF_INET, buf, addr + 12) != 1) {
			snprintf(err, errlen, "'%s' is not an IPv4 address", buf);
			return -EINVAL;
		}
	} else if (inet_pton(AF_INET6, buf, addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv6 address", buf);
		return -EINVAL;
	}
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno || len > (v4 ? 32u : 128u)) {
		snprintf(err, errlen, "length '%s' is not from 0 to %d", slash + 1, v4 ? 32 : 128);
		return -EINVAL;
	}
	{
		unsigned width = v4 ? 32 : 128;
		u128 v = addr_value(addr, v4);
		u128 host = len == width         ? 0
		            : width - len == 128 ? ~(u128)0
		                                 : (((u128)1 << (width - len)) - 1);
		if (v & host) {
			char net[INET6_ADDRSTRLEN];

			/* Name the network itself: the address with its host bits cleared. */
			v &= ~host;
			for (int i = 15; i >= (v4 ? 12 : 0); i--, v >>= 8)
				addr[i] = (uint8_t)v;
			inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, net, sizeof(net));
			snprintf(err, errlen,
			         "host bits are set (the network is %s/%lu with them zero)", net,
			         len);
			return -EINVAL;
		}
	}
	*len128 = (unsigned)len + (v4 ? 96 : 0);
	*version = v4 ? 4 : 6;
	return 0;
}

static int cmp_u128(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_len(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	return (int)x->len - (int)y->len;
}

/* The index of the last start <= v (starts[0] is 0, so there is one). */
static unsigned bisect(const u128 *starts, unsigned n, u128 v)
{
	unsigned lo = 0, hi = n;

	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;

		if (starts[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int fz_networks_add_prefix(struct prefix *p, const uint8_t addr[16], unsigned len128, int version,
                           uint16_t id)
{
	unsigned width = version == 4 ? 32 : 128, len = len128 - (version == 4 ? 96 : 0);
	u128 host = len == width         ? 0
	            : width - len == 128 ? ~(u128)0
	                                 : (((u128)1 << (width - len)) - 1);

	if (len > width)
		return -EINVAL;
	p->lo = addr_value(addr, version == 4);
	p->hi = p->lo | host;
	p->len = len;
	p->id = id;
	return 0;
}

int fz_networks_build(struct fz_networks *n, int fam, struct prefix *p, unsigned np)
{
	struct family *f = &n->fam[fam];
	u128 top = fam == 0 ? (u128)0xffffffffu : ~(u128)0;
	u128 *b = malloc((2 * (size_t)np + 1) * sizeof(*b));
	uint16_t *ids;
	unsigned nb = 0, k = 0;

	if (b == NULL)
		return -ENOMEM;
	b[nb++] = 0;
	for (unsigned i = 0; i < np; i++) {
		b[nb++] = p[i].lo;
		if (p[i].hi != top)
			b[nb++] = p[i].hi + 1;
	}
	qsort(b, nb, sizeof(*b), cmp_u128);
	for (unsigned i = 0; i < nb; i++)
		if (k == 0 || b[i] != b[k - 1])
			b[k++] = b[i];
	nb = k;
	ids = calloc(nb, sizeof(*ids));
	if (ids == NULL) {
		free(b);
		return -ENOMEM;
	}
	if (np) /* a family without prefixes has p NULL, and qsort's base must not be */
		qsort(p, np, sizeof(*p), cmp_len);
	for (unsigned i = 0; i < np; i++) /* shortest first: longer prefixes paint over */
		for (unsigned j = bisect(b, nb, p[i].lo); j < nb && b[j] <= p[i].hi; j++)
			ids[j] = p[i].id;
	/* Merge neighbours with the same id. */
	k = 0;
	for (unsigned i = 0; i < nb; i++)
		if (k == 0 || ids[i] != ids[k - 1]) {
			b[k] = b[i];
			ids[k++] = ids[i];
		}
	f->starts = b;
	f->ids = ids;
	f->n = k;
	if (fam == 0) {
		f->starts4 = malloc(k * sizeof(*f->starts4));
		if (f->starts4 == NULL)
			return -ENOMEM;
		for (unsigned i = 0; i < k; i++)
			f->starts4[i] = (uint32_t)b[i];
	}
	return 0;
}

uint16_t fz_networks_lookup(const struct fz_networks *n, const uint8_t addr[16], int ip_version)
{
	const struct family *f = &n->fam[ip_version == 4 ? 0 : 1];

	if (f->n == 0)
		return 0;
	if (ip_version == 4) {
		uint32_t v = (uint32_t)addr[12] << 24 | (uint32_t)addr[13] << 16 |
		             (uint32_t)addr[14] << 8 | addr[15];
		unsigned lo = 0, len = f->n;

		/* Branch-free halving: the same steps whatever the address. */
		while (len > 1) {
			unsigned half = len / 2;

			lo = f->starts4[lo + half] <= v ? lo + half : lo;
			len -= half;
		}
		return f->ids[lo];
	}
	return f->ids[bisect(f->starts, f->n, addr_value(addr, 0))];
}

unsigned fz_networks_count(const struct fz_networks *n)
{
	return n->n;
}

const char *const *fz_networks_names(const struct fz_networks *n)
{
	return (const char *const *)n->names;
}

void fz_networks_free(struct fz_networks *n)
{
	if (n == NULL)
		return;
	for (unsigned i = 0; i < n->n; i++)
		free(n->names[i]);
	free(n->names);
	free(n->alerts);
	free(n->ignore);
	for (int f = 0; f < 2; f++) {
		free(n->fam[f].starts);
		free(n->fam[f].starts4);
		free(n->fam[f].ids);
	}
	free(n);
}
