/* Numbers and addresses as the record encoder writes them (numfmt.c): integers
 * against printf, reals and durations against jansson, addresses against
 * inet_ntop, and the bytes each writer may touch. */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_test.h"
#include "numfmt.h"

/* What jansson prints for the real v with 15 digits. */
static void jansson_real(double v, char *buf, size_t cap)
{
	json_t *j = json_real(v);
	size_t n = json_dumpb(j, buf, cap - 1, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

	buf[n] = '\0';
	json_decref(j);
}

static const char *real15(double v)
{
	static char buf[FZ_NUMFMT_MAX + 1];

	*fz_fmt_real15(buf, v) = '\0';
	return buf;
}

static void test_numfmt_exact(void)
{
	char buf[FZ_NUMFMT_MAX + 1];
	const uint8_t a[4] = {0, 9, 10, 255};

	*fz_fmt_u64(buf, 0) = '\0';
	FZ_CHECK_STR("0", buf);
	*fz_fmt_u64(buf, UINT64_MAX) = '\0';
	FZ_CHECK_STR("18446744073709551615", buf);
	*fz_fmt_u64(buf, 100) = '\0';
	FZ_CHECK_STR("100", buf);
	/*
	 * Every digit count at both of its ends: 10^i is "1" and i zeros, 10^i - 1
	 * is i nines (0, 9, 10, 99, 100, ..., 10^19 - 1, 10^19), written out here
	 * rather than by printf.
	 */
	for (uint64_t lo = 1, i = 0; i <= 19; i++, lo *= 10) {
		char ones[32], nines[32];

		ones[0] = '1';
		memset(ones + 1, '0', i);
		ones[i + 1] = '\0';
		memset(nines, '9', i);
		nines[i] = '\0';
		if (i == 0)
			strcpy(nines, "0");
		*fz_fmt_u64(buf, lo) = '\0';
		FZ_CHECK_STR(ones, buf);
		*fz_fmt_u64(buf, lo - 1) = '\0';
		FZ_CHECK_STR(nines, buf);
	}
	*fz_fmt_u64(buf, 10000000000000000000ULL) = '\0';
	FZ_CHECK_STR("10000000000000000000", buf);
	*fz_fmt_u64(buf, 9999999999999999999ULL) = '\0';
	FZ_CHECK_STR("9999999999999999999", buf);
	*fz_fmt_ipv4(buf, a) = '\0';
	FZ_CHECK_STR("0.9.10.255", buf);
	FZ_CHECK_STR("0.0", real15(0));
	FZ_CHECK_STR("-0.0", real15(-0.0));
	FZ_CHECK_STR("2.500001", real15(2500001 / 1e6));
	FZ_CHECK_STR("15000.0", real15(15000));
	FZ_CHECK_STR("0.0001", real15(100 / 1e6));
	FZ_CHECK_STR("5e-6", real15(5 / 1e6));
	FZ_CHECK_STR("1.2e-5", real15(12 / 1e6));
	FZ_CHECK_STR("1e15", real15(1e15));
	FZ_CHECK_STR("123456789012345.0", real15(123456789012345.0));
	FZ_CHECK_STR("1e20", real15(1e20)); /* the snprintf path */
	FZ_CHECK_STR("1e-300", real15(1e-300));
	FZ_CHECK_STR("0.333333333333333", real15(1.0 / 3));
	FZ_CHECK_STR("10.0", real15(9.9999999999999999));
	FZ_CHECK_STR("-1234.5", real15(-1234.5));
	FZ_CHECK_STR("null", real15(NAN));
	FZ_CHECK_STR("null", real15(INFINITY));
}

/* Integers at every digit-count boundary and at random print as printf prints them. */
static void test_numfmt_u64_vs_printf(void)
{
	char got[FZ_NUMFMT_MAX + 1], want[32];
	unsigned bad = 0;
	uint64_t p10 = 1;

	for (int k = 0; k < 20; k++, p10 *= 10) {
		const uint64_t vs[3] = {p10 - 1, p10, p10 + 1};

		for (int j = 0; j < 3; j++) {
			*fz_fmt_u64(got, vs[j]) = '\0';
			snprintf(want, sizeof(want), "%llu", (unsigned long long)vs[j]);
			bad += strcmp(got, want) != 0;
		}
	}
	srand(11);
	for (int i = 0; i < 300000; i++) {
		uint64_t v = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();

		v >>= rand() % 64;
		*fz_fmt_u64(got, v) = '\0';
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		bad += strcmp(got, want) != 0;
	}
	*fz_fmt_u64(got, UINT64_MAX) = '\0';
	FZ_CHECK_STR("18446744073709551615", got);
	FZ_CHECK_INT(0, bad);
	bad = 0;
	/*
	 * Around the 10^8 and 10^16 splits: every part at its ends (0, 1, one
	 * digit, 10^4 - 1, 10^4, 10^8 - 1), so a chunk of zeros, a chunk of
	 * nines and a short leading part each show up.
	 */
	{
		static const uint64_t part[] = {0,    1,     9,     10,       99,      100,
		                                9999, 10000, 10001, 12345678, 99999999};
		static const uint64_t top[] = {0, 1, 9, 10, 999, 1000, 1843, 1844};
		const size_t np = sizeof(part) / sizeof(part[0]);

		for (size_t t = 0; t < sizeof(top) / sizeof(top[0]); t++)
			for (size_t i = 0; i < np; i++)
				for (size_t j = 0; j < np; j++) {
					uint64_t v = top[t] * 10000000000000000ULL +
					             part[i] * 100000000ULL + part[j];

					if (top[t] == 1844 && v < 1844ULL * 10000000000000000ULL)
						continue; /* wrapped past UINT64_MAX */
					for (int d = -1; d <= 1; d++) {
						*fz_fmt_u64(got, v + (uint64_t)d) = '\0';
						snprintf(want, sizeof(want), "%llu",
						         (unsigned long long)(v + (uint64_t)d));
						bad += strcmp(got, want) != 0;
					}
				}
	}
	FZ_CHECK_INT(0, bad);
}

/* Only the digits are written: the byte after the end keeps its value. */
static void test_numfmt_u64_writes_only_digits(void)
{
	uint64_t seed = 3;
	unsigned bad = 0;

	for (int i = 0; i < 20000; i++) {
		char buf[FZ_NUMFMT_MAX + 8], *end;
		uint64_t v = fz_test_rand(&seed) >> (i % 64);

		memset(buf, '#', sizeof(buf));
		end = fz_fmt_u64(buf, v);
		for (char *q = end; q < buf + sizeof(buf); q++)
			bad += *q != '#';
	}
	FZ_CHECK_INT(0, bad);
}

/* IPv4 text against inet_ntop: every octet value in every place, then random addresses
 * rich in one-digit octets; nothing is written past the text. */
static void test_numfmt_ipv4(void)
{
	uint64_t seed = 8;
	unsigned bad = 0;

	for (int i = 0; i < 4 * 256 * 8; i++) {
		char got[32], want[32], *end;
		uint8_t a[4];
		uint64_t r = fz_test_rand(&seed);

		for (int k = 0; k < 4; k++, r >>= 16) /* a digit, two, or three */
			a[k] = (uint8_t)((r & 3) == 0 ? r % 10 : (r & 3) == 1 ? r % 100 : r >> 8);
		if (i < 4 * 256)
			a[i % 4] = (uint8_t)(i / 4);
		memset(got, '#', sizeof(got));
		end = fz_fmt_ipv4(got, a);
		for (char *q = end; q < got + sizeof(got); q++)
			bad += *q != '#';
		*end = '\0';
		inet_ntop(AF_INET, a, want, sizeof(want));
		if (strcmp(want, got) != 0 && bad++ < 5)
			FZ_CHECK_STR(want, got);
	}
	FZ_CHECK_INT(0, bad);
}

/* IPv6 text: exact strings for each rule, then random addresses rich in zero groups and
 * ffff against libc's inet_ntop. */
static void test_numfmt_ipv6(void)
{
	static const struct {
		uint8_t a[16];
		const char *text;
	} cases[] = {
	    {{0}, "::"},
	    {{[15] = 1}, "::1"},
	    {{0x20, 0x01, 0x0d, 0xb8, [15] = 1}, "2001:db8::1"},
	    {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, "2001:db8:0:1:1:1:1:1"},
	    {{0x20, 0x01, 0x0d, 0xb8, [8] = 0, 1, [15] = 1}, "2001:db8::1:0:0:1"},
	    {{0x20, 0x01, [6] = 0, 1, [14] = 0, 1}, "2001:0:0:1::1"},
	    {{0xfe, 0x80, [8] = 0xab, 0xcd, 0x00, 0x12, 0x0f, 0xff, 0xf0, 0x00},
	     "fe80::abcd:12:fff:f000"},
	    {{0x10, 0, [15] = 0}, "1000::"},
	    {{[10] = 0xff, 0xff, 192, 0, 2, 1}, "::ffff:192.0.2.1"},
	    {{[12] = 10, 0, 0, 1}, "::10.0.0.1"},
	    {{[12] = 0, 1, 0, 0}, "::0.1.0.0"},
	    {{[10] = 0xff, 0xfe, 192, 0, 2, 1}, "::fffe:c000:201"},
	    {{0, 1, [10] = 0xff, 0xff, 192, 0, 2, 1}, "1::ffff:c000:201"},
	    {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	      0xff, 0xff},
	     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	};
	char got[64], want[64];
	uint64_t seed = 6;
	unsigned bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		*fz_fmt_ipv6(got, cases[i].a) = '\0';
		FZ_CHECK_STR(cases[i].text, got);
		inet_ntop(AF_INET6, cases[i].a, want, sizeof(want));
		FZ_CHECK_STR(want, got);
	}
	for (int i = 0; i < 500000; i++) {
		uint8_t a[16];
		uint64_t r = fz_test_rand(&seed);

		for (int g = 0; g < 8; g++, r >>= 8) {
			unsigned v = (unsigned)fz_test_rand(&seed);

			/* a zero group half the time, ffff, one digit, or any 16 bits */
			v = (r & 1)        ? 0
			    : (r & 6) == 2 ? 0xffff
			    : (r & 6) == 4 ? (v & 0xf)
			                   : (v & 0xffff);
			a[2 * g] = (uint8_t)(v >> 8);
			a[2 * g + 1] = (uint8_t)v;
		}
		*fz_fmt_ipv6(got, a) = '\0';
		inet_ntop(AF_INET6, a, want, sizeof(want));
		bad += strcmp(got, want) != 0;
	}
	FZ_CHECK_INT(0, bad);
}

/* Random doubles of every magnitude print as jansson prints them. */
static void test_numfmt_vs_jansson(void)
{
	char want[64];
	unsigned bad = 0;

	srand(7);
	for (int i = 0; i < 300000; i++) {
		uint64_t bits =
		    ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^ (uint64_t)rand();
		double v;

		switch (i % 4) {
		case 0: /* any finite double */
			bits ^= (uint64_t)rand() << 60;
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
			break;
		case 1: /* a duration of whole microseconds */
			v = (double)(bits % 100000000000ULL) / 1e6;
			break;
		case 2: /* a mean of small integers */
			v = (double)(bits % 100000) / (double)(1 + rand() % 1000);
			break;
		default: /* a value with few digits */
			v = (double)(bits % 10000) * pow(10, rand() % 40 - 20);
			break;
		}
		jansson_real(v, want, sizeof(want));
		if (strcmp(want, real15(v)) != 0 && bad++ < 5)
			FZ_CHECK_STR(want, real15(v));
	}
	FZ_CHECK_INT(0, (int)bad);
}

/* Compare real15 of v with jansson; count and show the first mismatches. */
static void check_real(double v, unsigned *bad)
{
	char want[64];

	jansson_real(v, want, sizeof(want));
	if (strcmp(want, real15(v)) != 0 && (*bad)++ < 5)
		FZ_CHECK_STR(want, real15(v));
}

/*
 * The shapes of 15 digits the fixed-width writer must get right, at every
 * magnitude from 1e-9 to 1e16 and both signs: 1 to 15 significant digits
 * (so every count of trailing zeros, in both 8-digit halves), exact
 * integers, halves that round to even, and values a hair below a power of
 * ten whose rounding carries into a new digit.
 */
static void test_numfmt_real_shapes(void)
{
	uint64_t seed = 9;
	unsigned bad = 0;

	for (int i = 0; i < 400000; i++) {
		uint64_t r = fz_test_rand(&seed);
		int k = (int)(fz_test_rand(&seed) % 27) - 10; /* 10^-10 .. 10^16 */
		int nd = 1 + (int)(r % 15);                   /* significant digits */
		uint64_t m = fz_test_rand(&seed) % 1000000000000000ULL, p10 = 1;
		double v;

		for (int j = 0; j < 15 - nd; j++)
			p10 *= 10;
		m = m / p10 * p10; /* 15 digits with 15 - nd trailing zeros, or fewer */
		switch (i % 5) {
		case 0: /* m's digits at 10^k */
			v = k >= 0 ? (double)m * pow(10, k) : (double)m / pow(10, -k);
			v /= 1e14;
			break;
		case 1: /* an exact integer of 1 to 15 digits, or 15 with trailing zeros */
			v = (double)((r & 2) ? m : m / p10);
			break;
		case 2: /* an integer and a half: with 15 digits, a tie that rounds to even */
			v = (double)(m / p10) + 0.5;
			break;
		case 3: /* just below 10^k: rounds up to 1 followed by zeros */
			v = nextafter(pow(10, k), 0);
			for (uint64_t j = r % 8; j > 0; j--)
				v = nextafter(v, 0);
			break;
		default: /* any bits in the binary range of 1e-9 .. 1e16 */
			v = ldexp(1.0 + (double)(r >> 12) / 4503599627370496.0, k * 10 / 3);
			break;
		}
		if (r >> 63)
			v = -v;
		check_real(v, &bad);
	}
	for (int k = -10; k <= 16; k++) { /* every 10^k and its neighbours */
		double t = pow(10, k);

		check_real(t, &bad);
		check_real(nextafter(t, 0), &bad);
		check_real(nextafter(t, INFINITY), &bad);
		check_real(t * (1 - 4e-16), &bad);
		check_real(t * (1 - 6e-16), &bad);
		check_real(t * 9.99999999999999, &bad);
		check_real(t * 9.999999999999995, &bad);
	}
	FZ_CHECK_INT(0, (int)bad);
}

/* A real writes its text and may use its room, but nothing past FZ_NUMFMT_MAX. */
static void test_numfmt_real_room(void)
{
	uint64_t seed = 4;
	unsigned bad = 0;

	for (int i = 0; i < 50000; i++) {
		char buf[FZ_NUMFMT_MAX + 16];
		uint64_t bits = fz_test_rand(&seed);
		double v;

		memcpy(&v, &bits, sizeof(v));
		if (i % 2)
			v = (double)(bits % 1000000000000000ULL) / pow(10, i % 24);
		memset(buf, '#', sizeof(buf));
		if (i % 3)
			fz_fmt_real15(buf, v);
		else
			fz_fmt_micros(buf, bits >> (i % 64));
		for (size_t q = FZ_NUMFMT_MAX; q < sizeof(buf); q++)
			bad += buf[q] != '#';
	}
	FZ_CHECK_INT(0, bad);
}

/* Compare micros of us with jansson's us / 1e6; count and show the first mismatches. */
static void check_micros(uint64_t us, unsigned *bad)
{
	char got[FZ_NUMFMT_MAX + 1], want[64];

	*fz_fmt_micros(got, us) = '\0';
	jansson_real((double)us / 1e6, want, sizeof(want));
	if (strcmp(want, got) != 0 && (*bad)++ < 5)
		FZ_CHECK_STR(want, got);
}

/* Durations from integer microseconds print as the real us / 1e6 does. */
static void test_micros(void)
{
	char got[FZ_NUMFMT_MAX + 1];
	unsigned bad = 0;

	*fz_fmt_micros(got, 2500001) = '\0';
	FZ_CHECK_STR("2.500001", got);
	*fz_fmt_micros(got, 12) = '\0';
	FZ_CHECK_STR("1.2e-5", got);
	*fz_fmt_micros(got, 3000000) = '\0';
	FZ_CHECK_STR("3.0", got);
	*fz_fmt_micros(got, 1000) = '\0';
	FZ_CHECK_STR("0.001", got);
	/* every count of the fraction's trailing zeros, with a whole part of 0 to 9 digits */
	for (uint64_t s = 0; s < 1000000000; s = s * 10 + 7)
		for (uint64_t f = 1; f < 1000000; f *= 10)
			for (uint64_t d = 1; d <= 9; d += 4) {
				check_micros(s * 1000000 + f * d, &bad);
				check_micros(s * 1000000 + f * d + f / 10 * 3, &bad);
			}
	srand(5);
	for (int i = 0; i < 200000; i++) {
		uint64_t us = ((uint64_t)rand() << 31 | (uint64_t)rand()) >> (i % 62);

		if (i < 2000)
			us = (uint64_t)i; /* every value below the exponent switch, and beyond */
		else if (i % 97 == 0)
			us = UINT64_MAX >> (i % 13); /* the real path: 10^15 and up */
		check_micros(us, &bad);
	}
	FZ_CHECK_INT(0, (int)bad);
}

int main(void)
{
	FZ_RUN(test_numfmt_exact);
	FZ_RUN(test_numfmt_u64_vs_printf);
	FZ_RUN(test_numfmt_u64_writes_only_digits);
	FZ_RUN(test_numfmt_vs_jansson);
	FZ_RUN(test_numfmt_real_shapes);
	FZ_RUN(test_numfmt_real_room);
	FZ_RUN(test_numfmt_ipv4);
	FZ_RUN(test_numfmt_ipv6);
	FZ_RUN(test_micros);
	return fz_test_summary();
}
