/*
 * What the unit tests of lib/ctl share (test_ctl.c, test_ctl_session.c):
 * key files in a temporary directory, and a server with fake handlers that
 * count what they were asked. Static: each test program has its own.
 */
#ifndef FZ_CTL_FIXTURE_H
#define FZ_CTL_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fz_ctl_client.h"
#include "fz_ctl_codec.h"
#include "fz_ctl_server.h"
#include "fz_test.h"

static char dir[] = "/tmp/fz_test_ctl.XXXXXX";
static char key_path[256], key2_path[256];
static struct fz_ctl_key key, key2;

static inline void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	FZ_CHECK(f != NULL);
	if (!f)
		return;
	FZ_CHECK_INT(len, fwrite(buf, 1, len, f));
	fclose(f);
}

static inline void setup(void)
{
	char err[256];

	if (!mkdtemp(dir) || sodium_init() < 0) {
		perror("setup");
		exit(1);
	}
	snprintf(key_path, sizeof(key_path), "%s/key", dir);
	snprintf(key2_path, sizeof(key2_path), "%s/key2", dir);
	write_file(key_path, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
	           65);
	write_file(key2_path, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
	           65);
	/* Private, as the server wants it (it logs a warning otherwise). */
	chmod(key_path, 0600);
	FZ_CHECK_INT(0, fz_ctl_key_load(key_path, &key, err, sizeof(err)));
	FZ_CHECK_INT(0, fz_ctl_key_load(key2_path, &key2, err, sizeof(err)));
}

/* Remove the temporary directory of setup(). */
static inline void teardown(void)
{
	snprintf(key_path, sizeof(key_path), "rm -rf '%s'", dir);
	if (system(key_path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

struct fake {
	int suspended, suspends, resumes;
	uint64_t packets;
};

static inline json_t *fake_identify(void *arg)
{
	(void)arg;
	return json_pack("{s:s}", "collector", "unit");
}

static inline json_t *fake_status(void *arg)
{
	struct fake *f = arg;

	return json_pack("{s:s, s:I}", "state", f->suspended ? "suspended" : "collecting",
	                 "packets", (json_int_t)f->packets);
}

static inline int fake_suspend(void *arg)
{
	struct fake *f = arg;

	f->suspended = 1;
	f->suspends++;
	return 0;
}

static inline int fake_resume(void *arg)
{
	struct fake *f = arg;

	f->suspended = 0;
	f->resumes++;
	return 0;
}

static int log_lines;

static inline void count_log(void *arg, const char *line)
{
	(void)arg;
	(void)line;
	log_lines++;
}

static inline struct fz_ctl_server *make_server(struct fake *f, const char *log_path, double loss)
{
	static struct fz_ctl_ops ops;
	struct fz_ctl_server_conf conf = {.port = 0,
	                                  .key_path = key_path,
	                                  .log_path = log_path,
	                                  .loss = loss,
	                                  .bind_addr = "127.0.0.1",
	                                  .log = count_log};
	char err[256];
	struct fz_ctl_server *s;

	ops = (struct fz_ctl_ops){f, fake_identify, fake_status, fake_suspend, fake_resume};
	s = fz_ctl_server_create(&conf, &ops, err, sizeof(err));
	if (!s)
		fprintf(stderr, "server: %s\n", err);
	FZ_CHECK(s != NULL);
	return s;
}

static inline long long counter(json_t *c, const char *group, const char *name)
{
	json_t *g = group ? json_object_get(c, group) : c;

	return json_integer_value(json_object_get(g, name));
}

/* Send raw datagrams, then let the server take them all. */
static inline void deliver(int fd, struct fz_ctl_server *s, const struct sockaddr_in *to,
                           const uint8_t *buf, size_t len)
{
	FZ_CHECK_INT((long long)len,
	             sendto(fd, buf, len, 0, (const struct sockaddr *)to, sizeof(*to)));
	for (int i = 0; i < 1000 && fz_ctl_server_poll(s) == 0; i++)
		usleep(1000);
}

#endif
