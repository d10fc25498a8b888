/* lib/db over PostgreSQL (libpq): text parameters, text results. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "db_priv.h"

static void set_error(struct fz_db *db, const char *msg)
{
	size_t n;

	snprintf(db->error, sizeof(db->error), "postgresql: %s", msg);
	n = strlen(db->error);
	while (n && (db->error[n - 1] == '\n' || db->error[n - 1] == ' '))
		db->error[--n] = 0;
	/* libpq's messages take several lines (one per address tried): one log line. */
	for (char *p = db->error; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

static int pg_exec(struct fz_db *db, const char *sql, unsigned n, const char *const *params,
                   fz_db_row_fn fn, void *arg)
{
	PGresult *r;
	ExecStatusType st;
	int ret = 0, idle;

	/* A server that went away and came back: libpq does not reconnect by itself. A
	 * statement outside a transaction is tried once more on the new connection; in a
	 * transaction the caller rolls back and repeats the whole. */
	if (PQstatus(db->conn) == CONNECTION_BAD)
		PQreset(db->conn);
	idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
	r = PQexecParams(db->conn, sql, (int)n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (idle && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    PQstatus(db->conn) == CONNECTION_BAD) {
		PQclear(r);
		PQreset(db->conn);
		r = PQexecParams(db->conn, sql, (int)n, NULL, params, NULL, NULL, 0);
		st = PQresultStatus(r);
	}

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_error(db, PQerrorMessage(db->conn));
		PQclear(r);
		return -EIO;
	}
	for (int row = 0; fn && st == PGRES_TUPLES_OK && row < PQntuples(r) && !ret; row++) {
		unsigned nc = (unsigned)PQnfields(r);
		const char *vals[64];

		if (nc > 64)
			nc = 64;
		for (unsigned c = 0; c < nc; c++)
			vals[c] = PQgetisnull(r, row, (int)c) ? NULL : PQgetvalue(r, row, (int)c);
		ret = fn(arg, nc, vals);
	}
	PQclear(r);
	return ret;
}

static void pg_close(struct fz_db *db)
{
	PQfinish(db->conn);
}

static const struct fz_db_ops pg_ops = {
    .kind = "postgresql", .exec = pg_exec, .close = pg_close, .begin = "BEGIN"};

int fz_db__pg_open(struct fz_db *db, const char *uri)
{
	PGconn *c = PQconnectdb(uri);

	db->ops = &pg_ops;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		set_error(db, c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return -1;
	}
	db->conn = c;
	/* Notices ("relation already exists, skipping") are not errors. */
	return pg_exec(db, "SET client_min_messages = warning", 0, NULL, NULL, NULL) ? -1 : 0;
}
