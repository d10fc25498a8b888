/* Unit tests for the signature file loader (lib/sigs). */
#include <errno.h>
#include <limits.h>

#include "fz_test.h"
#include "fz_sigs.h"

static struct fz_sigs *parse(const char *text, char *err, size_t errlen)
{
	return fz_sigs_parse(text, strlen(text), "t.sigs", err, errlen);
}

static void test_parse_fields(void)
{
	const char *text =
	    "# comment\n"
	    "\n"
	    "  http proto=tcp dir=client prio=7 ports=80,8080 /^GET \\/ HTTP/is  \r\n"
	    "ssh /^SSH-2\\.0-/\n"
	    "http proto=udp dir=server /a/b/m8W\n";
	char err[256];
	struct fz_sigs *s = parse(text, err, sizeof(err));

	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	FZ_CHECK_INT(3, s->n_sigs);
	FZ_CHECK_INT(3, s->n_apps);
	FZ_CHECK_STR("unknown", s->apps[0]);
	FZ_CHECK_STR("http", s->apps[1]);
	FZ_CHECK_STR("ssh", s->apps[2]);

	FZ_CHECK_STR("^GET \\/ HTTP", s->sigs[0].regex);
	FZ_CHECK_INT(1, s->sigs[0].app);
	FZ_CHECK_INT(FZ_SIG_PROTO_TCP, s->sigs[0].proto);
	FZ_CHECK_INT(FZ_SIG_DIR_INITIATOR, s->sigs[0].dir);
	FZ_CHECK_INT(7, s->sigs[0].prio);
	FZ_CHECK_INT(FZ_SIG_CASELESS | FZ_SIG_DOTALL, s->sigs[0].flags);
	FZ_CHECK_INT(2, s->sigs[0].n_ports);
	FZ_CHECK_INT(80, s->sigs[0].ports[0]);
	FZ_CHECK_INT(8080, s->sigs[0].ports[1]);
	FZ_CHECK_INT(3, s->sigs[0].line);

	FZ_CHECK_INT(2, s->sigs[1].app);
	FZ_CHECK_INT(FZ_SIG_PROTO_ANY, s->sigs[1].proto);
	FZ_CHECK_INT(FZ_SIG_DIR_ANY, s->sigs[1].dir);
	FZ_CHECK_INT(FZ_SIGS_DEFAULT_PRIO, s->sigs[1].prio);
	FZ_CHECK_INT(0, s->sigs[1].flags);
	FZ_CHECK_INT(0, s->sigs[1].n_ports);
	FZ_CHECK_INT(4, s->sigs[1].line);

	/* The regex runs to the last slash, so it may hold slashes itself. */
	FZ_CHECK_STR("a/b", s->sigs[2].regex);
	FZ_CHECK_INT(1, s->sigs[2].app);
	FZ_CHECK_INT(FZ_SIG_PROTO_UDP, s->sigs[2].proto);
	FZ_CHECK_INT(FZ_SIG_DIR_RESPONDER, s->sigs[2].dir);
	FZ_CHECK_INT(FZ_SIG_MULTILINE | FZ_SIG_UTF8 | FZ_SIG_UCP, s->sigs[2].flags);
	FZ_CHECK_INT(5, s->sigs[2].line);
	fz_sigs_free(s);
}

/* Each bad line gives EINVAL and this exact message. */
static void check_error(const char *text, const char *expected)
{
	char err[256];
	struct fz_sigs *s;

	errno = 0;
	s = parse(text, err, sizeof(err));
	FZ_CHECK(s == NULL);
	FZ_CHECK_INT(EINVAL, errno);
	FZ_CHECK_STR(expected, err);
	fz_sigs_free(s);
}

static void test_parse_errors(void)
{
	check_error("ok /a/\nhttp proto=sctp /a/\n",
	            "t.sigs:2: bad value \"sctp\" for option proto");
	check_error("http dir=up /a/\n", "t.sigs:1: bad value \"up\" for option dir");
	check_error("http prio=256 /a/\n", "t.sigs:1: bad value \"256\" for option prio");
	check_error("http prio=-1 /a/\n", "t.sigs:1: bad value \"-1\" for option prio");
	check_error("http ports=80,0 /a/\n", "t.sigs:1: bad port \"0\" (want 1-65535)");
	check_error("http ports=1,2,3,4,5,6,7,8,9 /a/\n", "t.sigs:1: too many ports (at most 8)");
	check_error("http colour=red /a/\n",
	            "t.sigs:1: unknown option \"colour\" (want proto, dir, prio or ports)");
	check_error("http tcp /a/\n", "t.sigs:1: expected key=value or /regex/, got \"tcp\"");
	check_error("http proto=tcp\n", "t.sigs:1: missing /regex/ after the class name");
	check_error("http /abc\n", "t.sigs:1: regex has no closing '/'");
	check_error("http //\n", "t.sigs:1: empty regex");
	check_error("http /a/x\n", "t.sigs:1: unknown regex flag 'x' (want i, s, m, 8 or W)");
	check_error("unknown /a/\n",
	            "t.sigs:1: class name \"unknown\" is reserved for flows no signature names");
	check_error("h+ttp /a/\n",
	            "t.sigs:1: expected a class name (letters, digits, '_', '-') at the start");
	check_error("/a/\n",
	            "t.sigs:1: expected a class name (letters, digits, '_', '-') at the start");
	check_error("abcdefghijabcdefghijabcdefghij12 /a/\n",
	            "t.sigs:1: class name longer than 31 characters");
	check_error("# nothing\n\n", "t.sigs: no signatures");
}

static void test_nul_in_regex(void)
{
	const char text[] = "x /a\0b/\n";
	char err[256];
	struct fz_sigs *s = fz_sigs_parse(text, sizeof(text) - 1, "n.sigs", err, sizeof(err));

	FZ_CHECK(s == NULL);
	FZ_CHECK_STR("n.sigs:1: NUL byte in regex (write \\x00)", err);
}

static void test_last_line_without_newline(void)
{
	char err[256];
	struct fz_sigs *s = parse("a /x/\nb /y/i", err, sizeof(err));

	FZ_CHECK(s != NULL);
	if (s == NULL)
		return;
	FZ_CHECK_INT(2, s->n_sigs);
	FZ_CHECK_STR("y", s->sigs[1].regex);
	FZ_CHECK_INT(FZ_SIG_CASELESS, s->sigs[1].flags);
	fz_sigs_free(s);
}

static void test_too_many_classes(void)
{
	char *text = malloc(300 * 16);
	size_t off = 0;
	char err[256];
	struct fz_sigs *s;
	int i;

	for (i = 0; i < 255; i++)
		off += (size_t)sprintf(text + off, "c%d /a/\n", i);
	s = fz_sigs_parse(text, off, "m.sigs", err, sizeof(err));
	FZ_CHECK_STR("m.sigs:255: too many classes (at most 254)", err);
	FZ_CHECK(s == NULL);
	off = 0;
	for (i = 0; i < 254; i++)
		off += (size_t)sprintf(text + off, "c%d /a/\n", i);
	s = fz_sigs_parse(text, off, "m.sigs", err, sizeof(err));
	FZ_CHECK(s != NULL);
	if (s)
		FZ_CHECK_INT(255, s->n_apps);
	fz_sigs_free(s);
	free(text);
}

static void test_load_missing_file(void)
{
	char err[256];
	struct fz_sigs *s;

	errno = 0;
	s = fz_sigs_load("/nonexistent/x.sigs", err, sizeof(err));
	FZ_CHECK(s == NULL);
	FZ_CHECK_INT(ENOENT, errno);
	FZ_CHECK_STR("/nonexistent/x.sigs: No such file or directory", err);
}

/* The shipped file loads and names the six classes first, in this order. */
static void test_load_default_file(void)
{
	static const char *const expected[] = {"unknown", "bittorrent", "dhcp",
	                                       "ssdp",    "http",       "http_proxy",
	                                       "ssh",     "tls",        "gnutella"};
	const char *src = getenv("FZ_SRC");
	char path[PATH_MAX], err[256];
	struct fz_sigs *s;
	unsigned i;

	snprintf(path, sizeof(path), "%s/signatures/flowzoo.sigs", src ? src : ".");
	s = fz_sigs_load(path, err, sizeof(err));
	FZ_CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	FZ_CHECK_INT(sizeof(expected) / sizeof(expected[0]), s->n_apps);
	for (i = 0; i < s->n_apps && i < sizeof(expected) / sizeof(expected[0]); i++)
		FZ_CHECK_STR(expected[i], s->apps[i]);
	fz_sigs_free(s);
}

int main(void)
{
	FZ_RUN(test_parse_fields);
	FZ_RUN(test_parse_errors);
	FZ_RUN(test_nul_in_regex);
	FZ_RUN(test_last_line_without_newline);
	FZ_RUN(test_too_many_classes);
	FZ_RUN(test_load_missing_file);
	FZ_RUN(test_load_default_file);
	return fz_test_summary();
}
