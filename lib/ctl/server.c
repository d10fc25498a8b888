/*
 * The appliance's control server: the socket, opening and authenticating
 * datagrams (refusals counted and logged, rate limited), and the commands.
 * The log transfer is in server_logs.c. Every call of fz_ctl_server_poll
 * reads what is pending without blocking, answers commands, and moves the
 * running log transfers on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "server_priv.h"

#define RX_BUDGET      64 /* datagrams read per poll */
#define LOG_PER_SECOND 10 /* refusal lines per second; the rest are only counted */

#define CMD_NAME(n) #n,
static const char *const cmd_names[] = {CMDS(CMD_NAME)};
#undef CMD_NAME

void ctl_server_log(struct fz_ctl_server *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(s->log_arg, line);
}

/* Log a refused datagram unless this second's quota of lines is spent. */
static void log_refusal(struct fz_ctl_server *s, const struct sockaddr_in *from,
                        enum fz_ctl_verdict v, size_t len)
{
	uint64_t sec = ctl_mono_us() / 1000000u;
	char a[CTL_ADDR_STR];

	if (sec != s->log_second) {
		if (s->log_suppressed)
			ctl_server_log(s,
			               "ctl: %llu more refused datagrams not logged (see counters)",
			               (unsigned long long)s->log_suppressed);
		s->log_second = sec;
		s->log_lines = 0;
		s->log_suppressed = 0;
	}
	if (s->log_lines >= LOG_PER_SECOND) {
		s->log_suppressed++;
		return;
	}
	s->log_lines++;
	ctl_server_log(s, "ctl: refused datagram from %s: %s (%zu bytes)", ctl_addr_str(from, a),
	               fz_ctl_verdict_name(v), len);
}

void ctl_server_refuse(struct fz_ctl_server *s, const struct sockaddr_in *from,
                       enum fz_ctl_verdict v, size_t len)
{
	s->refused[v]++;
	log_refusal(s, from, v, len);
}

int ctl_server_send(struct fz_ctl_server *s, uint8_t type, uint32_t req_id, const void *payload,
                    size_t len, const struct sockaddr_in *to)
{
	int n = fz_ctl_seal(&s->key, type, req_id, payload, len, s->tx, sizeof(s->tx));
	int rc;

	if (n < 0)
		return n;
	rc = ctl_send(s->fd, &s->loss, s->tx, (size_t)n, to);
	if (rc < 0 && rc != -EAGAIN)
		s->send_errors++;
	return rc;
}

/* Send {"ok":true,"result":result} (steals result) or {"ok":false,"error":msg}. */
void ctl_server_reply(struct fz_ctl_server *s, uint32_t req_id, const struct sockaddr_in *to,
                      json_t *result, const char *error)
{
	json_t *r = json_object();
	char *text;

	json_object_set_new(r, "ok", json_boolean(error == NULL));
	if (error)
		json_object_set_new(r, "error", json_string(error));
	else
		json_object_set_new(r, "result", result ? result : json_null());
	text = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	if (text && strlen(text) > FZ_CTL_MAX_PAYLOAD) {
		free(text);
		text = strdup("{\"ok\":false,\"error\":\"reply too large for one datagram\"}");
	}
	if (text)
		ctl_server_send(s, FZ_CTL_REPLY, req_id, text, strlen(text), to);
	free(text);
}

static json_t *status_with_counters(struct fz_ctl_server *s)
{
	json_t *st = s->ops.status ? s->ops.status(s->ops.arg) : json_object();

	if (json_is_object(st))
		json_object_set_new(st, "ctl", fz_ctl_server_counters(s));
	return st;
}

static void handle_request(struct fz_ctl_server *s, const struct fz_ctl_msg *m,
                           const struct sockaddr_in *from)
{
	const char *name;
	json_t *req = fz_ctl_request_parse(m->payload, m->len, &name);
	enum cmd c = CMD_unknown;
	char msg[128], a[CTL_ADDR_STR];
	int rc;

	if (!req) {
		ctl_server_refuse(s, from, FZ_CTL_MALFORMED, m->len);
		return;
	}
	s->accepted++;
	for (int i = 0; i < CMD_unknown; i++)
		if (strcmp(name, cmd_names[i]) == 0)
			c = (enum cmd)i;
	s->commands[c]++;
	switch (c) {
	case CMD_identify: {
		json_t *id = s->ops.identify ? s->ops.identify(s->ops.arg) : json_object();

		if (json_is_object(id))
			json_object_set_new(id, "ctl_port", json_integer(s->port));
		ctl_server_reply(s, m->req_id, from, id, NULL);
		break;
	}
	case CMD_status:
		ctl_server_reply(s, m->req_id, from, status_with_counters(s), NULL);
		break;
	case CMD_suspend:
	case CMD_resume:
		rc = c == CMD_suspend ? (s->ops.suspend ? s->ops.suspend(s->ops.arg) : -ENOTSUP)
		                      : (s->ops.resume ? s->ops.resume(s->ops.arg) : -ENOTSUP);
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "%s failed: %s", name, strerror(-rc));
			ctl_server_reply(s, m->req_id, from, NULL, msg);
		} else {
			ctl_server_log(s, "ctl: %s by %s", name, ctl_addr_str(from, a));
			ctl_server_reply(s, m->req_id, from, status_with_counters(s), NULL);
		}
		break;
	case CMD_logs:
		ctl_logs_start(s, m->req_id, from);
		break;
	default:
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\"", name);
		ctl_server_reply(s, m->req_id, from, NULL, msg);
		break;
	}
	json_decref(req);
}

static void handle_datagram(struct fz_ctl_server *s, size_t len, const struct sockaddr_in *from)
{
	struct fz_ctl_msg m;
	enum fz_ctl_verdict v = fz_ctl_open(&s->key, s->guard, s->rx, len, fz_ctl_now_ms(), &m);

	if (v != FZ_CTL_OK) {
		ctl_server_refuse(s, from, v, len);
		return;
	}
	if (m.type == FZ_CTL_REQUEST)
		handle_request(s, &m, from);
	else if (m.type == FZ_CTL_ACK)
		ctl_logs_ack(s, &m, from);
	else /* replies and data travel the other way */
		ctl_server_refuse(s, from, FZ_CTL_MALFORMED, len);
}

int fz_ctl_server_poll(struct fz_ctl_server *s)
{
	struct sockaddr_in from;
	unsigned handled = 0;

	for (int i = 0; i < RX_BUDGET; i++) {
		ssize_t n = ctl_recv(s->fd, &s->loss, s->rx, sizeof(s->rx), &from);

		if (n < 0)
			break;
		handled++;
		handle_datagram(s, (size_t)n, &from);
	}
	handled += ctl_logs_pump(s, ctl_mono_us());
	return (int)handled;
}

struct fz_ctl_server *fz_ctl_server_create(const struct fz_ctl_server_conf *conf,
                                           const struct fz_ctl_ops *ops, char *err, size_t errlen)
{
	struct fz_ctl_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct stat kst;
	int one = 1, rc, e;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->fd = -1;
	if (conf->loss < 0 || conf->loss >= 1) {
		snprintf(err, errlen, "loss must be in [0, 1)");
		e = EINVAL;
		goto fail;
	}
	if (conf->window > FZ_CTL_WINDOW) {
		snprintf(err, errlen, "window must be at most %d chunks", FZ_CTL_WINDOW);
		e = EINVAL;
		goto fail;
	}
	s->window = conf->window ? conf->window : FZ_CTL_WINDOW;
	rc = fz_ctl_key_load(conf->key_path, &s->key, err, errlen);
	if (rc < 0) {
		e = -rc;
		goto fail;
	}
	s->guard = fz_ctl_guard_create(CTL_GUARD_SLOTS, conf->max_skew_ms);
	if (!s->guard || (conf->log_path && !(s->log_path = strdup(conf->log_path)))) {
		snprintf(err, errlen, "out of memory");
		e = ENOMEM;
		goto fail;
	}
	a.sin_port = htons(conf->port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (conf->bind_addr && inet_pton(AF_INET, conf->bind_addr, &a.sin_addr) != 1) {
		snprintf(err, errlen, "control bind address %s is not an IPv4 address",
		         conf->bind_addr);
		e = EINVAL;
		goto fail;
	}
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &alen) < 0) {
		e = errno;
		snprintf(err, errlen, "control socket on UDP port %u: %s", conf->port, strerror(e));
		goto fail;
	}
	s->port = ntohs(a.sin_port);
	s->loss.p = conf->loss;
	s->ops = *ops;
	s->log = conf->log;
	s->log_arg = conf->log_arg;
	ctl_server_log(s, "ctl: listening on UDP port %u%s%s", s->port,
	               conf->loss > 0 ? ", loss " : "", conf->loss > 0 ? "injected" : "");
	/* Whoever can read the key can steer the appliance: say so when others can. */
	if (stat(conf->key_path, &kst) == 0 && (kst.st_mode & 077))
		ctl_server_log(
		    s, "ctl: warning: key file %s is accessible to group or others (chmod 600 it)",
		    conf->key_path);
	return s;
fail:
	fz_ctl_server_free(s);
	errno = e;
	return NULL;
}

int fz_ctl_server_fd(const struct fz_ctl_server *s)
{
	return s->fd;
}

int fz_ctl_server_busy(const struct fz_ctl_server *s)
{
	return ctl_logs_running(s) > 0;
}

int fz_ctl_server_timeout_ms(const struct fz_ctl_server *s)
{
	return ctl_logs_timeout_ms(s, ctl_mono_us());
}

uint16_t fz_ctl_server_port(const struct fz_ctl_server *s)
{
	return s->port;
}

json_t *fz_ctl_server_counters(const struct fz_ctl_server *s)
{
	json_t *refused = json_object(), *cmds = json_object();
	unsigned active = ctl_logs_running(s);

	for (int v = FZ_CTL_OK + 1; v < FZ_CTL__VERDICTS; v++)
		json_object_set_new(refused, fz_ctl_verdict_name((enum fz_ctl_verdict)v),
		                    json_integer((json_int_t)s->refused[v]));
	for (int c = 0; c < CMD__COUNT; c++)
		json_object_set_new(cmds, cmd_names[c], json_integer((json_int_t)s->commands[c]));
	return json_pack("{s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:i}, s:I, s:I, s:I, s:I, s:I}",
	                 "accepted", (json_int_t)s->accepted, "refused", refused, "commands", cmds,
	                 "transfers", "started", (json_int_t)s->xfer_started, "completed",
	                 (json_int_t)s->xfer_completed, "expired", (json_int_t)s->xfer_expired,
	                 "refused_busy", (json_int_t)s->xfer_refused, "active", (int)active,
	                 "chunks_sent", (json_int_t)s->chunks_sent, "retransmits",
	                 (json_int_t)s->retransmits, "acks_unmatched",
	                 (json_int_t)s->acks_unmatched, "send_errors", (json_int_t)s->send_errors,
	                 "loss_dropped", (json_int_t)(s->loss.dropped_tx + s->loss.dropped_rx));
}

void fz_ctl_server_free(struct fz_ctl_server *s)
{
	if (!s)
		return;
	ctl_logs_free(s);
	if (s->fd >= 0)
		close(s->fd);
	fz_ctl_guard_free(s->guard);
	free(s->log_path);
	sodium_memzero(&s->key, sizeof(s->key));
	free(s);
}
