/*
 * Decimal text of integers and reals for the record encoder. A real in
 * [1e-8, 1e15) is rounded to 15 significant digits exactly, in integers: a
 * double is m / 2^s, so m * 10^k / 2^s is rounded half to even with 128-bit
 * arithmetic, the rounding printf does; other values go through snprintf.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numfmt.h"

static const char digits2[201] = "00010203040506070809"
                                 "10111213141516171819"
                                 "20212223242526272829"
                                 "30313233343536373839"
                                 "40414243444546474849"
                                 "50515253545556575859"
                                 "60616263646566676869"
                                 "70717273747576777879"
                                 "80818283848586878889"
                                 "90919293949596979899";

/* Decimal digits of v >= 10: the bit length gives a first guess (log10 2 ~ 1233 / 4096). */
static unsigned u64_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {1ull,
	                                   10ull,
	                                   100ull,
	                                   1000ull,
	                                   10000ull,
	                                   100000ull,
	                                   1000000ull,
	                                   10000000ull,
	                                   100000000ull,
	                                   1000000000ull,
	                                   10000000000ull,
	                                   100000000000ull,
	                                   1000000000000ull,
	                                   10000000000000ull,
	                                   100000000000000ull,
	                                   1000000000000000ull,
	                                   10000000000000000ull,
	                                   100000000000000000ull,
	                                   1000000000000000000ull,
	                                   10000000000000000000ull};
	unsigned t = (unsigned)(64 - __builtin_clzll(v)) * 1233u >> 12;

	return t + (v >= pow10[t]);
}

/* Written in place from its last digit: no copy, no call (issue 23: 20 of them a record). */
char *fz_fmt_u64(char *p, uint64_t v)
{
	char *end, *t;

	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	end = p + u64_digits(v);
	t = end;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		t -= 2;
		t[0] = digits2[d];
		t[1] = digits2[d + 1];
	}
	if (v >= 10) {
		t[-2] = digits2[v * 2];
		t[-1] = digits2[v * 2 + 1];
	} else {
		t[-1] = (char)('0' + v);
	}
	return end;
}

char *fz_fmt_ipv4(char *p, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (i)
			*p++ = '.';
		if (v >= 100) {
			*p++ = (char)('0' + v / 100);
			v %= 100;
			*p++ = digits2[v * 2];
			*p++ = digits2[v * 2 + 1];
		} else if (v >= 10) {
			*p++ = digits2[v * 2];
			*p++ = digits2[v * 2 + 1];
		} else {
			*p++ = (char)('0' + v);
		}
	}
	return p;
}

/* The hex digits of a 16-bit group, without leading zeros; return the end. */
static char *put_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;

	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return p;
}

char *fz_fmt_ipv6(char *p, const uint8_t a[16])
{
	unsigned g[8];
	int zbase = -1, zlen = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* The first of the longest runs of zero groups, if it has two or more. */
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > zlen) {
			zbase = i;
			zlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (zlen < 2)
		zbase = -1;
	/* ::a.b.c.d and ::ffff:a.b.c.d end in the dotted IPv4 address. */
	if (zbase == 0 && (zlen == 6 || (zlen == 5 && g[5] == 0xffff))) {
		*p++ = ':';
		*p++ = ':';
		if (zlen == 5)
			p = memcpy(p, "ffff:", 5), p += 5;
		return fz_fmt_ipv4(p, a + 12);
	}
	for (int i = 0; i < 8; i++) {
		if (i == zbase) {
			*p++ = ':';
			*p++ = ':';
			i += zlen - 1;
			continue;
		}
		if (i && i != zbase + zlen)
			*p++ = ':';
		p = put_hex16(p, g[i]);
	}
	return p;
}

/* jansson's jsonp_dtostr after snprintf: ".0" when there is neither '.' nor
 * 'e', then no '+' and no leading zeros in the exponent. */
static char *real_slow(char *p, double v)
{
	char buf[FZ_NUMFMT_MAX];
	int n = snprintf(buf, sizeof(buf), "%.15g", v);
	char *e;

	if (n < 0 || (size_t)n >= sizeof(buf) - 3)
		n = 0;
	buf[n] = '\0';
	if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
		buf[n++] = '.';
		buf[n++] = '0';
		buf[n] = '\0';
	}
	e = strchr(buf, 'e');
	if (e != NULL) {
		char *start = e + 1, *end = e + 2;

		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, (size_t)n - (size_t)(end - buf) + 1);
			n -= (int)(end - start);
		}
	}
	memcpy(p, buf, (size_t)n);
	return p + n;
}

#ifdef __SIZEOF_INT128__
typedef unsigned __int128 u128;

#define P19 ((u128)10000000000000000000ULL)
/* 10^k for 0 <= k <= 22, all exact. */
static const u128 pow10_128[23] = {1ULL,
                                   10ULL,
                                   100ULL,
                                   1000ULL,
                                   10000ULL,
                                   100000ULL,
                                   1000000ULL,
                                   10000000ULL,
                                   100000000ULL,
                                   1000000000ULL,
                                   10000000000ULL,
                                   100000000000ULL,
                                   1000000000000ULL,
                                   10000000000000ULL,
                                   100000000000000ULL,
                                   1000000000000000ULL,
                                   10000000000000000ULL,
                                   100000000000000000ULL,
                                   1000000000000000000ULL,
                                   P19,
                                   P19 * 10,
                                   P19 * 100,
                                   P19 * 1000};

/*
 * The 15 significant digits of a (1e-8 <= a < 1e15) as an integer in
 * [10^14, 10^15), and the decimal exponent of its first digit; 0 when a is
 * out of range. a = m / 2^s exactly, so q = round(m * 10^k / 2^s) is exact.
 */
static uint64_t digits15(double a, int *exp10)
{
	uint64_t bits, m;
	int bexp, s, e;

	memcpy(&bits, &a, sizeof(bits));
	bexp = (int)((bits >> 52) & 0x7ff);
	m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
	s = 1075 - bexp;                  /* a = m / 2^s */
	e = ((bexp - 1023) * 1233) >> 12; /* about floor(log10(a)), maybe one low */
	for (int tries = 0; tries < 3; tries++) {
		int k = 14 - e;
		u128 x, q, r, half;

		if (k < 0 || k > 22 || s < 1 || s > 120)
			return 0;
		x = (u128)m * pow10_128[k];
		q = x >> s;
		r = x - (q << s);
		half = (u128)1 << (s - 1);
		if (r > half || (r == half && (q & 1)))
			q++;
		if (q < 100000000000000ULL)
			e--;
		else if (q >= 1000000000000000ULL)
			e++; /* also when rounding carried into a 16th digit */
		else {
			*exp10 = e;
			return (uint64_t)q;
		}
	}
	return 0;
}
#else
static uint64_t digits15(double a, int *exp10)
{
	(void)a;
	(void)exp10;
	return 0;
}
#endif

/* Strip trailing '0' of d[0..n) but keep at least keep digits; return the new n. */
static int strip_zeros(const char *d, int n, int keep)
{
	while (n > keep && d[n - 1] == '0')
		n--;
	return n;
}

char *fz_fmt_real15(char *p, double v)
{
	double a;
	uint64_t mi;
	char d[16];
	int e = 0, n;

	if (!isfinite(v)) {
		memcpy(p, "null", 4);
		return p + 4;
	}
	a = fabs(v);
	if (a == 0) { /* one-packet flows: every duration_s of a flood */
		if (signbit(v))
			*p++ = '-';
		memcpy(p, "0.0", 3);
		return p + 3;
	}
	mi = a >= 1e-8 && a < 1e15 ? digits15(a, &e) : 0;
	if (mi == 0)
		return real_slow(p, v);
	fz_fmt_u64(d, mi); /* exactly 15 digits */
	if (v < 0)
		*p++ = '-';
	if (e < -4 || e >= 15) {
		n = strip_zeros(d, 15, 1);
		*p++ = d[0];
		if (n > 1) {
			*p++ = '.';
			memcpy(p, d + 1, (size_t)n - 1);
			p += n - 1;
		}
		*p++ = 'e';
		if (e < 0) {
			*p++ = '-';
			e = -e;
		}
		return fz_fmt_u64(p, (uint64_t)e);
	}
	if (e >= 0) {
		memcpy(p, d, (size_t)e + 1);
		p += e + 1;
		*p++ = '.';
		n = strip_zeros(d, 15, e + 1);
		if (n == e + 1) {
			*p++ = '0';
			return p;
		}
		memcpy(p, d + e + 1, (size_t)(n - e - 1));
		return p + (n - e - 1);
	}
	*p++ = '0';
	*p++ = '.';
	for (int i = -1; i > e; i--)
		*p++ = '0';
	n = strip_zeros(d, 15, 1);
	memcpy(p, d, (size_t)n);
	return p + n;
}

/*
 * The double nearest us / 1e6 printed with 15 significant digits gives back
 * us's own digits whenever us < 10^15 (us has at most 15 digits and the
 * double is within half a unit of its 17th), so the text can be made from
 * the integer: fixed notation from 100 µs on, "De-N" below.
 */
char *fz_fmt_micros(char *p, uint64_t us)
{
	char d[8];
	int n;

	if (us >= 1000000000000000ULL)
		return fz_fmt_real15(p, (double)us / 1e6);
	if (us == 0) {
		memcpy(p, "0.0", 3);
		return p + 3;
	}
	if (us < 100) { /* %g switches to an exponent below 1e-4 */
		int e = us >= 10 ? 5 : 6;

		n = (int)(fz_fmt_u64(d, us) - d);
		n = strip_zeros(d, n, 1);
		*p++ = d[0];
		if (n > 1) {
			*p++ = '.';
			*p++ = d[1];
		}
		memcpy(p, e == 5 ? "e-5" : "e-6", 3);
		return p + 3;
	}
	p = fz_fmt_u64(p, us / 1000000);
	*p++ = '.';
	us %= 1000000;
	if (us == 0) {
		*p++ = '0';
		return p;
	}
	/* six digits with their leading zeros, then no trailing ones */
	for (int i = 5; i >= 0; i--, us /= 10)
		d[i] = (char)('0' + us % 10);
	n = strip_zeros(d, 6, 1);
	memcpy(p, d, (size_t)n);
	return p + n;
}
