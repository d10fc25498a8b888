/*
 * Signature file parser. One signature per line:
 *
 *   <app> [proto=tcp|udp|any] [dir=client|server|any] [prio=N] [ports=P,P...] /<regex>/<flags>
 *
 * The regex runs from the first '/' after the options to the last '/' on the
 * line, so it needs no escaping of its own slashes. See docs/signatures.md.
 */
#include "fz_sigs.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state: the list being built and where we are, for messages. */
struct parser {
	struct fz_sigs *out;
	unsigned cap_sigs;
	unsigned line;
	char *err;
	size_t errlen;
};

static int set_err(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write "path:line: message" into the caller's buffer; returns -EINVAL. */
static int set_err(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->err == NULL || p->errlen == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->out->path, p->line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->out->path, msg);
	return -EINVAL;
}

void fz_sigs_free(struct fz_sigs *sigs)
{
	unsigned i;

	if (sigs == NULL)
		return;
	for (i = 0; i < sigs->n_sigs; i++)
		free(sigs->sigs[i].regex);
	for (i = 0; i < sigs->n_apps; i++)
		free(sigs->apps[i]);
	free(sigs->sigs);
	free(sigs->apps);
	free(sigs->path);
	free(sigs);
}

/* Return the id of app name (adding it when new), or -1 with err set. */
static int app_id(struct parser *p, const char *name, size_t len)
{
	struct fz_sigs *s = p->out;
	char **apps;
	unsigned i;

	for (i = 0; i < s->n_apps; i++)
		if (strlen(s->apps[i]) == len && memcmp(s->apps[i], name, len) == 0)
			break;
	if (i == 0) {
		return set_err(p, "class name \"%s\" is reserved for flows no signature names",
		               FZ_SIGS_UNKNOWN);
	}
	if (i < s->n_apps)
		return (int)i;
	if (s->n_apps >= FZ_SIGS_MAX_APPS) {
		return set_err(p, "too many classes (at most %d)", FZ_SIGS_MAX_APPS - 1);
	}
	apps = realloc(s->apps, (s->n_apps + 1) * sizeof(*apps));
	if (apps == NULL)
		return -ENOMEM;
	s->apps = apps;
	apps[s->n_apps] = strndup(name, len);
	if (apps[s->n_apps] == NULL)
		return -ENOMEM;
	return (int)s->n_apps++;
}

static int valid_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* Parse an unsigned decimal number in [lo, hi] from [s, s + len). */
static int parse_uint(const char *s, size_t len, unsigned long lo, unsigned long hi,
                      unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 6)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_ports(struct parser *p, struct fz_sig *sig, const char *v, size_t len)
{
	size_t start = 0, i;
	unsigned long port;

	for (i = 0; i <= len; i++) {
		if (i < len && v[i] != ',')
			continue;
		if (sig->n_ports >= FZ_SIGS_MAX_PORTS) {
			return set_err(p, "too many ports (at most %d)", FZ_SIGS_MAX_PORTS);
		}
		if (parse_uint(v + start, i - start, 1, 65535, &port) < 0) {
			return set_err(p, "bad port \"%.*s\" (want 1-65535)", (int)(i - start),
			               v + start);
		}
		sig->ports[sig->n_ports++] = (uint16_t)port;
		start = i + 1;
	}
	return 0;
}

static int token_is(const char *v, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(v, word, len) == 0;
}

/* The words an enumerated option accepts, and the value each one stands for. */
struct word {
	const char *word;
	uint8_t value;
};

static const struct word proto_words[] = {
    {"tcp", FZ_SIG_PROTO_TCP}, {"udp", FZ_SIG_PROTO_UDP}, {"any", FZ_SIG_PROTO_ANY}, {NULL, 0}};
static const struct word dir_words[] = {{"client", FZ_SIG_DIR_INITIATOR},
                                        {"server", FZ_SIG_DIR_RESPONDER},
                                        {"any", FZ_SIG_DIR_ANY},
                                        {NULL, 0}};

/* Look [v, v + vlen) up in words; returns 0 and sets *out, or -1. */
static int lookup_word(const struct word *words, const char *v, size_t vlen, uint8_t *out)
{
	for (; words->word; words++)
		if (token_is(v, vlen, words->word)) {
			*out = words->value;
			return 0;
		}
	return -1;
}

/* Apply one key=value option to sig. */
static int parse_option(struct parser *p, struct fz_sig *sig, const char *tok, size_t len)
{
	const char *eq = memchr(tok, '=', len);
	const char *v;
	size_t klen, vlen;
	unsigned long n = 0;
	int rc;

	if (eq == NULL)
		return set_err(p, "expected key=value or /regex/, got \"%.*s\"", (int)len, tok);
	klen = (size_t)(eq - tok);
	v = eq + 1;
	vlen = len - klen - 1;
	if (token_is(tok, klen, "proto")) {
		rc = lookup_word(proto_words, v, vlen, &sig->proto);
	} else if (token_is(tok, klen, "dir")) {
		rc = lookup_word(dir_words, v, vlen, &sig->dir);
	} else if (token_is(tok, klen, "prio")) {
		rc = parse_uint(v, vlen, 0, 255, &n);
		sig->prio = (uint8_t)n;
	} else if (token_is(tok, klen, "ports")) {
		return parse_ports(p, sig, v, vlen);
	} else {
		return set_err(p, "unknown option \"%.*s\" (want proto, dir, prio or ports)",
		               (int)klen, tok);
	}
	if (rc < 0)
		return set_err(p, "bad value \"%.*s\" for option %.*s", (int)vlen, v, (int)klen,
		               tok);
	return 0;
}

static int parse_flags(struct parser *p, struct fz_sig *sig, const char *f, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (f[i]) {
		case 'i':
			sig->flags |= FZ_SIG_CASELESS;
			break;
		case 's':
			sig->flags |= FZ_SIG_DOTALL;
			break;
		case 'm':
			sig->flags |= FZ_SIG_MULTILINE;
			break;
		case '8':
			sig->flags |= FZ_SIG_UTF8;
			break;
		case 'W':
			sig->flags |= FZ_SIG_UCP;
			break;
		default:
			return set_err(p, "unknown regex flag '%c' (want i, s, m, 8 or W)", f[i]);
		}
	}
	return 0;
}

static int add_sig(struct parser *p, const struct fz_sig *sig)
{
	struct fz_sigs *s = p->out;
	struct fz_sig *grown;

	if (s->n_sigs == p->cap_sigs) {
		unsigned cap = p->cap_sigs ? p->cap_sigs * 2 : 16;

		grown = realloc(s->sigs, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		s->sigs = grown;
		p->cap_sigs = cap;
	}
	s->sigs[s->n_sigs++] = *sig;
	return 0;
}

/* Parse one line (without its newline). Returns 0, -EINVAL with err set, or -ENOMEM. */
static int parse_line(struct parser *p, const char *l, size_t len)
{
	struct fz_sig sig = {.prio = FZ_SIGS_DEFAULT_PRIO};
	const char *end = l + len, *tok, *last_slash;
	int id, rc;

	while (l < end && isspace((unsigned char)*l))
		l++;
	while (end > l && isspace((unsigned char)end[-1]))
		end--;
	if (l == end || *l == '#')
		return 0;
	sig.line = p->line;

	/* The class name. */
	tok = l;
	while (l < end && valid_name_char((unsigned char)*l))
		l++;
	if (l == tok || (l < end && !isspace((unsigned char)*l))) {
		return set_err(p, "expected a class name (letters, digits, '_', '-') at the start");
	}
	if ((size_t)(l - tok) > FZ_SIGS_MAX_APP_NAME) {
		return set_err(p, "class name longer than %d characters", FZ_SIGS_MAX_APP_NAME);
	}
	id = app_id(p, tok, (size_t)(l - tok));
	if (id < 0)
		return id;
	sig.app = (uint8_t)id;

	/* Options up to the regex. */
	for (;;) {
		while (l < end && isspace((unsigned char)*l))
			l++;
		if (l == end) {
			return set_err(p, "missing /regex/ after the class name");
		}
		if (*l == '/')
			break;
		tok = l;
		while (l < end && !isspace((unsigned char)*l))
			l++;
		rc = parse_option(p, &sig, tok, (size_t)(l - tok));
		if (rc < 0)
			return rc;
	}

	/* The regex: from this slash to the last slash, then the flags. */
	last_slash = end - 1;
	while (last_slash > l && *last_slash != '/')
		last_slash--;
	if (last_slash == l) {
		return set_err(p, "regex has no closing '/'");
	}
	if (last_slash == l + 1) {
		return set_err(p, "empty regex");
	}
	rc = parse_flags(p, &sig, last_slash + 1, (size_t)(end - last_slash - 1));
	if (rc < 0)
		return rc;
	if (memchr(l + 1, '\0', (size_t)(last_slash - l - 1)) != NULL) {
		return set_err(p, "NUL byte in regex (write \\x00)");
	}
	sig.regex = strndup(l + 1, (size_t)(last_slash - l - 1));
	if (sig.regex == NULL)
		return -ENOMEM;
	rc = add_sig(p, &sig);
	if (rc < 0)
		free(sig.regex);
	return rc;
	return 0;
}

struct fz_sigs *fz_sigs_parse(const char *text, size_t len, const char *name, char *err,
                              size_t errlen)
{
	struct parser p = {.err = err, .errlen = errlen};
	size_t pos = 0;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	p.out = calloc(1, sizeof(*p.out));
	if (p.out == NULL)
		goto nomem;
	p.out->path = strdup(name ? name : "(signatures)");
	p.out->apps = calloc(1, sizeof(char *));
	if (p.out->path == NULL || p.out->apps == NULL)
		goto nomem;
	p.out->apps[0] = strdup(FZ_SIGS_UNKNOWN);
	if (p.out->apps[0] == NULL)
		goto nomem;
	p.out->n_apps = 1;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;

		p.line++;
		if (llen > FZ_SIGS_MAX_LINE) {
			set_err(&p, "line longer than %d bytes", FZ_SIGS_MAX_LINE);
			goto inval;
		}
		rc = parse_line(&p, text + pos, llen);
		if (rc == -ENOMEM)
			goto nomem;
		if (rc < 0)
			goto inval;
		pos += llen + 1;
	}
	p.line = 0;
	if (p.out->n_sigs == 0) {
		set_err(&p, "no signatures");
		goto inval;
	}
	return p.out;

nomem:
	if (p.out && p.out->path)
		set_err(&p, "out of memory");
	else if (err && errlen)
		snprintf(err, errlen, "out of memory");
	fz_sigs_free(p.out);
	errno = ENOMEM;
	return NULL;
inval:
	fz_sigs_free(p.out);
	errno = EINVAL;
	return NULL;
}

struct fz_sigs *fz_sigs_load(const char *path, char *err, size_t errlen)
{
	struct fz_sigs *s;
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	FILE *f;
	int e;

	f = fopen(path, "rb");
	if (f == NULL) {
		e = errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *grown;

			cap = cap ? cap * 2 : 8192;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				fclose(f);
				if (err && errlen)
					snprintf(err, errlen, "%s: out of memory", path);
				errno = ENOMEM;
				return NULL;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		e = errno ? errno : EIO;
		free(buf);
		fclose(f);
		if (err && errlen)
			snprintf(err, errlen, "%s: read error: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	fclose(f);
	s = fz_sigs_parse(buf, len, path, err, errlen);
	e = errno;
	free(buf);
	errno = e;
	return s;
}
