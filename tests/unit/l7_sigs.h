/*
 * What the L7 unit tests share (test_l7.c, test_l7_prefilter.c): the default
 * signatures loaded once (def, def_s), signature files written from text, and
 * one packet of a new flow classified. Static: each test program has its own.
 */
#ifndef FZ_L7_SIGS_H
#define FZ_L7_SIGS_H

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "fz_l7.h"
#include "fz_test.h"

#define TCP 6
#define UDP 17

static struct fz_l7 *def;
static struct fz_l7_scratch *def_s;

/* Write text to a temporary file and return its path (static buffer). */
static inline const char *tmp_sigs(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/fz_test_l7_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return "/nonexistent";
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static inline struct fz_l7 *create_from_text(const char *text, unsigned max_pkts,
                                             unsigned max_bytes, char *err, size_t errlen)
{
	struct fz_l7_conf conf = {.max_pkts = max_pkts, .max_bytes = max_bytes};
	struct fz_l7 *l7;

	conf.sig_path = tmp_sigs(text);
	l7 = fz_l7_create(&conf, err, errlen);
	unlink(conf.sig_path);
	return l7;
}

/* Classify one packet of a new flow with the default signatures. */
static inline const char *one(uint8_t proto, unsigned dir, uint16_t sport, uint16_t dport,
                              const void *p, size_t len)
{
	struct fz_l7_flow st = {0};

	fz_l7_scan(def, def_s, &st, dir, proto, sport, dport, p, (uint32_t)len);
	return fz_l7_app_names(def)[st.app];
}

#define STR(s) s, sizeof(s) - 1

/* Load the default signatures (FZ_SRC/signatures/flowzoo.sigs) into def and def_s. 0 or -1. */
static inline int load_defaults(void)
{
	const char *src = getenv("FZ_SRC");
	struct fz_l7_conf conf = {0};
	char path[PATH_MAX], err[512];

	snprintf(path, sizeof(path), "%s/signatures/flowzoo.sigs", src ? src : ".");
	conf.sig_path = path;
	def = fz_l7_create(&conf, err, sizeof(err));
	if (def == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", path, err);
		return -1;
	}
	def_s = fz_l7_scratch_create(def);
	if (def_s == NULL) {
		fprintf(stderr, "cannot allocate scratch\n");
		return -1;
	}
	return 0;
}

static inline void free_defaults(void)
{
	fz_l7_scratch_free(def_s);
	fz_l7_free(def);
}

#endif
