/*
 * Which bytes can begin a payload that a signature matches. Every default
 * signature is anchored at the start of the payload (/^.../), and Hyperscan's
 * block scan has a fixed cost per call even when the first byte already rules
 * every signature out; a 256-bit set per database lets fz_l7_scan skip that
 * call for a certain miss.
 *
 * The analysis reads only the first item after a leading ^ and is
 * deliberately conservative: whatever it does not fully understand (no ^,
 * multi-line mode, a top-level alternation, groups, optional first items,
 * UTF-8 mode, unknown escapes, POSIX classes, option settings) makes every
 * byte possible, which turns the skip off for that database but never
 * changes a result.
 */
#include <string.h>

#include "fz_sigs.h"
#include "l7_priv.h"

static void set_all(uint64_t set[4])
{
	memset(set, 0xff, 4 * sizeof(set[0]));
}

static void add_byte(uint64_t set[4], unsigned b)
{
	set[b >> 6] |= 1ULL << (b & 63);
}

static int has_byte(const uint64_t set[4], unsigned b)
{
	return (set[b >> 6] >> (b & 63)) & 1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Whether the pattern has an alternation outside every group and class, an
 * option setting or comment ((? followed by anything but ':'), or a \Q...\E
 * quote: then its first item does not decide its first byte.
 */
static int has_hard_syntax(const char *re)
{
	int depth = 0, in_class = 0;

	for (const char *p = re; *p; p++) {
		if (*p == '\\') {
			if (p[1] == 'Q' || p[1] == 'E')
				return 1;
			if (p[1] == '\0')
				return 1;
			p++;
			continue;
		}
		if (in_class) {
			if (*p == '[' && p[1] == ':')
				return 1; /* POSIX class: too clever for this reader */
			if (*p == ']')
				in_class = 0;
			continue;
		}
		switch (*p) {
		case '[':
			in_class = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++; /* a ']' first in a class is a literal */
			break;
		case '(':
			if (p[1] == '?' && p[2] != ':')
				return 1;
			depth++;
			break;
		case ')':
			depth--;
			break;
		case '|':
			if (depth == 0)
				return 1;
			break;
		default:
			break;
		}
	}
	return in_class || depth != 0;
}

/*
 * One escape after a backslash at *pp (which points past the backslash),
 * outside or inside a class: a single byte (returned, >= 0) or a set added to
 * set (returns -2), or -1 when it is not understood. Advances *pp.
 */
static int read_escape(const char **pp, uint64_t set[4])
{
	const char *p = *pp;
	int hi, lo;

	switch (*p) {
	case 'x':
		hi = hex_digit(p[1]);
		lo = hi >= 0 ? hex_digit(p[2]) : -1;
		if (lo < 0)
			return -1; /* \x{...} and one-digit forms */
		*pp = p + 3;
		return hi * 16 + lo;
	case 'd':
		for (unsigned b = '0'; b <= '9'; b++)
			add_byte(set, b);
		*pp = p + 1;
		return -2;
	case 'n':
		*pp = p + 1;
		return '\n';
	case 'r':
		*pp = p + 1;
		return '\r';
	case 't':
		*pp = p + 1;
		return '\t';
	case 'f':
		*pp = p + 1;
		return '\f';
	case 'e':
		*pp = p + 1;
		return 0x1b;
	case 'a':
		*pp = p + 1;
		return 0x07;
	default:
		/* An escaped ASCII punctuation character stands for itself;
		 * letters, digits (back references, octal) and the rest are not
		 * read here. */
		if ((*p >= '!' && *p <= '/') || (*p >= ':' && *p <= '@') ||
		    (*p >= '[' && *p <= '`') || (*p >= '{' && *p <= '~')) {
			*pp = p + 1;
			return (unsigned char)*p;
		}
		return -1;
	}
}

/* A bracket class at *pp (just past '['), into set. Returns 0, or -1. */
static int read_class(const char **pp, uint64_t set[4])
{
	const char *p = *pp;
	uint64_t in[4] = {0};
	int negate = 0, first = 1;

	if (*p == '^') {
		negate = 1;
		p++;
	}
	while (*p && (*p != ']' || first)) {
		int lo, hi;

		first = 0;
		if (*p == '\\') {
			p++;
			lo = read_escape(&p, in);
			if (lo == -1)
				return -1;
			if (lo == -2)
				continue; /* a set, which cannot start a range */
		} else if (*p == '[') {
			return -1; /* POSIX classes and friends */
		} else {
			lo = (unsigned char)*p++;
		}
		if (*p == '-' && p[1] != ']' && p[1] != '\0') {
			p++;
			if (*p == '\\') {
				p++;
				hi = read_escape(&p, in);
				if (hi < 0)
					return -1;
			} else if (*p == '[') {
				return -1;
			} else {
				hi = (unsigned char)*p++;
			}
			if (hi < lo)
				return -1;
			for (int b = lo; b <= hi; b++)
				add_byte(in, (unsigned)b);
		} else {
			add_byte(in, (unsigned)lo);
		}
	}
	if (*p != ']')
		return -1;
	*pp = p + 1;
	for (int i = 0; i < 4; i++)
		set[i] |= negate ? ~in[i] : in[i];
	return 0;
}

/* Whether the quantifier at p (if any) lets the item before it occur zero times. */
static int optional_quantifier(const char *p)
{
	if (*p == '?' || *p == '*')
		return 1;
	if (*p == '{') {
		if (p[1] < '0' || p[1] > '9')
			return 1; /* not read: be safe */
		while (p[1] == '0')
			p++;
		return p[1] < '1' || p[1] > '9';
	}
	return 0;
}

void fz_l7__first_bytes(const char *re, unsigned flags, uint64_t set[4])
{
	uint64_t item[4] = {0};
	const char *p = re;
	int b;

	if ((flags & (FZ_SIG_MULTILINE | FZ_SIG_UTF8 | FZ_SIG_UCP)) || p[0] != '^' ||
	    has_hard_syntax(re))
		goto all;
	p++;
	switch (*p) {
	case '\\':
		p++;
		b = read_escape(&p, item);
		if (b == -1)
			goto all;
		if (b >= 0)
			add_byte(item, (unsigned)b);
		break;
	case '[':
		p++;
		if (read_class(&p, item) < 0)
			goto all;
		break;
	case '\0':
	case '^':
	case '$':
	case '.':
	case '(':
	case ')':
	case '|':
	case '?':
	case '*':
	case '+':
	case '{':
		goto all;
	default:
		add_byte(item, (unsigned char)*p++);
		break;
	}
	if (optional_quantifier(p))
		goto all;
	if (flags & FZ_SIG_CASELESS) {
		for (unsigned c = 'A'; c <= 'Z'; c++) {
			if (has_byte(item, c) || has_byte(item, c + 32)) {
				add_byte(item, c);
				add_byte(item, c + 32);
			}
		}
		/* Hyperscan folds ASCII letters only; staying safe beyond that costs
		 * nothing for the signatures we ship. */
		if (item[2] | item[3])
			item[2] = item[3] = ~0ULL;
	}
	for (int i = 0; i < 4; i++)
		set[i] |= item[i];
	return;
all:
	set_all(set);
}
