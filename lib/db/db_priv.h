/* The two backends of lib/db behind one table of operations. */
#ifndef FZ_DB_PRIV_H
#define FZ_DB_PRIV_H

#include "fz_db.h"

struct fz_db_ops {
	const char *kind;
	int (*exec)(struct fz_db *db, const char *sql, unsigned n, const char *const *params,
	            fz_db_row_fn fn, void *arg);
	void (*close)(struct fz_db *db);
	const char *begin; /* the statement that opens a write transaction */
};

struct fz_db {
	const struct fz_db_ops *ops;
	void *conn;
	char error[512];
};

/* Each backend's open: 0, or -1 with db->error set. */
int fz_db__sqlite_open(struct fz_db *db, const char *path);
int fz_db__pg_open(struct fz_db *db, const char *uri);

#endif
