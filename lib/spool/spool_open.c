/*
 * Opening a spool: locking its directory, finding its segments and the
 * cursor, and checking every record so that a record torn by a crash (or
 * damaged on disk) is cut off before anything reads it; and closing it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool_priv.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Check one segment: count the records from start_off on, cut the file at
 * the first damaged record. Returns the valid size, or 0 when the segment is
 * unusable (bad magic) and was removed.
 */
static uint64_t scan_seg(struct fz_spool *sp, uint64_t seq, uint64_t *start_off, uint64_t *nrec)
{
	int start_seen = *start_off <= SEG_HDR;
	int fd = fz_spool__open_seg(sp, seq, O_RDWR);
	struct stat st = {0};
	uint8_t hdr[REC_HDR];
	uint8_t *buf = NULL;
	size_t cap = 0;
	uint64_t off = SEG_HDR;

	*nrec = 0;
	if (fd < 0 || fstat(fd, &st) != 0)
		goto bad;
	if (fz_spool__pread_full(fd, hdr, SEG_HDR, 0) != SEG_HDR ||
	    memcmp(hdr, SEG_MAGIC, SEG_HDR) != 0)
		goto bad;
	while (off + REC_HDR <= (uint64_t)st.st_size) {
		uint32_t len, crc;

		if (fz_spool__pread_full(fd, hdr, REC_HDR, off) != REC_HDR)
			break;
		len = fz_spool__get32(hdr);
		if (len > FZ_SPOOL_MAX_RECORD || off + REC_HDR + len > (uint64_t)st.st_size)
			break;
		if (len > cap) {
			uint8_t *b = realloc(buf, len);

			if (b == NULL)
				break;
			buf = b;
			cap = len;
		}
		if (fz_spool__pread_full(fd, buf, len, off + REC_HDR) != (ssize_t)len)
			break;
		crc = fz_spool__crc32c(fz_spool__crc32c(0, hdr, 4), buf, len);
		if (crc != fz_spool__get32(hdr + 4))
			break;
		if (off == *start_off)
			start_seen = 1;
		if (off >= *start_off)
			(*nrec)++;
		off += REC_HDR + len;
	}
	free(buf);
	if (off == *start_off)
		start_seen = 1;
	if (!start_seen) {
		/* The cursor is not on a record boundary: replay the segment. */
		*start_off = SEG_HDR;
		close(fd);
		return scan_seg(sp, seq, start_off, nrec);
	}
	if (off < (uint64_t)st.st_size) {
		sp->corrupt += (uint64_t)st.st_size - off;
		if (ftruncate(fd, (off_t)off) != 0) {
			close(fd);
			return 0;
		}
	}
	close(fd);
	return off;
bad:
	if (fd >= 0) {
		sp->corrupt += (uint64_t)st.st_size;
		close(fd);
	}
	fz_spool__unlink_seg(sp, seq);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* List the segment sequence numbers in dir, ascending. */
static int list_segs(struct fz_spool *sp, uint64_t **out, unsigned *n)
{
	int fd = dup(sp->dirfd);
	DIR *d;
	struct dirent *e;
	uint64_t *v = NULL;
	unsigned cnt = 0, cap = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d)) != NULL) {
		uint64_t seq;
		char tail[8];

		if (strlen(e->d_name) != 20 ||
		    sscanf(e->d_name, "%16" SCNx64 "%7s", &seq, tail) != 2 ||
		    strcmp(tail, ".seg") != 0)
			continue;
		if (cnt == cap) {
			uint64_t *nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (nv == NULL) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = seq;
	}
	closedir(d);
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_u64);
	*out = v;
	*n = cnt;
	return 0;
}

struct fz_spool *fz_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
	struct fz_spool *sp;
	uint64_t *seqs = NULL, cseq = 0, coff = 0;
	unsigned nseqs = 0;
	int have_cursor, r, e;

	fz_spool__crc_init();
	if (dir == NULL || *dir == '\0' || max_bytes < SEG_HDR + REC_HDR) {
		set_err(err, errlen, "spool: need a directory and a size of at least %u bytes",
		        SEG_HDR + REC_HDR);
		errno = EINVAL;
		return NULL;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		e = errno;
		set_err(err, errlen, "spool: cannot create %s: %s", dir, strerror(e));
		errno = e;
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return NULL;
	sp->wfd = -1;
	sp->rfd = -1;
	sp->dirfd = -1;
	sp->max_bytes = max_bytes;
	sp->seg_max = max_bytes / 8;
	if (sp->seg_max < SEG_MIN)
		sp->seg_max = SEG_MIN;
	if (sp->seg_max > SEG_MAX)
		sp->seg_max = SEG_MAX;
	sp->dir = strdup(dir);
	sp->wbuf = malloc(WBUF_SIZE);
	sp->rbuf = malloc(RBUF_SIZE);
	sp->rcap = RBUF_SIZE;
	if (sp->dir == NULL || sp->wbuf == NULL || sp->rbuf == NULL) {
		e = ENOMEM;
		set_err(err, errlen, "spool: out of memory");
		goto fail;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		e = errno;
		set_err(err, errlen, "spool: cannot open %s: %s", dir, strerror(e));
		goto fail;
	}
	/* One owner at a time: two appliances on one spool would interleave and
	 * re-send each other's records. The lock goes with the descriptor. */
	if (flock(sp->dirfd, LOCK_EX | LOCK_NB) != 0) {
		e = errno == EWOULDBLOCK ? EBUSY : errno;
		set_err(err, errlen, "spool: %s is in use by another process", dir);
		goto fail;
	}
	r = list_segs(sp, &seqs, &nseqs);
	if (r < 0) {
		e = -r;
		set_err(err, errlen, "spool: cannot list %s: %s", dir, strerror(e));
		goto fail;
	}
	have_cursor = fz_spool__load_cursor(sp, &cseq, &coff) == 0;
	sp->next_seq = FIRST_SEQ;
	for (unsigned i = 0; i < nseqs; i++) {
		uint64_t nrec, size, start = SEG_HDR;

		/* Segments before the cursor's were read; a crash kept them. */
		if (have_cursor && seqs[i] < cseq) {
			fz_spool__unlink_seg(sp, seqs[i]);
			continue;
		}
		if (have_cursor && seqs[i] == cseq && sp->nsegs == 0)
			start = coff;
		size = scan_seg(sp, seqs[i], &start, &nrec);
		if (size == 0)
			continue;
		if (fz_spool__segs_push(sp, seqs[i], size) != 0) {
			e = ENOMEM;
			set_err(err, errlen, "spool: out of memory");
			goto fail;
		}
		if (sp->nsegs == 1)
			sp->roff = start;
		sp->records += nrec;
		sp->disk_bytes += size;
		sp->next_seq = seqs[i] + 1;
	}
	free(seqs);
	seqs = NULL;
	/* Never reuse a number at or below the cursor's: such a segment would
	 * count as read at the next open. */
	if (have_cursor && sp->next_seq <= cseq)
		sp->next_seq = cseq + 1;
	if (sp->nsegs > 0) {
		sp->saved_seq = sp->segs[0].seq;
		sp->saved_off = sp->roff;
	}
	return sp;
fail:
	free(seqs);
	fz_spool_close(sp);
	errno = e;
	return NULL;
}

void fz_spool_close(struct fz_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->dirfd >= 0)
		fz_spool_sync(sp);
	if (sp->rfd >= 0 && sp->rfd != sp->wfd)
		close(sp->rfd);
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp->segs);
	free(sp->wbuf);
	free(sp->rbuf);
	free(sp->dir);
	free(sp);
}
