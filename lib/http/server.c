/*
 * The server on libmicrohttpd (see fz_http.h). libmicrohttpd parses every
 * request; it runs in "external select" mode with epoll: the caller's
 * thread waits in fz_http_poll(), so the thread, its CPU set and its
 * lifetime are the caller's to choose.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "fz_http.h"

/* A streamed answer in flight (fz_http_stream_ops): on the server's list while its
 * response lives, suspended while its stream has nothing to send. */
struct stream_conn {
	struct fz_http_server *s;
	struct MHD_Connection *conn;
	const struct fz_http_stream_ops *ops;
	void *stream;
	int suspended;
	struct stream_conn *prev, *next;
};

struct fz_http_server {
	struct fz_http_conf conf;
	struct MHD_Daemon *mhd;
	struct fz_http_counters c;
	struct stream_conn *streams; /* the server thread's list */
	char bound[80];
};

static void count(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED);
}

static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct fz_http_server *s = cls;

	(void)len;
	if (fz_http_acl_allows(s->conf.acl, addr))
		return MHD_YES;
	count(&s->c.acl_refused);
	return MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	struct fz_http_server *s = cls;

	(void)conn;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		count(&s->c.connections);
}

/* A constant-time comparison: how long it takes says nothing about the password. */
static int same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = (unsigned char)(la != lb);

	for (size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

static int authorised(const struct fz_http_server *s, struct MHD_Connection *conn)
{
	const struct fz_http_users *u = s->conf.users;
	char *pass = NULL, *user;
	int ok = 0;

	if (u == NULL || u->n == 0)
		return 1;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	for (unsigned i = 0; user && pass && i < u->n; i++)
		if (same_secret(user, u->user[i]) & same_secret(pass, u->pass[i]))
			ok = 1;
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return ok;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
                              char *body, size_t len, int auth_fail)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (auth_fail)
		rc = MHD_queue_basic_auth_fail_response(conn, "flowzoo", resp);
	else
		rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/*
 * A stream's bytes for libmicrohttpd. When it has none, the connection is
 * suspended (libmicrohttpd allows that from this callback) rather than asked
 * again at once, which would spin; fz_http_poll() resumes it when ready().
 */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_conn *sc = cls;
	long n = sc->ops->read(sc->stream, buf, max);

	(void)pos;
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n == 0) {
		sc->suspended = 1;
		MHD_suspend_connection(sc->conn);
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream_conn *sc = cls;

	if (sc->prev)
		sc->prev->next = sc->next;
	else
		sc->s->streams = sc->next;
	if (sc->next)
		sc->next->prev = sc->prev;
	sc->ops->close(sc->stream);
	free(sc);
}

static enum MHD_Result answer_stream(struct fz_http_server *s, struct MHD_Connection *conn,
                                     const struct fz_http_reply *r)
{
	struct stream_conn *sc = calloc(1, sizeof(*sc));
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (sc == NULL) {
		r->stream_ops->close(r->stream);
		return MHD_NO;
	}
	*sc = (struct stream_conn){s, conn, r->stream_ops, r->stream, 0, NULL, s->streams};
	resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, sc, stream_free);
	if (resp == NULL) {
		r->stream_ops->close(r->stream);
		free(sc);
		return MHD_NO;
	}
	if (s->streams)
		s->streams->prev = sc;
	s->streams = sc;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	rc = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

int fz_http_event_id_parse(const char *text, uint64_t *id)
{
	uint64_t v = 0;
	size_t n = strlen(text);

	if (n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(text[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*id = v;
	return 0;
}

/* Resume the suspended streams that have bytes now (all of them with all set). */
static void resume_streams(struct fz_http_server *s, int all)
{
	for (struct stream_conn *sc = s->streams; sc; sc = sc->next)
		if (sc->suspended && (all || sc->ops->ready(sc->stream))) {
			sc->suspended = 0;
			MHD_resume_connection(sc->conn);
		}
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status, const char *text,
                                   int auth_fail)
{
	char *body = strdup(text);

	if (body == NULL)
		return MHD_NO;
	return answer(conn, status, "text/plain; charset=utf-8", body, strlen(body), auth_fail);
}

static int known_path(const struct fz_http_server *s, const char *url)
{
	for (const char *const *p = s->conf.paths; p && *p; p++)
		if (strcmp(*p, url) == 0)
			return 1;
	return 0;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct fz_http_req *req = cls;

	(void)kind;
	if (req->n_args == FZ_HTTP_ARGS_MAX) {
		req->too_many_args = 1;
		return MHD_NO;
	}
	req->args[req->n_args].key = key;
	req->args[req->n_args].value = value;
	req->n_args++;
	return MHD_YES;
}

const char *fz_http_header(const struct fz_http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *fz_http_arg(const struct fz_http_req *req, const char *key)
{
	for (unsigned i = 0; i < req->n_args; i++)
		if (strcmp(req->args[i].key, key) == 0)
			return req->args[i].value ? req->args[i].value : "";
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct fz_http_server *s = cls;
	struct fz_http_reply r = {0};
	struct fz_http_req req = {.path = url, .conn = conn};

	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		/* Read-only: anything else is refused once its body (if any) is read. */
		if (*upload_data_size) {
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (*con_cls == NULL) {
			*con_cls = s;
			return MHD_YES;
		}
		count(&s->c.bad_method);
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		                   "read-only: GET and HEAD only\n", 0);
	}
	if (!authorised(s, conn)) {
		count(&s->c.auth_failed);
		return answer_text(conn, MHD_HTTP_UNAUTHORIZED, "authentication required\n", 1);
	}
	if (!known_path(s, url)) {
		count(&s->c.not_found);
		return answer_text(conn, MHD_HTTP_NOT_FOUND, "not found\n", 0);
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &req);
	if (s->conf.handler(s->conf.arg, &req, &r) != 0 || (r.body == NULL && !r.stream_ops)) {
		if (r.stream_ops)
			r.stream_ops->close(r.stream);
		free(r.body);
		count(&s->c.handler_error);
		return answer_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n", 0);
	}
	count(&s->c.requests);
	if (r.stream_ops)
		return answer_stream(s, conn, &r);
	return answer(conn, r.status, r.type ? r.type : "text/plain", r.body, r.len, 0);
}

struct fz_http_server *fz_http_create(const struct fz_http_conf *conf, char *err, size_t errlen)
{
	struct fz_http_server *s = calloc(1, sizeof(*s));
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	int tls = conf->tls_cert_pem != NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage bound;

	if (s == NULL) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->conf = *conf;
	if (tls != (conf->tls_key_pem != NULL)) {
		snprintf(err, errlen, "TLS needs both a certificate and a key");
		goto fail;
	}
	if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "this libmicrohttpd was built without TLS");
		goto fail;
	}
	if (conf->addr.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	s->mhd = MHD_start_daemon(
	    flags, 0, accept_policy, s, on_request, s, MHD_OPTION_SOCK_ADDR, &s->conf.addr.ss,
	    MHD_OPTION_CONNECTION_LIMIT, conf->max_connections ? conf->max_connections : 256u,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, conf->max_per_address ? conf->max_per_address : 64u,
	    MHD_OPTION_CONNECTION_TIMEOUT, conf->idle_timeout_s ? conf->idle_timeout_s : 10u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(conf->conn_memory ? conf->conn_memory : 16384u), MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u,
	    tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, conf->tls_key_pem,
	    MHD_OPTION_HTTPS_MEM_CERT, conf->tls_cert_pem, MHD_OPTION_END);
	if (s->mhd == NULL) {
		char where[80];

		fz_http_addr_text((const struct sockaddr *)&conf->addr.ss, where, sizeof(where));
		snprintf(err, errlen, "cannot serve on %s: %s%s", where, strerror(errno),
		         tls ? " (or the TLS certificate or key is not valid PEM)" : "");
		goto fail;
	}
	bound = conf->addr.ss;
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	if (info) {
		uint16_t port = htons(info->port);

		if (bound.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&bound)->sin6_port = port;
		else
			((struct sockaddr_in *)&bound)->sin_port = port;
	}
	fz_http_addr_text((const struct sockaddr *)&bound, s->bound, sizeof(s->bound));
	return s;
fail:
	free(s);
	return NULL;
}

int fz_http_poll(struct fz_http_server *s, int timeout_ms)
{
	if (MHD_run_wait(s->mhd, timeout_ms) != MHD_YES)
		return -EIO;
	resume_streams(s, 0);
	return 0;
}

const char *fz_http_bound(const struct fz_http_server *s)
{
	return s->bound;
}

const struct fz_http_counters *fz_http_counters(const struct fz_http_server *s)
{
	return &s->c;
}

void fz_http_free(struct fz_http_server *s)
{
	if (s == NULL)
		return;
	/* libmicrohttpd closes (and frees the responses of) resumed connections only. */
	resume_streams(s, 1);
	MHD_stop_daemon(s->mhd);
	free(s);
}
