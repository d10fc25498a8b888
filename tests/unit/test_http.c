/* Unit tests of lib/http: the address, ACL and event id parsers, the users file, a file read
 * to be served from memory, and a
 * server on loopback answering, refusing by ACL and by credentials, 404 and 405, and
 * streaming an answer that waits (suspended) until its stream is ready. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fz_http.h"
#include "fz_test.h"

static void test_addr(void)
{
	struct fz_http_addr a;
	char err[256], text[80];

	FZ_CHECK_INT(0, fz_http_addr_parse("9100", &a, err, sizeof(err)));
	fz_http_addr_text((struct sockaddr *)&a.ss, text, sizeof(text));
	FZ_CHECK_STR("127.0.0.1:9100", text);
	FZ_CHECK_INT(0, fz_http_addr_parse("0.0.0.0:80", &a, err, sizeof(err)));
	fz_http_addr_text((struct sockaddr *)&a.ss, text, sizeof(text));
	FZ_CHECK_STR("0.0.0.0:80", text);
	FZ_CHECK_INT(0, fz_http_addr_parse("[::1]:0", &a, err, sizeof(err)));
	fz_http_addr_text((struct sockaddr *)&a.ss, text, sizeof(text));
	FZ_CHECK_STR("[::1]:0", text);
	FZ_CHECK_INT(sizeof(struct sockaddr_in6), a.len);
	FZ_CHECK_INT(-EINVAL, fz_http_addr_parse("65536", &a, err, sizeof(err)));
	FZ_CHECK_STR("'65536': the port is not a number from 0 to 65535", err);
	FZ_CHECK_INT(-EINVAL, fz_http_addr_parse("::1:9100", &a, err, sizeof(err)));
	FZ_CHECK_STR("'::1:9100': write an IPv6 address in brackets ([::1]:PORT)", err);
	FZ_CHECK_INT(-EINVAL, fz_http_addr_parse("localhost:9100", &a, err, sizeof(err)));
	FZ_CHECK_STR("'localhost:9100': 'localhost' is not an IPv4 or IPv6 address", err);
	FZ_CHECK_INT(-EINVAL, fz_http_addr_parse("[::1]9100", &a, err, sizeof(err)));
	FZ_CHECK_STR("'[::1]9100' is not [IPV6]:PORT", err);
	FZ_CHECK_INT(-EINVAL, fz_http_addr_parse("1.2.3.4:", &a, err, sizeof(err)));
	FZ_CHECK_INT(-EINVAL, fz_http_addr_parse("-1", &a, err, sizeof(err)));
}

static struct sockaddr_storage sa_of(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	} else {
		ss.ss_family = AF_INET;
		inet_pton(AF_INET, text, &((struct sockaddr_in *)&ss)->sin_addr);
	}
	return ss;
}

static int allows(const struct fz_http_acl *acl, const char *text)
{
	struct sockaddr_storage ss = sa_of(text);

	return fz_http_acl_allows(acl, (struct sockaddr *)&ss);
}

static void test_acl(void)
{
	struct fz_http_acl acl;
	char err[256];

	memset(&acl, 0, sizeof(acl));
	FZ_CHECK_INT(1, allows(&acl, "192.0.2.1")); /* empty: everyone */
	FZ_CHECK_INT(0, fz_http_acl_parse(&acl, "10.0.0.0/8,192.168.1.5", err, sizeof(err)));
	FZ_CHECK_INT(0, fz_http_acl_parse(&acl, "2001:db8::/32,::1", err, sizeof(err)));
	FZ_CHECK_INT(4, acl.n);
	FZ_CHECK_INT(1, allows(&acl, "10.255.0.1"));
	FZ_CHECK_INT(0, allows(&acl, "11.0.0.1"));
	FZ_CHECK_INT(1, allows(&acl, "192.168.1.5"));
	FZ_CHECK_INT(0, allows(&acl, "192.168.1.6"));
	FZ_CHECK_INT(1, allows(&acl, "2001:db8:1::7"));
	FZ_CHECK_INT(0, allows(&acl, "2001:db9::1"));
	FZ_CHECK_INT(1, allows(&acl, "::1"));
	FZ_CHECK_INT(1, allows(&acl, "::ffff:10.1.2.3")); /* IPv4-mapped on a v6 socket */
	FZ_CHECK_INT(0, allows(&acl, "::ffff:11.1.2.3"));
	memset(&acl, 0, sizeof(acl));
	FZ_CHECK_INT(0, fz_http_acl_parse(&acl, "10.1.3.0/23", err, sizeof(err)) == 0);
	FZ_CHECK_STR("'10.1.3.0/23': bits are set after the first 23 (did you mean a network "
	             "address?)",
	             err);
	FZ_CHECK_INT(-EINVAL, fz_http_acl_parse(&acl, "10.0.0.0/33", err, sizeof(err)));
	FZ_CHECK_STR("'10.0.0.0/33': the prefix length is not a number from 0 to 32", err);
	FZ_CHECK_INT(-EINVAL, fz_http_acl_parse(&acl, "10.0.0.0/", err, sizeof(err)));
	FZ_CHECK_INT(-EINVAL, fz_http_acl_parse(&acl, "10.0.0.0,,::1", err, sizeof(err)));
	FZ_CHECK_STR("'10.0.0.0,,::1': an empty item", err);
	FZ_CHECK_INT(-EINVAL, fz_http_acl_parse(&acl, "", err, sizeof(err)));
	FZ_CHECK_INT(-EINVAL, fz_http_acl_parse(&acl, "example.com", err, sizeof(err)));
	FZ_CHECK_STR("'example.com' is not an IPv4 or IPv6 address", err);
	memset(&acl, 0, sizeof(acl));
	FZ_CHECK_INT(0, fz_http_acl_parse(&acl, "0.0.0.0/0", err, sizeof(err)));
	FZ_CHECK_INT(1, allows(&acl, "203.0.113.9"));
	FZ_CHECK_INT(0, allows(&acl, "2001:db8::1")); /* IPv4 prefixes only */
	for (unsigned i = acl.n; i < FZ_HTTP_ACL_MAX; i++)
		FZ_CHECK_INT(0, fz_http_acl_parse(&acl, "::1", err, sizeof(err)));
	FZ_CHECK_INT(-ENOSPC, fz_http_acl_parse(&acl, "::1", err, sizeof(err)));
}

static void test_users(void)
{
	char path[] = "/tmp/fz_test_usersXXXXXX", err[512];
	struct fz_http_users u;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("# scrapers\nprom:s3cret:with:colons\n\nops:pw\n", f);
	fclose(f);
	FZ_CHECK_INT(0, fz_http_users_load(&u, path, err, sizeof(err)));
	FZ_CHECK_INT(2, u.n);
	FZ_CHECK_STR("prom", u.user[0]);
	FZ_CHECK_STR("s3cret:with:colons", u.pass[0]);
	f = fopen(path, "w");
	fputs("nopassword\n", f);
	fclose(f);
	FZ_CHECK_INT(-EINVAL, fz_http_users_load(&u, path, err, sizeof(err)));
	unlink(path);
	FZ_CHECK_INT(-ENOENT, fz_http_users_load(&u, path, err, sizeof(err)));
}

/* "hello\n", or with a query "x=VALUE n=ARGS too_many=0|1\n" (VALUE "-" when absent). */
static int handler(void *arg, const struct fz_http_req *req, struct fz_http_reply *r)
{
	const char *x = fz_http_arg(req, "x");
	char text[256];

	(void)arg;
	if (req->n_args)
		snprintf(text, sizeof(text), "x=%s n=%u too_many=%d\n", x ? x : "-", req->n_args,
		         req->too_many_args);
	else
		snprintf(text, sizeof(text), "hello\n");
	r->status = 200;
	r->type = "text/plain";
	r->body = strdup(strcmp(req->path, "/fail") == 0 ? "x" : text);
	r->len = strlen(r->body);
	return strcmp(req->path, "/fail") == 0 ? -1 : 0;
}

static volatile int stop;

static void *serve(void *arg)
{
	while (!stop)
		fz_http_poll(arg, 20);
	return NULL;
}

/* One request on a new connection; the whole answer (empty when the server closed it). */
static void request(uint16_t port, const char *req, char *out, size_t cap)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	ssize_t got;

	out[0] = '\0';
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return;
	}
	if (write(fd, req, strlen(req)) < 0)
		n = 0;
	while (n + 1 < cap && (got = read(fd, out + n, cap - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(fd);
}

static uint16_t port_of(const struct fz_http_server *s)
{
	const char *colon = strrchr(fz_http_bound(s), ':');

	return (uint16_t)atoi(colon + 1);
}

/* A server of conf on its thread t (NULL when it cannot start). */
static struct fz_http_server *start(const struct fz_http_conf *conf, pthread_t *t, uint16_t *port)
{
	char err[256];
	struct fz_http_server *s = fz_http_create(conf, err, sizeof(err));

	FZ_CHECK(s != NULL);
	if (s == NULL)
		return NULL;
	*port = port_of(s);
	stop = 0;
	pthread_create(t, NULL, serve, s);
	return s;
}

/* The same on any free port of 127.0.0.1. */
static struct fz_http_server *start_any(struct fz_http_conf *conf, pthread_t *t, uint16_t *port)
{
	char err[256];

	FZ_CHECK_INT(0, fz_http_addr_parse("0", &conf->addr, err, sizeof(err)));
	return start(conf, t, port);
}

static void finish(pthread_t t)
{
	stop = 1;
	pthread_join(t, NULL);
}

static void test_server(void)
{
	static const char *const paths[] = {"/a", "/fail", NULL};
	struct fz_http_users users = {.n = 1, .user = {"u"}, .pass = {"p"}};
	struct fz_http_acl deny;
	struct fz_http_conf conf = {.paths = paths, .handler = handler};
	struct fz_http_server *s;
	char err[256], out[4096];
	pthread_t t;
	uint16_t port;

	s = start_any(&conf, &t, &port);
	if (s == NULL)
		return;
	FZ_CHECK(port != 0);
	request(port, "GET /a HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strncmp(out, "HTTP/1.0 200", 12) == 0 || strncmp(out, "HTTP/1.1 200", 12) == 0);
	FZ_CHECK(strstr(out, "\r\n\r\nhello\n") != NULL);
	request(port, "GET /b HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, " 404 ") != NULL);
	/* Query arguments, decoded; a key without a value; more than FZ_HTTP_ARGS_MAX. */
	request(port, "GET /a?x=a%20b&y HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, "\r\n\r\nx=a b n=2 too_many=0\n") != NULL);
	request(port, "GET /a?y&x HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, "\r\n\r\nx= n=2 too_many=0\n") != NULL);
	request(port, "GET /a?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&x=9 HTTP/1.0\r\n\r\n", out,
	        sizeof(out));
	FZ_CHECK(strstr(out, "\r\n\r\nx=- n=8 too_many=1\n") != NULL);
	request(port, "POST /a HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", out, sizeof(out));
	FZ_CHECK(strstr(out, " 405 ") != NULL);
	request(port, "GET /fail HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, " 500 ") != NULL);
	/* A malformed request line: refused or closed, and the server still answers. */
	request(port, "garbage\r\n\r\n", out, sizeof(out));
	FZ_CHECK(out[0] == '\0' || strstr(out, " 400 ") != NULL);
	request(port, "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, " 200 ") != NULL);
	finish(t);
	FZ_CHECK_INT(5, fz_http_counters(s)->requests);
	FZ_CHECK_INT(1, fz_http_counters(s)->not_found);
	FZ_CHECK_INT(1, fz_http_counters(s)->bad_method);
	FZ_CHECK_INT(1, fz_http_counters(s)->handler_error);
	fz_http_free(s);

	/* Credentials required; an ACL that refuses loopback. */
	conf.users = &users;
	s = start(&conf, &t, &port);
	if (s == NULL)
		return;
	request(port, "GET /a HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, " 401 ") != NULL && strstr(out, "WWW-Authenticate: Basic") != NULL);
	request(port, "GET /a HTTP/1.0\r\nAuthorization: Basic dTpw\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, " 200 ") != NULL); /* u:p */
	request(port, "GET /a HTTP/1.0\r\nAuthorization: Basic dTpx\r\n\r\n", out, sizeof(out));
	FZ_CHECK(strstr(out, " 401 ") != NULL); /* u:q */
	finish(t);
	FZ_CHECK_INT(2, fz_http_counters(s)->auth_failed);
	fz_http_free(s);

	memset(&deny, 0, sizeof(deny));
	fz_http_acl_parse(&deny, "10.0.0.0/8", err, sizeof(err));
	conf.users = NULL;
	conf.acl = &deny;
	s = start(&conf, &t, &port);
	if (s == NULL)
		return;
	request(port, "GET /a HTTP/1.0\r\n\r\n", out, sizeof(out));
	FZ_CHECK_STR("", out);
	finish(t);
	FZ_CHECK_INT(1, fz_http_counters(s)->acl_refused);
	fz_http_free(s);

	/* A port in use is an error that names the address. */
	conf.acl = NULL;
	s = fz_http_create(&conf, err, sizeof(err));
	if (s) {
		char taken[32];
		struct fz_http_server *s2;

		snprintf(taken, sizeof(taken), "%u", port_of(s));
		fz_http_addr_parse(taken, &conf.addr, err, sizeof(err));
		s2 = fz_http_create(&conf, err, sizeof(err));
		FZ_CHECK(s2 == NULL);
		FZ_CHECK(strstr(err, "cannot serve on 127.0.0.1:") != NULL &&
		         strstr(err, "Address already in use") != NULL);
		fz_http_free(s2);
	}
	fz_http_free(s);
}

static void test_event_id(void)
{
	uint64_t id = 7;

	FZ_CHECK_INT(0, fz_http_event_id_parse("0", &id));
	FZ_CHECK_INT(0, id);
	FZ_CHECK_INT(0, fz_http_event_id_parse("00042", &id));
	FZ_CHECK_INT(42, id);
	FZ_CHECK_INT(0, fz_http_event_id_parse("18446744073709551615", &id));
	FZ_CHECK(id == UINT64_MAX);
	id = 7;
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse("18446744073709551616", &id));
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse("", &id));
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse("-1", &id));
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse("+1", &id));
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse(" 1", &id));
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse("1x", &id));
	FZ_CHECK_INT(-EINVAL, fz_http_event_id_parse("000000000000000000001", &id));
	FZ_CHECK_INT(7, id); /* untouched on an error */
}

/* A stream of "a", then nothing until ready() was asked three times, then "b", then the end. */
struct tstream {
	int reads, readies, closes;
};

static long ts_read(void *arg, char *buf, size_t cap)
{
	struct tstream *t = arg;

	(void)cap;
	switch (t->reads++) {
	case 0:
		buf[0] = 'a';
		return 1;
	case 1:
		return 0;
	case 2:
		buf[0] = 'b';
		return 1;
	default:
		return -1;
	}
}

static int ts_ready(void *arg)
{
	return ++((struct tstream *)arg)->readies >= 3;
}

static void ts_close(void *arg)
{
	((struct tstream *)arg)->closes++;
}

static const struct fz_http_stream_ops ts_ops = {ts_read, ts_ready, ts_close};
static struct tstream the_stream;

static int stream_handler(void *arg, const struct fz_http_req *req, struct fz_http_reply *r)
{
	(void)arg;
	(void)req;
	r->status = 200;
	r->type = "text/event-stream";
	r->stream_ops = &ts_ops;
	r->stream = &the_stream;
	return 0;
}

static void test_stream(void)
{
	static const char *const paths[] = {"/s", NULL};
	struct fz_http_conf conf = {.paths = paths, .handler = stream_handler};
	struct fz_http_server *s;
	char out[4096];
	pthread_t t;
	uint16_t port;

	s = start_any(&conf, &t, &port);
	if (s == NULL)
		return;
	request(port, "GET /s HTTP/1.0\r\nLast-Event-ID: 3\r\n\r\n", out, sizeof(out));
	finish(t);
	FZ_CHECK(strstr(out, " 200 ") != NULL);
	FZ_CHECK(strstr(out, "Content-Type: text/event-stream\r\n") != NULL);
	FZ_CHECK(strstr(out, "\r\n\r\nab") != NULL && out[strlen(out) - 1] == 'b');
	FZ_CHECK_INT(4, the_stream.reads);
	FZ_CHECK_INT(3, the_stream.readies); /* suspended, then resumed when ready */
	FZ_CHECK_INT(1, the_stream.closes);
	fz_http_free(s);
}

/* A file served from memory: its bytes and length exactly, NUL-terminated; an empty file;
 * a missing one and a directory are errors with nothing to free. */
static void test_file(void)
{
	char path[] = "/tmp/fz_test_fileXXXXXX";
	char *body = (char *)1;
	size_t len = 99;
	int fd = mkstemp(path);

	FZ_CHECK(fd >= 0);
	if (fd < 0)
		return;
	FZ_CHECK_INT(7, write(fd, "a\0b\ncd\n", 7));
	close(fd);
	FZ_CHECK_INT(0, fz_http_file_load(path, &body, &len));
	FZ_CHECK_INT(7, len);
	FZ_CHECK(body != NULL && memcmp(body, "a\0b\ncd\n", 8) == 0);
	free(body);
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	FZ_CHECK_INT(0, fz_http_file_load(path, &body, &len));
	FZ_CHECK_INT(0, len);
	FZ_CHECK(body != NULL && body[0] == 0);
	free(body);
	unlink(path);
	FZ_CHECK_INT(-ENOENT, fz_http_file_load(path, &body, &len));
	FZ_CHECK(body == NULL);
	FZ_CHECK_INT(-EISDIR, fz_http_file_load("/tmp", &body, &len));
	FZ_CHECK(body == NULL);
}

/* A page's files: named ones from the directory, the other from its own path, answered by
 * URL path byte for byte; a path not of the page is not answered; a missing file names itself. */
static void test_page(void)
{
	static const struct fz_http_file files[] = {
	    {"/", "index.html", "text/html"},
	    {"/x.js", NULL, "text/javascript"},
	};
	char dir[] = "/tmp/fz_test_pageXXXXXX", index[64], other[64], failed[128];
	struct fz_http_page pg;
	struct fz_http_reply r;
	FILE *f;

	FZ_CHECK(mkdtemp(dir) != NULL);
	snprintf(index, sizeof(index), "%s/index.html", dir);
	snprintf(other, sizeof(other), "%s/other.js", dir);
	FZ_CHECK_INT(-ENOENT, fz_http_page_load(&pg, files, 2, dir, other, failed, sizeof(failed)));
	FZ_CHECK_STR(index, failed);
	fz_http_page_free(&pg);
	f = fopen(index, "w");
	fputs("<p>hi</p>", f);
	fclose(f);
	FZ_CHECK_INT(-ENOENT, fz_http_page_load(&pg, files, 2, dir, other, failed, sizeof(failed)));
	FZ_CHECK_STR(other, failed);
	fz_http_page_free(&pg);
	f = fopen(other, "w");
	fputs("let x;", f);
	fclose(f);
	FZ_CHECK_INT(0, fz_http_page_load(&pg, files, 2, dir, other, failed, sizeof(failed)));
	memset(&r, 0, sizeof(r));
	FZ_CHECK_INT(1, fz_http_page_reply(&pg, "/x.js", &r));
	FZ_CHECK_INT(200, r.status);
	FZ_CHECK_STR("text/javascript", r.type);
	FZ_CHECK_INT(6, r.len);
	FZ_CHECK_STR("let x;", r.body);
	free(r.body);
	memset(&r, 0, sizeof(r));
	FZ_CHECK_INT(1, fz_http_page_reply(&pg, "/", &r));
	FZ_CHECK_STR("<p>hi</p>", r.body);
	free(r.body);
	memset(&r, 0, sizeof(r));
	FZ_CHECK_INT(0, fz_http_page_reply(&pg, "/index.html", &r));
	FZ_CHECK(r.body == NULL);
	fz_http_page_free(&pg);
	FZ_CHECK_INT(-E2BIG, fz_http_page_load(&pg, files, FZ_HTTP_PAGE_FILES + 1, dir, other,
	                                       failed, sizeof(failed)));
	unlink(index);
	unlink(other);
	rmdir(dir);
}

int main(void)
{
	FZ_RUN(test_addr);
	FZ_RUN(test_acl);
	FZ_RUN(test_users);
	FZ_RUN(test_file);
	FZ_RUN(test_page);
	FZ_RUN(test_event_id);
	FZ_RUN(test_stream);
	FZ_RUN(test_server);
	return fz_test_summary();
}
