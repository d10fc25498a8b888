/*
 * Decimal text of integers and reals for the record encoder. Reals take a
 * fast path that scales the value to 15 digits in long double (64-bit
 * mantissa: the powers of ten used are exact, one rounding per scaling)
 * and falls back to snprintf when the 16th digit is too close to a tie to
 * round with certainty, or when the value is outside [1e-10, 1e20).
 */
#include <float.h>
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

char *fz_fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	char *t = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		*--t = digits2[d + 1];
		*--t = digits2[d];
	}
	if (v >= 10) {
		*--t = digits2[v * 2 + 1];
		*--t = digits2[v * 2];
	} else {
		*--t = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - t);
	memcpy(p, t, n);
	return p + n;
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

/* 10^k for 0 <= k <= 27: every one is exact in long double's 64-bit mantissa. */
static const long double pow10_exact[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                            1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                            1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                            1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* Strip trailing '0' of d[0..n) but keep at least keep digits; return the new n. */
static int strip_zeros(const char *d, int n, int keep)
{
	while (n > keep && d[n - 1] == '0')
		n--;
	return n;
}

char *fz_fmt_real15(char *p, double v)
{
	long double m;
	double a;
	uint64_t mi;
	char d[16];
	int e, n;

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
	if (LDBL_MANT_DIG < 64 || a < 1e-10 || a >= 1e20)
		return real_slow(p, v);
	e = (int)floor(log10(a));
	for (int tries = 0;; tries++) {
		int k = 14 - e;
		long double f;

		if (tries == 3 || k < -27 || k > 27)
			return real_slow(p, v);
		m = k >= 0 ? (long double)a * pow10_exact[k] : (long double)a / pow10_exact[-k];
		if (m < 1e14L) {
			e--;
			continue;
		}
		if (m >= 1e15L) {
			e++;
			continue;
		}
		f = m - floorl(m);
		if (f > 0.499L && f < 0.501L)
			return real_slow(p, v); /* too close to a tie to round here */
		mi = (uint64_t)floorl(m) + (f > 0.5L);
		break;
	}
	if (mi == 1000000000000000ULL) { /* rounded up to the next power of ten */
		mi /= 10;
		e++;
	}
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
