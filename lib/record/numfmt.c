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

static void put2(char *p, unsigned x)
{
	memcpy(p, digits2 + 2 * x, 2);
}

/* x < 10^4 as exactly 4 digits. */
static void put4(char *p, unsigned x)
{
	put2(p, x / 100);
	put2(p + 2, x % 100);
}

/* x < 10^4 as 1 to 4 digits: two comparisons cover the usual small counts and ports. */
static inline char *put_upto4(char *p, unsigned x)
{
	if (x < 100) {
		if (x < 10) {
			*p = (char)('0' + x);
			return p + 1;
		}
		put2(p, x);
		return p + 2;
	}
	if (x < 1000) {
		*p = (char)('0' + x / 100);
		put2(p + 1, x % 100);
		return p + 3;
	}
	put4(p, x);
	return p + 4;
}

/* x < 10^8 as 1 to 8 digits, in 32-bit arithmetic. */
static char *put_upto8(char *p, uint32_t x)
{
	if (x < 10000)
		return put_upto4(p, x);
	p = put_upto4(p, x / 10000);
	put4(p, x % 10000);
	return p + 4;
}

/*
 * The 8 digits of x < 10^8, leading zeros included, as the bytes of a word
 * with the first digit in the low byte and each byte 0..9 (not yet ASCII).
 * All digits are split at once, lane by lane: x / 10^4 and x % 10^4 in two
 * 32-bit lanes, each lane into / 100 and % 100 in 16-bit lanes, each of
 * those into / 10 and % 10 in bytes. A lane's division is a multiplication
 * by a reciprocal that is exact over the lane's range (n / 100 == n * 10486
 * >> 20 for n < 10^4, n / 10 == n * 103 >> 10 for n < 100) and whose product
 * stays inside the lane. The word then tells the trailing zero digits too:
 * they are its zero high bytes.
 */
static uint64_t digits8(uint32_t x)
{
	uint64_t w = x / 10000 | (uint64_t)(x % 10000) << 32;
	uint64_t q = (w * 10486 >> 20) & 0x0000007f0000007fULL;

	w = q | (w - q * 100) << 16;
	q = (w * 103 >> 10) & 0x000f000f000f000fULL;
	return q | (w - q * 10) << 8;
}

#define ASCII_ZEROS 0x3030303030303030ULL

/* Store a word of digits8 as text: its low byte first, whatever the byte order. */
static void store8(char *p, uint64_t digits)
{
	uint64_t w = digits | ASCII_ZEROS;

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	memcpy(p, &w, sizeof(w));
}

#define E8  100000000ULL
#define E16 10000000000000000ULL

/*
 * Split at 10^8 and 10^16 so that most of the work is 32-bit: a 13-digit
 * millisecond timestamp is one 64-bit division by a constant, then 5 digits
 * and 8 fixed ones. Only the digits are written (callers append in place).
 */
char *fz_fmt_u64(char *p, uint64_t v)
{
	uint64_t mid;

	if (v < E8)
		return put_upto8(p, (uint32_t)v);
	if (v < E16) {
		p = put_upto8(p, (uint32_t)(v / E8));
		store8(p, digits8((uint32_t)(v % E8)));
		return p + 8;
	}
	p = put_upto4(p, (unsigned)(v / E16)); /* at most 1844 */
	mid = v % E16;
	store8(p, digits8((uint32_t)(mid / E8)));
	store8(p + 8, digits8((uint32_t)(mid % E8)));
	return p + 16;
}

/*
 * The text of an octet and its '.', first character in the low byte, zeros
 * above: "7." is 0x2e37. The '.' is the highest byte that is not zero, so
 * the length is the bit length's bytes.
 */
#define OCTET(v)                                                                                   \
	((v) < 10 ? (uint32_t)('0' + (v)) | (uint32_t)'.' << 8                                     \
	 : (v) < 100                                                                               \
	     ? (uint32_t)('0' + (v) / 10) | (uint32_t)('0' + (v) % 10) << 8 | (uint32_t)'.' << 16  \
	     : (uint32_t)('0' + (v) / 100) | (uint32_t)('0' + (v) / 10 % 10) << 8 |                \
	           (uint32_t)('0' + (v) % 10) << 16 | (uint32_t)'.' << 24)
#define OCTET4(v)  OCTET(v), OCTET((v) + 1), OCTET((v) + 2), OCTET((v) + 3)
#define OCTET16(v) OCTET4(v), OCTET4((v) + 4), OCTET4((v) + 8), OCTET4((v) + 12)
#define OCTET64(v) OCTET16(v), OCTET16((v) + 16), OCTET16((v) + 32), OCTET16((v) + 48)
static const uint32_t octet_dot[256] = {OCTET64(0), OCTET64(64), OCTET64(128), OCTET64(192)};

/* An octet and its '.' in one store of 4 bytes, which may run 2 past them; return the end. */
static char *put_octet_dot(char *p, unsigned v)
{
	uint32_t w = octet_dot[v];

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	memcpy(p, &(uint32_t){__builtin_bswap32(w)}, 4);
#else
	memcpy(p, &w, 4);
#endif
	return p + ((unsigned)(31 ^ __builtin_clz(w)) + 8) / 8; /* bit length in bytes */
}

/*
 * The first two octets come from the table: what their stores write past
 * themselves the next octets overwrite (they take 4 bytes at least). The
 * last two are written exactly, so nothing is written past the end.
 */
char *fz_fmt_ipv4(char *p, const uint8_t a[4])
{
	p = put_octet_dot(p, a[0]);
	p = put_octet_dot(p, a[1]);
	p = put_upto4(p, a[2]);
	*p++ = '.';
	return put_upto4(p, a[3]);
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
		u128 x;
		uint64_t y, q;

		if (k < 0 || k > 22 || s < 1 || s > 120)
			return 0;
		x = (u128)m * pow10_128[k];
		/*
		 * q and, below it, the first bit dropped: 64 bits hold both, as q <
		 * 10^16 with e at most one low. Only a half or more needs the bits
		 * below, to tell a tie (to even) from more than half (up).
		 */
		y = (uint64_t)(x >> (s - 1));
		q = y >> 1;
		if ((y & 1) && ((q & 1) || x != (u128)y << (s - 1)))
			q++;
		if (q < 100000000000000ULL)
			e--;
		else if (q >= 1000000000000000ULL)
			e++; /* also when rounding carried into a 16th digit */
		else {
			*exp10 = e;
			return q;
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

/*
 * The text is put together with fixed-size copies of 16 bytes, which may
 * write past the end returned, never beyond p + 33 < p + FZ_NUMFMT_MAX (the
 * header's promise): calls to memcpy of a variable length cost more than
 * the digits.
 */
char *fz_fmt_real15(char *p, double v)
{
	double a;
	uint64_t mi, hi, lo;
	char d[32]; /* '0', the 15 digits, then '0's for the copies to run into */
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
	/* mi has 15 digits: 7 in hi (under a leading zero), 8 in lo. */
	hi = digits8((uint32_t)(mi / E8));
	lo = digits8((uint32_t)(mi % E8));
	store8(d, hi);
	store8(d + 8, lo);
	memset(d + 16, '0', 16);
	/* The significant digits: 15 but the trailing zeros, the zero high bytes. */
	n = 15 -
	    (int)(lo ? (unsigned)__builtin_clzll(lo) / 8 : 8 + (unsigned)__builtin_clzll(hi) / 8);
	if (v < 0)
		*p++ = '-';
	if (e < -4 || e >= 15) {
		p[0] = d[1];
		p[1] = '.';
		memcpy(p + 2, d + 2, 16);
		p += n > 1 ? n + 1 : 1;
		*p++ = 'e';
		if (e < 0) {
			*p++ = '-';
			e = -e;
		}
		return put_upto4(p, (unsigned)e);
	}
	if (e >= 0) {
		/* The integer digits, the point over digit e + 1, the fraction or a "0" */
		memcpy(p, d + 1, 16);
		p[e + 1] = '.';
		memcpy(p + e + 2, d + e + 2, 16);
		return p + e + 2 + (n > e + 1 ? n - e - 1 : 1);
	}
	/* "0." and -e - 1 zeros before the digits */
	memcpy(p, "0.000000", 8);
	p += 1 - e;
	memcpy(p, d + 1, 16);
	return p + n;
}

/*
 * The double nearest us / 1e6 printed with 15 significant digits gives back
 * us's own digits whenever us < 10^15 (us has at most 15 digits and the
 * double is within half a unit of its 17th), so the text can be made from
 * the integer: fixed notation from 100 µs on, "De-N" below. The fraction is
 * one store of 8 bytes, which may run 7 past the end returned.
 */
char *fz_fmt_micros(char *p, uint64_t us)
{
	uint64_t frac;

	if (us >= 1000000000000000ULL)
		return fz_fmt_real15(p, (double)us / 1e6);
	if (us == 0) {
		memcpy(p, "0.0", 3);
		return p + 3;
	}
	if (us < 100) { /* %g switches to an exponent below 1e-4: "Te-5", "T.Ue-5", "Ue-6" */
		if (us < 10) {
			*p++ = (char)('0' + us);
			memcpy(p, "e-6", 3);
			return p + 3;
		}
		*p++ = (char)('0' + us / 10);
		if (us % 10) {
			*p++ = '.';
			*p++ = (char)('0' + us % 10);
		}
		memcpy(p, "e-5", 3);
		return p + 3;
	}
	p = fz_fmt_u64(p, us / 1000000);
	*p++ = '.';
	frac = us % 1000000;
	if (frac == 0) {
		*p++ = '0';
		return p;
	}
	/* six digits with their leading zeros (bytes 2..7 of the word), no trailing ones */
	frac = digits8((uint32_t)frac);
	store8(p, frac >> 16);
	return p + 6 - (unsigned)__builtin_clzll(frac) / 8;
}
