/*
 * capture_read: how fast lib/source reads captures, alone (no parsing, no
 * flow table): frames and bytes handed out, seconds, GB/s. For
 * docs/benchmarks.md ("Offline"), beside `cat FILE > /dev/null`.
 *
 *   capture_read FILE...
 */
#include <stdio.h>
#include <time.h>

#include "fz_capture.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char err[256];
		struct fz_frame f[32];
		double t0 = now_s(), dt;
		struct fz_capture *c = fz_capture_open(argv[i], err, sizeof(err));
		unsigned long long frames = 0, bytes = 0, sum = 0;
		unsigned k;

		if (c == NULL) {
			fprintf(stderr, "capture_read: %s: %s\n", argv[i], err);
			return 1;
		}
		while ((k = fz_capture_burst(c, f, 32)) > 0)
			for (unsigned j = 0; j < k; j++) {
				frames++;
				bytes += f[j].len;
				sum += f[j].data[0]; /* touch each frame, as a parser would */
			}
		dt = now_s() - t0;
		printf("%s: %llu frames, %llu bytes of frames, %llu bytes of file in %.3f s: %.2f "
		       "GB/s (check %llu)\n",
		       argv[i], frames, bytes, (unsigned long long)fz_capture_size(c), dt,
		       (double)fz_capture_size(c) / dt / 1e9, sum);
		fz_capture_close(c);
	}
	return 0;
}
