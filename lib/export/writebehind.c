/*
 * Write-behind (see writebehind.h): sync_file_range(2) starts the writing of
 * each window just filled without waiting; once more than LAG bytes have
 * been started and not yet waited for, the oldest window is waited for (by
 * then mostly written) and dropped with POSIX_FADV_DONTNEED, which only
 * drops clean pages. The wait is what paces a writer faster than the disk,
 * in place of balance_dirty_pages() over gigabytes of dirty cache; the lag
 * lets a writer slower than the disk (a live appliance) ride out a disk that
 * stalls for a moment without waiting at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writebehind.h"

#define WINDOW ((off_t)32 << 20)
#define LAG    (4 * WINDOW)

void fz_jsonl__wb_init(struct fz_writebehind *w, int fd)
{
	struct stat st;
	off_t pos = -1;

	/* Appending, the offset moves to the end only at the first write. */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		pos = (fcntl(fd, F_GETFL) & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
	w->fd = pos < 0 ? -1 : fd;
	w->start = w->done = pos < 0 ? 0 : pos;
}

int fz_jsonl__wb_step(struct fz_writebehind *w)
{
	off_t pos;

	if (w->fd < 0)
		return 0;
	pos = lseek(w->fd, 0, SEEK_CUR);
	if (pos < w->start) { /* truncated under us, or lseek failed: begin again from here */
		fz_jsonl__wb_init(w, w->fd);
		return 0;
	}
	if (pos - w->start < WINDOW)
		return 0;
	/* Advice: a failure here (EINVAL, ESPIPE) leaves the kernel's usual write-back. */
	sync_file_range(w->fd, w->start, pos - w->start, SYNC_FILE_RANGE_WRITE);
	w->start = pos;
	while (w->start - w->done > LAG) {
		if (sync_file_range(w->fd, w->done, WINDOW,
		                    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		                        SYNC_FILE_RANGE_WAIT_AFTER) != 0 &&
		    errno == EIO)
			return -EIO;
		posix_fadvise(w->fd, w->done, WINDOW, POSIX_FADV_DONTNEED);
		w->done += WINDOW;
	}
	return 0;
}
