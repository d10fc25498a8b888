/*
 * libFuzzer target for the per-packet scan: the input is a sequence of
 * packets of one flow, each "dir proto len payload...", scanned with small
 * budgets. Checks the promises of fz_l7_scan: budgets are never exceeded, a
 * named or done flow never changes, and the app id is always a valid index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fz_l7.h"

#include "fuzz_check.h"

#define MAX_PKTS  4
#define MAX_BYTES 600

/* A few signatures of each shape the default file uses. */
static const char sigs_text[] = "http proto=tcp /^[A-Z]{3,7} [^ \\r\\n]+ HTTP\\/1\\.[01]\\r?\\n/\n"
                                "tls proto=tcp ports=443 /^\\x16\\x03[\\x00-\\x04].{2}\\x01/s\n"
                                "dhcp proto=udp /^[\\x01\\x02].{235}\\x63\\x82\\x53\\x63/s\n"
                                "dht proto=udp prio=180 /^d.{1,400}1:y1:[qre]e$/s\n"
                                "srv dir=server prio=150 /^OK/\n"
                                "cli dir=client ports=7 /^OK/\n";

static struct fz_l7 *l7;
static struct fz_l7_scratch *scratch;

static void setup(void)
{
	char path[] = "/tmp/fuzz_l7_XXXXXX", err[512];
	struct fz_l7_conf conf = {.sig_path = path, .max_pkts = MAX_PKTS, .max_bytes = MAX_BYTES};
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, sigs_text, sizeof(sigs_text) - 1) != sizeof(sigs_text) - 1)
		abort();
	close(fd);
	l7 = fz_l7_create(&conf, err, sizeof(err));
	unlink(path);
	if (l7 == NULL) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	scratch = fz_l7_scratch_create(l7);
	if (scratch == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t protos[4] = {6, 17, 1, 132};
	struct fz_l7_flow st = {0}, before;
	size_t off = 0;

	if (l7 == NULL)
		setup();
	while (off + 3 <= size) {
		unsigned dir = data[off] & 1;
		uint8_t proto = protos[(data[off] >> 1) & 3];
		uint16_t port = (data[off] & 0x80) ? 7 : 443;
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		before = st;
		fz_l7_scan(l7, scratch, &st, dir, proto, 40000, port, data + off, (uint32_t)len);
		off += len;
		FUZZ_CHECK(st.app < fz_l7_app_count(l7));
		FUZZ_CHECK(st.pkts[0] <= MAX_PKTS && st.pkts[1] <= MAX_PKTS);
		FUZZ_CHECK(st.bytes[0] <= MAX_BYTES && st.bytes[1] <= MAX_BYTES);
		if (before.done)
			FUZZ_CHECK(memcmp(&before, &st, sizeof(st)) == 0);
		if (st.app)
			FUZZ_CHECK(st.done);
	}
	return 0;
}
