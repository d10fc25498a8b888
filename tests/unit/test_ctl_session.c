/*
 * Unit tests of lib/ctl: commands, and the log transfer between an
 * in-process client and server under 30 % loss on both sides (the rest is
 * test_ctl.c; the fixture ctl_fixture.h).
 */
#include "ctl_fixture.h"

struct runner {
	struct fz_ctl_server *s;
	atomic_int stop;
	pthread_t th;
};

/*
 * The server on a control thread of its own, as the appliance runs it: every
 * call on the server is made here, sleeping in poll(2) between polls for as
 * long as fz_ctl_server_timeout_ms() allows (at most 10 ms, to see stop).
 * Once stopped it serves on until no transfer runs (the final
 * acknowledgement may still be on its way), for at most 2 s.
 */
static void *serve(void *arg)
{
	struct runner *r = arg;
	struct pollfd p = {.fd = fz_ctl_server_fd(r->s), .events = POLLIN};
	int rounds_after_stop = 0;

	for (;;) {
		int wait;

		fz_ctl_server_poll(r->s);
		if (atomic_load(&r->stop) &&
		    (!fz_ctl_server_busy(r->s) || rounds_after_stop++ >= 200))
			break;
		wait = fz_ctl_server_timeout_ms(r->s);
		if (wait != 0)
			poll(&p, 1, wait < 0 || wait > 10 ? 10 : wait);
	}
	return NULL;
}

static void start(struct runner *r, struct fz_ctl_server *s)
{
	r->s = s;
	atomic_init(&r->stop, 0);
	pthread_create(&r->th, NULL, serve, r);
}

static void stop(struct runner *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->th, NULL);
}

static void test_commands(void)
{
	struct fake f = {.packets = 1234};
	struct fz_ctl_server *s = make_server(&f, NULL, 0.3);
	struct fz_ctl_client *c;
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct runner r;
	char err[256];
	json_t *reply = NULL;

	if (!s)
		return;
	to.sin_port = htons(fz_ctl_server_port(s));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = fz_ctl_client_create(key_path, 0.3, err, sizeof(err));
	FZ_CHECK(c != NULL);
	start(&r, s);
	FZ_CHECK_INT(0, fz_ctl_client_request(c, &to, "status", 10, &reply));
	FZ_CHECK(json_is_true(json_object_get(reply, "ok")));
	FZ_CHECK_STR("collecting",
	             json_string_value(json_object_get(json_object_get(reply, "result"), "state")));
	FZ_CHECK_INT(
	    1234, json_integer_value(json_object_get(json_object_get(reply, "result"), "packets")));
	json_decref(reply);
	FZ_CHECK_INT(0, fz_ctl_client_request(c, &to, "suspend", 10, &reply));
	FZ_CHECK_STR("suspended",
	             json_string_value(json_object_get(json_object_get(reply, "result"), "state")));
	json_decref(reply);
	FZ_CHECK_INT(0, fz_ctl_client_request(c, &to, "bogus", 10, &reply));
	FZ_CHECK(json_is_false(json_object_get(reply, "ok")));
	FZ_CHECK_STR("unknown command \"bogus\"",
	             json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	/* No log file configured: the appliance says so. */
	FZ_CHECK_INT(-EREMOTEIO,
	             fz_ctl_client_fetch_log(c, &to, "/dev/null", 10,
	                                     &(struct fz_ctl_xfer_stats){0}, err, sizeof(err)));
	FZ_CHECK(strstr(err, "no log file") != NULL);
	stop(&r);
	FZ_CHECK_INT(1, f.suspended); /* resent requests ran suspend more than once: harmless */
	fz_ctl_client_free(c);
	fz_ctl_server_free(s);
	/* A client with the wrong key gets no answer at all. */
	s = make_server(&f, NULL, 0);
	to.sin_port = htons(fz_ctl_server_port(s));
	c = fz_ctl_client_create(key2_path, 0, err, sizeof(err));
	start(&r, s);
	FZ_CHECK_INT(-ETIMEDOUT, fz_ctl_client_request(c, &to, "resume", 0.3, &reply));
	stop(&r);
	FZ_CHECK_INT(1, f.suspended);
	json_t *cn = fz_ctl_server_counters(s);
	FZ_CHECK(counter(cn, "refused", "bad_mac") >= 1);
	FZ_CHECK_INT(0, counter(cn, NULL, "accepted"));
	json_decref(cn);
	fz_ctl_client_free(c);
	fz_ctl_server_free(s);
}

static void transfer(size_t size, double loss)
{
	struct fake f = {0};
	char log_path[300], out_path[300], err[256];
	uint8_t *data = malloc(size ? size : 1), *back = malloc(size + 1);
	struct fz_ctl_server *s;
	struct fz_ctl_client *c;
	struct fz_ctl_xfer_stats st;
	struct sockaddr_in to = {.sin_family = AF_INET};
	struct runner r;
	FILE *fb;
	json_t *cn;
	int rc;

	snprintf(log_path, sizeof(log_path), "%s/log_%zu", dir, size);
	snprintf(out_path, sizeof(out_path), "%s/out_%zu", dir, size);
	randombytes_buf(data, size);
	write_file(log_path, data, size);
	s = make_server(&f, log_path, loss);
	c = fz_ctl_client_create(key_path, loss, err, sizeof(err));
	if (!s || !c)
		return;
	/* No transfer: nothing timed, sleep until a datagram comes. */
	FZ_CHECK_INT(-1, fz_ctl_server_timeout_ms(s));
	to.sin_port = htons(fz_ctl_server_port(s));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	start(&r, s);
	rc = fz_ctl_client_fetch_log(c, &to, out_path, 10, &st, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "fetch %zu bytes: %s\n", size, err);
	FZ_CHECK_INT(0, rc);
	/* The server thread serves the final acknowledgement before it ends. */
	stop(&r);
	FZ_CHECK_INT(0, fz_ctl_server_busy(s));
	FZ_CHECK_INT(-1, fz_ctl_server_timeout_ms(s));
	FZ_CHECK_INT(size, st.bytes);
	FZ_CHECK_INT((size + FZ_CTL_CHUNK - 1) / FZ_CTL_CHUNK, st.chunks);
	fb = fopen(out_path, "rb");
	FZ_CHECK(fb != NULL);
	if (fb) {
		FZ_CHECK_INT(size, fread(back, 1, size + 1, fb));
		FZ_CHECK(memcmp(back, data, size) == 0);
		fclose(fb);
	}
	cn = fz_ctl_server_counters(s);
	FZ_CHECK_INT(1, counter(cn, "transfers", "started"));
	FZ_CHECK_INT(1, counter(cn, "transfers", "completed"));
	FZ_CHECK_INT(0, counter(cn, "transfers", "active"));
	if (loss > 0 && st.chunks >= 100) {
		FZ_CHECK(counter(cn, NULL, "retransmits") > 0);
		FZ_CHECK(counter(cn, NULL, "loss_dropped") > 0);
	}
	/* Exact accounting on both sides, whatever the machine's load made the timers do
	 * (a busy machine delays ACKs past the timeout even without loss). */
	FZ_CHECK_INT(st.chunks + counter(cn, NULL, "retransmits"),
	             counter(cn, NULL, "chunks_sent"));
	FZ_CHECK_INT(st.chunks, st.data_received - st.duplicates);
	printf("     transfer %zu bytes, loss %.1f: %.3f s, %llu chunks sent, %llu duplicates "
	       "received\n",
	       size, loss, st.seconds, (unsigned long long)counter(cn, NULL, "chunks_sent"),
	       (unsigned long long)st.duplicates);
	json_decref(cn);
	fz_ctl_client_free(c);
	fz_ctl_server_free(s);
	free(data);
	free(back);
}

static void test_transfer_empty(void)
{
	transfer(0, 0.3);
}

static void test_transfer_one_chunk(void)
{
	transfer(FZ_CTL_CHUNK, 0.3);
}

static void test_transfer_lossless(void)
{
	transfer(1000000, 0);
}

static void test_transfer_loss(void)
{
	transfer(300001, 0.3);
}

static void test_transfer_5mb_loss(void)
{
	transfer(5u << 20, 0.3);
}

int main(void)
{
	setup();
	FZ_RUN(test_commands);
	FZ_RUN(test_transfer_empty);
	FZ_RUN(test_transfer_one_chunk);
	FZ_RUN(test_transfer_lossless);
	FZ_RUN(test_transfer_loss);
	FZ_RUN(test_transfer_5mb_loss);
	teardown();
	return fz_test_summary();
}
