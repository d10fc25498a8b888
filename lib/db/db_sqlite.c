/*
 * lib/db over SQLite: WAL journal so that readers (the dashboard, another
 * member) never block the writer; a 30 s busy timeout for members that
 * share the file; $N parameters become SQLite's ?N.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_priv.h"

static void set_error(struct fz_db *db, const char *what)
{
	snprintf(db->error, sizeof(db->error), "sqlite: %s: %s", what, sqlite3_errmsg(db->conn));
}

static int sq_exec(struct fz_db *db, const char *sql, unsigned n, const char *const *params,
                   fz_db_row_fn fn, void *arg)
{
	char *text = strdup(sql);
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	if (!text)
		return -ENOMEM;
	for (char *p = text; *p; p++)
		if (p[0] == '$' && p[1] >= '0' && p[1] <= '9')
			*p = '?';
	rc = sqlite3_prepare_v2(db->conn, text, -1, &st, NULL);
	free(text);
	if (rc != SQLITE_OK) {
		set_error(db, "prepare");
		return -EIO;
	}
	for (unsigned i = 0; i < n; i++)
		if ((params[i] ? sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC)
		               : sqlite3_bind_null(st, (int)i + 1)) != SQLITE_OK) {
			set_error(db, "bind");
			sqlite3_finalize(st);
			return -EIO;
		}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned nc = (unsigned)sqlite3_column_count(st);
		const char *vals[64];

		if (!fn)
			continue;
		if (nc > 64)
			nc = 64;
		for (unsigned c = 0; c < nc; c++)
			vals[c] = (const char *)sqlite3_column_text(st, (int)c);
		ret = fn(arg, nc, vals);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE) {
		set_error(db, "step");
		ret = -EIO;
	}
	sqlite3_finalize(st);
	return ret;
}

static void sq_close(struct fz_db *db)
{
	sqlite3_close(db->conn);
}

static const struct fz_db_ops sqlite_ops = {
    .kind = "sqlite", .exec = sq_exec, .close = sq_close, .begin = "BEGIN IMMEDIATE"};

int fz_db__sqlite_open(struct fz_db *db, const char *path)
{
	sqlite3 *conn = NULL;
	int rc = 0;

	db->ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(db->error, sizeof(db->error), "sqlite: cannot open %s: %s", path,
		         conn ? sqlite3_errmsg(conn) : "out of memory");
		sqlite3_close(conn);
		return -1;
	}
	db->conn = conn;
	sqlite3_busy_timeout(conn, 30000);
	/* Switching a new file to WAL takes a lock the busy handler does not wait for: two
	 * members starting together on one file see SQLITE_BUSY. Try for up to 30 s. */
	for (int i = 0; i < 300; i++) {
		rc = sq_exec(db, "PRAGMA journal_mode=WAL", 0, NULL, NULL, NULL);
		if (rc == 0 || sqlite3_errcode(conn) != SQLITE_BUSY)
			break;
		usleep(100000);
	}
	if (rc || sq_exec(db, "PRAGMA synchronous=NORMAL", 0, NULL, NULL, NULL)) {
		snprintf(db->error, sizeof(db->error),
		         "sqlite: %.200s is not a usable database: %.250s", path,
		         sqlite3_errmsg(conn));
		sqlite3_close(conn);
		return -1;
	}
	return 0;
}
