/*
 * A cache of compiled Hyperscan databases: compiling the signatures takes
 * about a tenth of a second, most of an offline run's start-up. A database
 * is stored (hs_serialize_database) under a key made of everything that
 * went into it: Hyperscan's version, this CPU's platform, the mode, and
 * every expression with its flags and id. Any other file, or one that does
 * not read back whole, is ignored and the signatures are compiled again.
 * The directory is made private (0700): a database file is trusted input.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l7_priv.h"

#define MAGIC 0x667a6873u /* "fzhs" */

struct cache_header {
	uint32_t magic;
	uint32_t min_len;
	uint64_t key[2];
	uint64_t size; /* bytes of the serialized database that follow */
};

static void mix(uint64_t key[2], const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		key[0] = (key[0] ^ b[i]) * 0x100000001b3ull;
		key[1] = (key[1] ^ b[i]) * 0x100000001b3ull + (key[1] >> 29);
	}
}

void fz_l7__cache_key(const char *const *exprs, const unsigned *flags, const unsigned *ids,
                      unsigned n, uint64_t key[2])
{
	hs_platform_info_t plat;
	unsigned mode = HS_MODE_BLOCK;
	const char *ver = hs_version();

	key[0] = 0xcbf29ce484222325ull;
	key[1] = 0x84222325cbf29ce4ull;
	memset(&plat, 0, sizeof(plat));
	hs_populate_platform(&plat);
	mix(key, ver, strlen(ver) + 1);
	mix(key, &plat, sizeof(plat));
	mix(key, &mode, sizeof(mode));
	mix(key, &n, sizeof(n));
	for (unsigned i = 0; i < n; i++) {
		mix(key, exprs[i], strlen(exprs[i]) + 1);
		mix(key, &flags[i], sizeof(flags[i]));
		mix(key, &ids[i], sizeof(ids[i]));
	}
}

static void path_of(const char *dir, const uint64_t key[2], char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/hs-%016llx%016llx.db", dir, (unsigned long long)key[0],
	         (unsigned long long)key[1]);
}

hs_database_t *fz_l7__cache_load(const char *dir, const uint64_t key[2], uint32_t *min_len)
{
	char path[4096];
	struct cache_header h;
	hs_database_t *db = NULL;
	char *bytes = NULL;
	int fd;

	if (dir == NULL)
		return NULL;
	path_of(dir, key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || h.magic != MAGIC ||
	    h.key[0] != key[0] || h.key[1] != key[1] || h.size == 0 || h.size > (64u << 20))
		goto done;
	bytes = malloc(h.size);
	if (bytes == NULL || read(fd, bytes, h.size) != (ssize_t)h.size)
		goto done;
	if (hs_deserialize_database(bytes, h.size, &db) != HS_SUCCESS)
		db = NULL;
	else
		*min_len = h.min_len;
done:
	free(bytes);
	close(fd);
	return db;
}

/* mkdir -p with mode 0700 for what it makes. */
static int make_dir(const char *dir)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0700) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

void fz_l7__cache_store(const char *dir, const uint64_t key[2], const hs_database_t *db,
                        uint32_t min_len)
{
	char path[4096], tmp[4200];
	struct cache_header h = {MAGIC, min_len, {key[0], key[1]}, 0};
	char *bytes = NULL;
	size_t len = 0;
	int fd, ok;

	if (dir == NULL || make_dir(dir) != 0 ||
	    hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	h.size = len;
	path_of(dir, key, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		/* Written whole under another name, then renamed: a reader sees all or none. */
		ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
		     write(fd, bytes, len) == (ssize_t)len;
		ok = close(fd) == 0 && ok;
		if (!ok || rename(tmp, path) != 0)
			unlink(tmp);
	}
	free(bytes);
}
