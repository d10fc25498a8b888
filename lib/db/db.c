/* lib/db: the URL decides the backend; the rest is the backends' table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_priv.h"

struct fz_db *fz_db_open(const char *url, char *err, size_t err_cap)
{
	struct fz_db *db = calloc(1, sizeof(*db));
	int rc;

	if (!db) {
		snprintf(err, err_cap, "out of memory");
		return NULL;
	}
	if (strncmp(url, "sqlite:", 7) == 0 && url[7]) {
		rc = fz_db__sqlite_open(db, url + 7);
	} else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
		rc = fz_db__pg_open(db, url);
	} else {
		snprintf(err, err_cap,
		         "database URL '%s' is neither sqlite:PATH nor postgresql://...", url);
		free(db);
		errno = EINVAL;
		return NULL;
	}
	if (rc) {
		snprintf(err, err_cap, "%s", db->error);
		free(db);
		errno = EIO;
		return NULL;
	}
	return db;
}

void fz_db_close(struct fz_db *db)
{
	if (!db)
		return;
	db->ops->close(db);
	free(db);
}

const char *fz_db_kind(const struct fz_db *db)
{
	return db->ops->kind;
}

int fz_db_exec(struct fz_db *db, const char *sql, unsigned n, const char *const *params,
               fz_db_row_fn fn, void *arg)
{
	return db->ops->exec(db, sql, n, params, fn, arg);
}

int fz_db_begin(struct fz_db *db)
{
	return fz_db_exec(db, db->ops->begin, 0, NULL, NULL, NULL);
}

int fz_db_commit(struct fz_db *db)
{
	return fz_db_exec(db, "COMMIT", 0, NULL, NULL, NULL);
}

void fz_db_rollback(struct fz_db *db)
{
	char keep[sizeof(db->error)];

	memcpy(keep, db->error, sizeof(keep));
	(void)fz_db_exec(db, "ROLLBACK", 0, NULL, NULL, NULL);
	memcpy(db->error, keep, sizeof(keep));
}

const char *fz_db_error(const struct fz_db *db)
{
	return db->error;
}
