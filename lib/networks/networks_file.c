/* The networks file (docs/traffic.md): JSON in, struct fz_networks out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fz_networks.h"
#include "networks_priv.h"

/* A message about entry i of the file. */
#define ENTRY_ERR(...)                                                                             \
	do {                                                                                       \
		char what_[512];                                                                   \
		snprintf(what_, sizeof(what_), __VA_ARGS__);                                       \
		snprintf(err, errlen, "%s: networks[%zu]%s%s%s: %s", source, i,                    \
		         name ? " (\"" : "", name ? name : "", name ? "\")" : "", what_);          \
	} while (0)

static int only_keys(json_t *o, const char *const *keys, const char **bad)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		int known = 0;

		for (const char *const *p = keys; *p; p++)
			known |= strcmp(k, *p) == 0;
		if (!known) {
			*bad = k;
			return -1;
		}
	}
	return 0;
}

struct fz_networks *fz_networks_parse(const char *text, size_t len, const char *source, char *err,
                                      size_t errlen)
{
	static const char *const top_keys[] = {"networks", "ignore", NULL};
	static const char *const net_keys[] = {"name", "prefixes", "alerts", NULL};
	struct fz_networks *n = NULL;
	struct prefix *pfx[2] = {NULL, NULL};
	unsigned np[2] = {0, 0}, cap[2] = {0, 0};
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *arr;
	const char *bad;
	size_t i = 0;
	const char *name = NULL;

	if (root == NULL) {
		snprintf(err, errlen, "%s:%d: %s", source, je.line, je.text);
		errno = EINVAL;
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: expected an object {\"networks\": [...]}", source);
		goto inval;
	}
	if (only_keys(root, top_keys, &bad)) {
		snprintf(err, errlen, "%s: unknown key '%s' (expected \"networks\", \"ignore\")",
		         source, bad);
		goto inval;
	}
	arr = json_object_get(root, "networks");
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "%s: \"networks\" must be an array of networks", source);
		goto inval;
	}
	if (json_array_size(arr) > FZ_NETWORKS_MAX) {
		snprintf(err, errlen, "%s: %zu networks, at most %d", source, json_array_size(arr),
		         FZ_NETWORKS_MAX);
		goto inval;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL || (n->names = calloc(json_array_size(arr) + 1, sizeof(char *))) == NULL ||
	    (n->alerts = calloc(json_array_size(arr) + 1, sizeof(*n->alerts))) == NULL)
		goto nomem;
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *net = json_array_get(arr, i), *ps, *jn;

		name = NULL;
		if (!json_is_object(net)) {
			ENTRY_ERR("expected an object {\"name\": ..., \"prefixes\": [...]}");
			goto inval;
		}
		jn = json_object_get(net, "name");
		if (json_is_string(jn))
			name = json_string_value(jn);
		if (only_keys(net, net_keys, &bad)) {
			ENTRY_ERR("unknown key '%s' (expected \"name\", \"prefixes\", \"alerts\")",
			          bad);
			goto inval;
		}
		if (name == NULL || *name == '\0' || strlen(name) > FZ_NETWORK_NAME_MAX) {
			ENTRY_ERR("\"name\" must be a string of 1 to %d characters",
			          FZ_NETWORK_NAME_MAX);
			goto inval;
		}
		for (unsigned k = 0; k < n->n; k++)
			if (strcmp(n->names[k], name) == 0) {
				ENTRY_ERR("the name is already used by networks[%u]", k);
				goto inval;
			}
		ps = json_object_get(net, "prefixes");
		if (!json_is_array(ps) || json_array_size(ps) == 0) {
			ENTRY_ERR("\"prefixes\" must be a non-empty array of strings");
			goto inval;
		}
		{
			char why[256];
			int rc = fz_networks__parse_alerts(n, n->n, json_object_get(net, "alerts"),
			                                   why, sizeof(why));

			if (rc == -ENOMEM)
				goto nomem;
			if (rc) {
				ENTRY_ERR("\"alerts\": %s", why);
				goto inval;
			}
		}
		n->names[n->n] = strdup(name);
		if (n->names[n->n] == NULL)
			goto nomem;
		n->n++;
		for (size_t k = 0; k < json_array_size(ps); k++) {
			json_t *js = json_array_get(ps, k);
			uint8_t a[16];
			unsigned l128;
			int ver, f;
			char why[256];

			if (!json_is_string(js)) {
				ENTRY_ERR("prefixes[%zu] is not a string", k);
				goto inval;
			}
			if (fz_networks_parse_prefix(json_string_value(js), a, &l128, &ver, why,
			                             sizeof(why))) {
				ENTRY_ERR("prefix \"%s\": %s", json_string_value(js), why);
				goto inval;
			}
			f = ver == 4 ? 0 : 1;
			if (np[f] == cap[f]) {
				struct prefix *b;

				cap[f] = cap[f] ? cap[f] * 2 : 16;
				b = realloc(pfx[f], cap[f] * sizeof(*b));
				if (b == NULL)
					goto nomem;
				pfx[f] = b;
			}
			if (fz_networks_add_prefix(&pfx[f][np[f]], a, l128, ver, (uint16_t)n->n)) {
				ENTRY_ERR("prefix \"%s\": out of range", json_string_value(js));
				goto inval;
			}
			for (unsigned q = 0; q < np[f]; q++)
				if (pfx[f][q].lo == pfx[f][np[f]].lo &&
				    pfx[f][q].len == pfx[f][np[f]].len) {
					ENTRY_ERR("prefix \"%s\" is already in network \"%s\"",
					          json_string_value(js),
					          n->names[pfx[f][q].id - 1]);
					goto inval;
				}
			np[f]++;
		}
	}
	{
		int rc = fz_networks__parse_ignore(n, json_object_get(root, "ignore"), source, err,
		                                   errlen);

		if (rc == -ENOMEM)
			goto nomem;
		if (rc)
			goto inval;
	}
	for (int f = 0; f < 2; f++)
		if (fz_networks_build(n, f, pfx[f], np[f]))
			goto nomem;
	free(pfx[0]);
	free(pfx[1]);
	json_decref(root);
	return n;
nomem:
	snprintf(err, errlen, "%s: %s", source, strerror(ENOMEM));
	free(pfx[0]);
	free(pfx[1]);
	fz_networks_free(n);
	json_decref(root);
	errno = ENOMEM;
	return NULL;
inval:
	free(pfx[0]);
	free(pfx[1]);
	fz_networks_free(n);
	json_decref(root);
	errno = EINVAL;
	return NULL;
}

struct fz_networks *fz_networks_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct fz_networks *n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (b == NULL) {
				free(buf);
				fclose(f);
				snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
				errno = ENOMEM;
				return NULL;
			}
			buf = b;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e ? e : EIO));
		free(buf);
		fclose(f);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(f);
	n = fz_networks_parse(buf, len, path, err, errlen);
	free(buf);
	return n;
}
