/*
 * The server's address, its source-address ACL and its basic-auth users:
 * configuration text, checked when the options are read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz_http.h"

/* A decimal port 0..65535, the whole of text. */
static int port_of(const char *text, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int fz_http_addr_parse(const char *text, struct fz_http_addr *a, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *port_text = text;
	uint16_t port;

	memset(a, 0, sizeof(*a));
	snprintf(host, sizeof(host), "127.0.0.1");
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':' ||
		    (size_t)(close - text - 1) >= sizeof(host)) {
			snprintf(err, errlen, "'%s' is not [IPV6]:PORT", text);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1), text + 1);
		port_text = close + 2;
	} else if ((colon = strrchr(text, ':')) != NULL) {
		if (strchr(text, ':') != colon || (size_t)(colon - text) >= sizeof(host)) {
			snprintf(err, errlen,
			         "'%s': write an IPv6 address in brackets ([::1]:PORT)", text);
			return -EINVAL;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
		port_text = colon + 1;
	}
	if (port_of(port_text, &port)) {
		snprintf(err, errlen, "'%s': the port is not a number from 0 to 65535", text);
		return -EINVAL;
	}
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
			a->len = sizeof(*s6);
			return 0;
		}
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
			a->len = sizeof(*s4);
			return 0;
		}
	}
	snprintf(err, errlen, "'%s': '%s' is not an IPv4 or IPv6 address", text, host);
	return -EINVAL;
}

void fz_http_addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, cap, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, cap, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/* One ADDR[/BITS] of an ACL. */
static int acl_add(struct fz_http_acl *acl, const char *item, char *err, size_t errlen)
{
	char host[64];
	const char *slash = strchr(item, '/');
	unsigned long bits;
	unsigned max;
	uint8_t addr[16] = {0};
	int family;

	if (acl->n == FZ_HTTP_ACL_MAX) {
		snprintf(err, errlen, "at most %d prefixes", FZ_HTTP_ACL_MAX);
		return -ENOSPC;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(slash ? (size_t)(slash - item) : strlen(item)),
	         item);
	family = strchr(host, ':') ? AF_INET6 : AF_INET;
	max = family == AF_INET6 ? 128 : 32;
	if (inet_pton(family, host, addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address", host);
		return -EINVAL;
	}
	bits = max;
	if (slash) {
		char *end;

		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || errno || *end || bits > max) {
			snprintf(err, errlen,
			         "'%s': the prefix length is not a number from 0 to %u", item, max);
			return -EINVAL;
		}
	}
	for (unsigned b = (unsigned)bits; b < max; b++)
		if (addr[b / 8] & (0x80 >> (b % 8))) {
			snprintf(err, errlen,
			         "'%s': bits are set after the first %lu (did you mean "
			         "a network address?)",
			         item, bits);
			return -EINVAL;
		}
	acl->p[acl->n].family = (uint8_t)family;
	acl->p[acl->n].bits = (uint8_t)bits;
	memcpy(acl->p[acl->n].addr, addr, sizeof(addr));
	acl->n++;
	return 0;
}

int fz_http_acl_parse(struct fz_http_acl *acl, const char *text, char *err, size_t errlen)
{
	char item[128];

	if (*text == '\0') {
		snprintf(err, errlen, "the list is empty");
		return -EINVAL;
	}
	for (const char *p = text;;) {
		size_t len = strcspn(p, ",");
		int rc;

		if (len == 0 || len >= sizeof(item)) {
			snprintf(err, errlen, "'%s': %s", text,
			         len ? "a prefix is too long" : "an empty item");
			return -EINVAL;
		}
		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		rc = acl_add(acl, item, err, errlen);
		if (rc)
			return rc;
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

static int prefix_match(const uint8_t *a, const uint8_t *p, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, p, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ p[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

int fz_http_acl_allows(const struct fz_http_acl *acl, const struct sockaddr *sa)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const uint8_t *a6 = NULL, *a4 = NULL;

	if (acl == NULL || acl->n == 0)
		return 1;
	if (sa->sa_family == AF_INET) {
		a4 = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		a6 = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (memcmp(a6, mapped, sizeof(mapped)) == 0)
			a4 = a6 + 12;
	}
	for (unsigned i = 0; i < acl->n; i++) {
		const uint8_t *a = acl->p[i].family == AF_INET ? a4 : a6;

		if (a && prefix_match(a, acl->p[i].addr, acl->p[i].bits))
			return 1;
	}
	return 0;
}

int fz_http_users_load(struct fz_http_users *u, const char *path, char *err, size_t errlen)
{
	char line[256];
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");

	memset(u, 0, sizeof(*u));
	if (f == NULL) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || colon[1] == '\0' ||
		    (size_t)(colon - line) >= sizeof(u->user[0]) ||
		    strlen(colon + 1) >= sizeof(u->pass[0]) || u->n == FZ_HTTP_USERS_MAX) {
			snprintf(err, errlen, "%s:%u: not USER:PASSWORD (at most %d users)", path,
			         lineno, FZ_HTTP_USERS_MAX);
			fclose(f);
			return -EINVAL;
		}
		/* Both fit: the lengths were checked above. */
		memcpy(u->user[u->n], line, (size_t)(colon - line));
		u->user[u->n][colon - line] = '\0';
		memcpy(u->pass[u->n], colon + 1, strlen(colon + 1) + 1);
		u->n++;
	}
	fclose(f);
	if (u->n == 0) {
		snprintf(err, errlen, "%s: no USER:PASSWORD line", path);
		return -EINVAL;
	}
	return 0;
}
