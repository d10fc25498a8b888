/*
 * A small read-only HTTP server for the appliance's observability
 * endpoints, on GNU libmicrohttpd: GET and HEAD only, a handler per
 * request, source-address ACL checked before a connection is accepted,
 * optional TLS and HTTP basic auth through libmicrohttpd's own support, and
 * bounds on connections, per-address connections, per-connection memory
 * (large headers are refused with 431) and idle time, so that bad or slow
 * clients cost a poll event and never hold anything the data path needs.
 *
 * The server does not start a thread: the caller runs fz_http_poll() on a
 * thread of its own. Handlers run on that thread.
 */
#ifndef FZ_HTTP_H
#define FZ_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* --http [ADDR:]PORT: ADDR is an IPv4 address or a bracketed IPv6 one
 * ("[::1]:9100"); without it 127.0.0.1. PORT 0 takes any free port. */
struct fz_http_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Parse text into a; 0, or -EINVAL with a message (without the option's name) in err. */
int fz_http_addr_parse(const char *text, struct fz_http_addr *a, char *err, size_t errlen);

/* "ADDR:PORT" ("[v6]:PORT") of a socket address. */
void fz_http_addr_text(const struct sockaddr *sa, char *buf, size_t cap);

#define FZ_HTTP_ACL_MAX 64

/* Allowed source prefixes; none means every source. */
struct fz_http_acl {
	unsigned n;
	struct {
		uint8_t family; /* AF_INET or AF_INET6 */
		uint8_t bits;
		uint8_t addr[16];
	} p[FZ_HTTP_ACL_MAX];
};

/*
 * Add the prefixes of text to acl: a comma-separated list of ADDR or
 * ADDR/BITS, IPv4 or IPv6 ("10.0.0.0/8,::1"). Host bits set under the mask
 * are an error (a typo more often than intended). 0, or -EINVAL / -ENOSPC
 * with a message in err.
 */
int fz_http_acl_parse(struct fz_http_acl *acl, const char *text, char *err, size_t errlen);

/* Whether acl allows a connection from sa (an IPv4-mapped IPv6 source matches IPv4
 * prefixes). */
int fz_http_acl_allows(const struct fz_http_acl *acl, const struct sockaddr *sa);

/* One HTTP basic-auth credential: "user:password" lines of a file. */
#define FZ_HTTP_USERS_MAX 16

struct fz_http_users {
	unsigned n;
	char user[FZ_HTTP_USERS_MAX][64];
	char pass[FZ_HTTP_USERS_MAX][128];
};

/* Read "user:password" lines (blank lines and '#' comments skipped). 0, or a negative
 * errno with a message in err. */
int fz_http_users_load(struct fz_http_users *u, const char *path, char *err, size_t errlen);

/*
 * A streamed answer (Server-Sent Events): instead of a body, the server asks
 * read() for bytes whenever the client can take them, on the server's
 * thread, until read() ends it or the client goes.
 */
struct fz_http_stream_ops {
	/* Up to cap bytes into buf: their count; 0 when there is nothing to send now (the
	 * connection then waits, without being polled, until ready() says there is); -1 ends
	 * the answer. */
	long (*read)(void *stream, char *buf, size_t cap);
	/* Whether read() has bytes now; asked for each waiting stream after every poll. */
	int (*ready)(void *stream);
	/* The connection is gone (or the server stops): free the stream. */
	void (*close)(void *stream);
};

/* An event id of a Server-Sent Events stream as a client sends it back (Last-Event-ID):
 * 1 to 20 decimal digits, below 2^64, nothing else. 0, or -EINVAL. */
int fz_http_event_id_parse(const char *text, uint64_t *id);

/* A handler's answer. body is malloc'd; the server frees it. With stream_ops set, the
 * answer is the stream instead (body unused; the server calls close() in every case). */
struct fz_http_reply {
	unsigned status;
	const char *type; /* Content-Type */
	char *body;
	size_t len;
	const struct fz_http_stream_ops *stream_ops;
	void *stream;
};

#define FZ_HTTP_ARGS_MAX 8

/* A request as the handler sees it: the path without the query string, and the query's
 * arguments as libmicrohttpd decoded them (a key without '=' has a NULL value). */
struct fz_http_req {
	const char *path;
	unsigned n_args;
	int too_many_args; /* more than FZ_HTTP_ARGS_MAX: args holds the first ones */
	struct {
		const char *key, *value;
	} args[FZ_HTTP_ARGS_MAX];
	void *conn; /* the server's, for fz_http_header() */
};

/* The value of the request header name (case-insensitive), or NULL when absent. */
const char *fz_http_header(const struct fz_http_req *req, const char *name);

/* The value of the query argument key ("" for "?key"), or NULL when absent. */
const char *fz_http_arg(const struct fz_http_req *req, const char *key);

/* Fill r for a GET of req->path. Returns 0, or -1 for a 500. */
typedef int (*fz_http_handler)(void *arg, const struct fz_http_req *req, struct fz_http_reply *r);

/* Counters of the server, single uint64_t words written by its thread. */
struct fz_http_counters {
	uint64_t connections;   /* accepted */
	uint64_t acl_refused;   /* connections the ACL refused */
	uint64_t requests;      /* requests answered by a handler */
	uint64_t auth_failed;   /* requests without valid credentials */
	uint64_t bad_method;    /* requests other than GET and HEAD */
	uint64_t not_found;     /* requests of an unknown path (404) */
	uint64_t handler_error; /* 500 */
};

struct fz_http_conf {
	struct fz_http_addr addr;
	const struct fz_http_acl *acl;     /* NULL: every source */
	const struct fz_http_users *users; /* NULL: no authentication */
	const char *tls_cert_pem;          /* both or neither: HTTPS */
	const char *tls_key_pem;
	unsigned max_connections; /* default 256 */
	unsigned max_per_address; /* default 64 */
	unsigned idle_timeout_s;  /* default 10 */
	unsigned conn_memory;     /* bytes per connection for the request, default 16384 */
	const char *const *paths; /* the paths the handler serves (NULL-terminated) */
	fz_http_handler handler;
	void *arg;
};

struct fz_http_server;

/* Bind and listen. NULL with a message in err (the address in use, TLS not built...). */
struct fz_http_server *fz_http_create(const struct fz_http_conf *conf, char *err, size_t errlen);

/* Serve for at most timeout_ms: wait for events, answer what is ready. 0 or -EIO. */
int fz_http_poll(struct fz_http_server *s, int timeout_ms);

/* The bound address ("127.0.0.1:9100"), with the real port when 0 was asked. */
const char *fz_http_bound(const struct fz_http_server *s);

/* The counters (the server's thread writes them; read with fz_counters_load_words). */
const struct fz_http_counters *fz_http_counters(const struct fz_http_server *s);

/* Close every connection and the socket. */
void fz_http_free(struct fz_http_server *s);

/* Read the whole regular file at path into *body (malloc'd, NUL-terminated; *len bytes
 * without the NUL), to serve it from memory. 0, or a negative errno (*body NULL): fopen's,
 * -EISDIR for anything but a regular file, -ENOMEM, -EIO when it changed size meanwhile. */
int fz_http_file_load(const char *path, char **body, size_t *len);

/* A file of a page: its URL path, its name in the page's directory (NULL: the one file read
 * from elsewhere, e.g. Chart.js), its Content-Type. */
struct fz_http_file {
	const char *path, *name, *type;
};

#define FZ_HTTP_PAGE_FILES 8

/* A page's files, read once. */
struct fz_http_page {
	const struct fz_http_file *files;
	unsigned n;
	char *body[FZ_HTTP_PAGE_FILES];
	size_t len[FZ_HTTP_PAGE_FILES];
};

/* Read the n files of files[] (at most FZ_HTTP_PAGE_FILES; kept, not copied): each named one
 * from dir, the one without a name from other. 0, or fz_http_file_load's negative errno with
 * the path that could not be read in failed (cap bytes); free with fz_http_page_free either
 * way. */
int fz_http_page_load(struct fz_http_page *pg, const struct fz_http_file *files, unsigned n,
                      const char *dir, const char *other, char *failed, size_t cap);

/* When path is one of the page's files, answer it (200, its type, a copy of its bytes) and
 * return 1; 0 when it is not one; -1 without memory. */
int fz_http_page_reply(const struct fz_http_page *pg, const char *path, struct fz_http_reply *r);

void fz_http_page_free(struct fz_http_page *pg);

#endif
