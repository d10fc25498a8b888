/*
 * libFuzzer target for the capture reader (classic pcap and pcapng): any
 * bytes are opened as a capture and read to the end in bursts of a size
 * the first byte picks. The reader's promises are checked: every frame lies
 * inside the input, no frame is longer than a capture may hold, its link
 * type is one the parser knows, and reading ends (EOF, truncated or
 * corrupt) with a reason when it is not EOF.
 */
#include <stdlib.h>
#include <string.h>

#include "fz_capture.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_frame f[64];
	struct fz_capture *c;
	char err[256];
	unsigned burst, k;
	uint64_t frames = 0;

	if (size < 1)
		return 0;
	burst = data[0] % 64 + 1;
	c = fz_capture_open_mem(data + 1, size - 1, err, sizeof(err));
	if (c == NULL) {
		FUZZ_CHECK(err[0] != '\0');
		return 0;
	}
	while ((k = fz_capture_burst(c, f, burst)) > 0) {
		FUZZ_CHECK(k <= burst);
		for (unsigned i = 0; i < k; i++) {
			FUZZ_CHECK(f[i].data >= data + 1);
			FUZZ_CHECK(f[i].len <= FZ_CAPTURE_MAX_CAPLEN);
			FUZZ_CHECK(f[i].data + f[i].len <= data + size);
			FUZZ_CHECK(f[i].pkt_len >= f[i].len);
			FUZZ_CHECK(f[i].link <= FZ_LINK_SLL2);
			if (f[i].len)
				FUZZ_CHECK(f[i].data[0] == f[i].data[0]); /* readable */
		}
		frames += k;
	}
	FUZZ_CHECK(fz_capture_state(c) != FZ_CAPTURE_OK);
	FUZZ_CHECK(fz_capture_frames(c) == frames);
	FUZZ_CHECK(fz_capture_offset(c) <= size - 1);
	if (fz_capture_state(c) != FZ_CAPTURE_EOF)
		FUZZ_CHECK(fz_capture_error(c)[0] != '\0');
	fz_capture_close(c);
	return 0;
}
