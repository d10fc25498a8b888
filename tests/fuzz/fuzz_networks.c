/*
 * libFuzzer target for the networks file: any bytes either give an error
 * that names the file, or a table whose lookups agree with a brute-force
 * longest-prefix match over the prefixes of the file (read again here with
 * jansson), at the edges of every prefix and at addresses made of the input.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "fz_networks.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef unsigned __int128 u128;

struct pfx {
	u128 lo, hi;
	unsigned len; /* of the family's width */
	int version;
	uint16_t id;
};

#define MAX_PFX 256

static void to_bytes(u128 v, int version, uint8_t a[16])
{
	memset(a, 0, 16);
	if (version == 4)
		a[10] = a[11] = 0xff;
	for (int i = 15; i >= (version == 4 ? 12 : 0); i--, v >>= 8)
		a[i] = (uint8_t)v;
}

/* The brute-force answer: the id of the longest prefix holding v, or 0. */
static uint16_t brute(const struct pfx *p, unsigned np, int version, u128 v)
{
	int best = -1;

	for (unsigned i = 0; i < np; i++)
		if (p[i].version == version && v >= p[i].lo && v <= p[i].hi &&
		    (best < 0 || p[i].len > p[best].len))
			best = (int)i;
	return best < 0 ? 0 : p[best].id;
}

static void check(const struct fz_networks *n, const struct pfx *p, unsigned np, int version,
                  u128 v)
{
	uint8_t a[16];

	to_bytes(v, version, a);
	FUZZ_CHECK(fz_networks_lookup(n, a, version) == brute(p, np, version, v));
}

/* The prefixes the parser accepted, from the same text; MAX_PFX + 1 when
 * there are more than MAX_PFX (then only the parse itself is checked). */
static unsigned read_prefixes(const uint8_t *data, size_t size, struct pfx *p)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL), *arr;
	unsigned np = 0;

	FUZZ_CHECK(root != NULL);
	arr = json_object_get(root, "networks");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *ps = json_object_get(json_array_get(arr, i), "prefixes");

		if (np + json_array_size(ps) > MAX_PFX) {
			np = MAX_PFX + 1;
			break;
		}
		for (size_t k = 0; k < json_array_size(ps); k++) {
			uint8_t a[16];
			unsigned len128, width;
			int version;
			char err[256];

			FUZZ_CHECK(
			    fz_networks_parse_prefix(json_string_value(json_array_get(ps, k)), a,
			                             &len128, &version, err, sizeof(err)) == 0);
			width = version == 4 ? 32 : 128;
			p[np].version = version;
			p[np].len = len128 - (128 - width);
			p[np].lo = 0;
			for (int b = version == 4 ? 12 : 0; b < 16; b++)
				p[np].lo = (p[np].lo << 8) | a[b];
			p[np].hi = p[np].lo | (p[np].len == width ? 0
			                       : p[np].len == 0 && width == 128
			                           ? ~(u128)0
			                           : (((u128)1 << (width - p[np].len)) - 1));
			p[np].id = (uint16_t)(i + 1);
			np++;
		}
	}
	json_decref(root);
	return np;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pfx p[MAX_PFX];
	char err[1024];
	struct fz_networks *n;
	unsigned np;

	if (size > 65536)
		return 0;
	n = fz_networks_parse((const char *)data, size, "f.json", err, sizeof(err));
	if (n == NULL) {
		FUZZ_CHECK(strncmp(err, "f.json", 6) == 0);
		return 0;
	}
	FUZZ_CHECK(fz_networks_count(n) <= FZ_NETWORKS_MAX);
	for (unsigned i = 0; i < fz_networks_count(n); i++) {
		size_t len = strlen(fz_networks_names(n)[i]);

		FUZZ_CHECK(len >= 1 && len <= FZ_NETWORK_NAME_MAX);
	}
	np = read_prefixes(data, size, p);
	if (np > MAX_PFX) {
		fz_networks_free(n);
		return 0;
	}
	for (unsigned i = 0; i < np; i++) {
		u128 top = p[i].version == 4 ? (u128)0xffffffffu : ~(u128)0;

		check(n, p, np, p[i].version, p[i].lo);
		check(n, p, np, p[i].version, p[i].hi);
		if (p[i].lo > 0)
			check(n, p, np, p[i].version, p[i].lo - 1);
		if (p[i].hi < top)
			check(n, p, np, p[i].version, p[i].hi + 1);
	}
	/* Addresses made of the input's bytes, in both families. */
	for (size_t off = 0; off + 16 <= size && off < 256; off += 7) {
		u128 v = 0;

		for (int b = 0; b < 16; b++)
			v = (v << 8) | data[off + b];
		check(n, p, np, 6, v);
		check(n, p, np, 4, v & 0xffffffffu);
	}
	fz_networks_free(n);
	return 0;
}
