/*
 * The IPFIX exporter's transports: collector addresses, UDP datagrams sent
 * as they are made, and TCP with a queue of whole messages, a background
 * connect and reconnects with backoff. Every message that does not reach
 * the socket counts its records as lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipfix_priv.h"

#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000
#define QUEUE_MSGS_MIN 64

uint64_t fz_ipfix__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void say(void (*log)(void *, const char *), void *arg, const char *fmt, const char *name,
                const char *what)
{
	char line[512];

	if (log == NULL)
		return;
	snprintf(line, sizeof(line), fmt, name, what);
	log(arg, line);
}

int fz_ipfix__collector_parse(struct collector *c, const char *text, int resolve, char *err,
                              size_t errlen)
{
	const char *rest = text, *colon;
	char host[256], port[8];
	struct addrinfo hints, *res = NULL;
	size_t hl;
	char *end;
	long pn;
	int rc;

	c->tcp = 0;
	if (strncmp(rest, "udp://", 6) == 0) {
		rest += 6;
	} else if (strncmp(rest, "tcp://", 6) == 0) {
		rest += 6;
		c->tcp = 1;
	} else if (strstr(rest, "://") != NULL) {
		snprintf(err, errlen, "'%s': the transport is udp:// or tcp://", text);
		return -1;
	}
	if (*rest == '[') {
		const char *rb = strchr(rest, ']');

		if (rb == NULL || rb[1] != ':') {
			snprintf(err, errlen, "'%s': an IPv6 address is written [ADDR]:PORT", text);
			return -1;
		}
		hl = (size_t)(rb - rest - 1);
		rest++;
		colon = rb + 1;
	} else {
		colon = strrchr(rest, ':');
		if (colon == NULL || memchr(rest, ':', (size_t)(colon - rest)) != NULL) {
			snprintf(err, errlen, "'%s': expected HOST:PORT (IPv6: [ADDR]:PORT)", text);
			return -1;
		}
		hl = (size_t)(colon - rest);
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "'%s': the host is %s", text, hl ? "too long" : "empty");
		return -1;
	}
	memcpy(host, rest, hl);
	host[hl] = '\0';
	errno = 0;
	pn = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || pn < 1 || pn > 65535) {
		snprintf(err, errlen, "'%s': the port is not an integer from 1 to 65535", text);
		return -1;
	}
	snprintf(port, sizeof(port), "%ld", pn);
	snprintf(c->name, sizeof(c->name), "%s://%s%s%s:%s", c->tcp ? "tcp" : "udp",
	         strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
	if (!resolve)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = c->tcp ? SOCK_STREAM : SOCK_DGRAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "'%s': cannot resolve %s: %s", text, host,
		         rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
	c->alen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int queue_init(struct queue *q, size_t bytes, unsigned msgs)
{
	q->b = malloc(bytes);
	q->m = calloc(msgs, sizeof(*q->m));
	q->cap = bytes;
	q->m_cap = msgs;
	return q->b && q->m ? 0 : -ENOMEM;
}

int fz_ipfix__open(struct collector *c, size_t mtu, size_t queue_bytes)
{
	c->fd = -1;
	c->buf = malloc(mtu);
	if (c->buf == NULL)
		return -ENOMEM;
	fz_ipfix_msg_init(&c->m, c->buf, mtu);
	c->need_tmpl = 1;
	if (c->tcp) {
		unsigned msgs = (unsigned)(queue_bytes / FZ_IPFIX_HDR_LEN / 16);

		if (queue_init(&c->setup, 1u << 16, 64) ||
		    queue_init(&c->data, queue_bytes,
		               msgs < QUEUE_MSGS_MIN ? QUEUE_MSGS_MIN : msgs))
			return -ENOMEM;
		c->state = TCP_DOWN;
		c->backoff_ms = BACKOFF_MIN_MS;
		return 0; /* the first poll connects */
	}
	c->fd = socket(c->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&c->addr, c->alen) != 0) {
		int e = errno;

		close(c->fd);
		c->fd = -1;
		return -e;
	}
	c->state = TCP_UP;
	return 0;
}

static void queue_free(struct queue *q)
{
	free(q->b);
	free(q->m);
	memset(q, 0, sizeof(*q));
}

void fz_ipfix__close(struct collector *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	queue_free(&c->setup);
	queue_free(&c->data);
}

/* Count the records of a message that will not be sent. */
static void lose(struct collector *c, uint32_t n_flow)
{
	c->c.lost += n_flow;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void sent(struct collector *c, size_t len, uint32_t n_data)
{
	c->c.messages++;
	c->c.records += n_data;
	c->c.bytes += len;
}

static void udp_send(struct collector *c, uint8_t *buf, size_t len, uint32_t n_data,
                     uint32_t n_flow, void (*log)(void *, const char *), void *log_arg)
{
	ssize_t n;

	put32(buf + 8, c->seq);
	n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len) {
		c->seq += n_data;
		sent(c, len, n_data);
		c->down_logged = 0;
		return;
	}
	lose(c, n_flow);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
		c->c.buffer_full++;
		return;
	}
	c->c.send_errors++;
	if (!c->down_logged)
		say(log, log_arg,
		    "ipfix %s: send failed: %s; the records of such messages are counted as lost",
		    c->name, n < 0 ? strerror(errno) : "short datagram");
	c->down_logged = 1;
}

/* Append a message to q. 0, or -ENOSPC. */
static int enqueue(struct queue *q, const uint8_t *buf, size_t len, uint32_t n_data,
                   uint32_t n_flow)
{
	struct qmsg *m;

	if (q->m_n == q->m_cap || q->len + len > q->cap)
		return -ENOSPC;
	if (q->head + q->len + len > q->cap) {
		memmove(q->b, q->b + q->head, q->len);
		q->head = 0;
	}
	memcpy(q->b + q->head + q->len, buf, len);
	q->len += len;
	m = &q->m[(q->m_head + q->m_n++) % q->m_cap];
	m->len = (uint32_t)len;
	m->n_data = n_data;
	m->n_flow = n_flow;
	return 0;
}

static void dequeue(struct queue *q)
{
	struct qmsg *m = &q->m[q->m_head];

	q->head += m->len;
	q->len -= m->len;
	q->sent = 0;
	q->stamped = 0;
	q->m_head = (q->m_head + 1) % q->m_cap;
	q->m_n--;
	if (q->len == 0)
		q->head = 0;
}

/* Drop every message of q, counting its flow records as lost. */
static void drop_all(struct collector *c, struct queue *q)
{
	while (q->m_n) {
		lose(c, q->m[q->m_head].n_flow);
		dequeue(q);
	}
}

void fz_ipfix__tcp_drop_queue(struct collector *c)
{
	drop_all(c, &c->setup);
	drop_all(c, &c->data);
}

size_t fz_ipfix__tcp_pending(const struct collector *c)
{
	return c->setup.len + c->data.len;
}

void fz_ipfix__send(struct collector *c, uint8_t *buf, size_t len, uint32_t n_data, uint32_t n_flow,
                    int setup, void (*log)(void *, const char *), void *log_arg)
{
	if (!c->tcp) {
		udp_send(c, buf, len, n_data, n_flow, log, log_arg);
		return;
	}
	if (enqueue(setup ? &c->setup : &c->data, buf, len, n_data, n_flow) != 0) {
		c->c.buffer_full++;
		lose(c, n_flow);
	}
}

/* The connection is gone: the message half written is lost, the rest waits. */
static void tcp_down(struct collector *c, int err, void (*log)(void *, const char *), void *log_arg)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->data.sent > 0) {
		lose(c, c->data.m[c->data.m_head].n_flow);
		dequeue(&c->data);
	}
	c->data.stamped = 0;
	/* Templates are sent anew on the next connection. */
	drop_all(c, &c->setup);
	if (c->state == TCP_UP || !c->down_logged) {
		char what[128];

		snprintf(what, sizeof(what), "%s; connecting again with backoff (from %u ms)",
		         strerror(err), BACKOFF_MIN_MS);
		say(log, log_arg, "ipfix %s: %s", c->name, what);
		c->down_logged = 1;
	}
	if (c->state == TCP_UP)
		c->backoff_ms = BACKOFF_MIN_MS;
	c->c.send_errors++;
	c->state = TCP_DOWN;
	c->next_try_ms = fz_ipfix__now_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/*
 * Has the collector closed the connection? A collector never sends on an
 * IPFIX TCP connection, so anything readable is its end. Checked before
 * writing: the first message written after the peer's FIN would otherwise
 * vanish in the kernel without an error.
 */
static int peer_closed(const struct collector *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN | POLLRDHUP};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR));
}

/* Write what q holds; 0 when it is empty, -EAGAIN when the socket is full, or an error. */
static int drain(struct collector *c, struct queue *q)
{
	if (q->m_n && peer_closed(c))
		return -ECONNRESET;
	while (q->m_n) {
		struct qmsg *m = &q->m[q->m_head];
		uint8_t *p = q->b + q->head;
		ssize_t n;

		if (!q->stamped) {
			put32(p + 8, c->seq);
			c->seq += m->n_data;
			q->stamped = 1;
		}
		n = send(c->fd, p + q->sent, m->len - q->sent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		q->sent += (size_t)n;
		if (q->sent == m->len) {
			sent(c, m->len, m->n_data);
			dequeue(q);
		}
	}
	return 0;
}

static int tcp_connect(struct collector *c)
{
	c->fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&c->addr, c->alen) == 0)
		return 1;
	return errno == EINPROGRESS ? 0 : -errno;
}

int fz_ipfix__tcp_service(struct collector *c, void (*log)(void *, const char *), void *log_arg)
{
	int fresh = 0, rc;

	if (c->state == TCP_DOWN) {
		if (fz_ipfix__now_ms() < c->next_try_ms)
			return 0;
		rc = tcp_connect(c);
		if (rc < 0) {
			tcp_down(c, -rc, log, log_arg);
			return 0;
		}
		c->state = rc ? TCP_UP : TCP_CONNECTING;
		fresh = rc;
	}
	if (c->state == TCP_CONNECTING) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
		int err = 0;
		socklen_t el = sizeof(err);

		if (poll(&pfd, 1, 0) <= 0)
			return 0;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
			err = errno;
		if (err) {
			tcp_down(c, err, log, log_arg);
			return 0;
		}
		c->state = TCP_UP;
		fresh = 1;
	}
	if (fresh) {
		if (c->ever_connected) {
			c->c.reconnects++;
			say(log, log_arg, "ipfix %s: %s", c->name, "connected again");
		}
		c->ever_connected = 1;
		c->down_logged = 0;
		c->backoff_ms = BACKOFF_MIN_MS;
		c->seq = 0; /* a new transport session */
		return 1;   /* the caller queues the templates, then calls again */
	}
	rc = drain(c, &c->setup);
	if (rc == 0)
		rc = drain(c, &c->data);
	if (rc < 0 && rc != -EAGAIN)
		tcp_down(c, -rc, log, log_arg);
	return 0;
}
