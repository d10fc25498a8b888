/*
 * A directory of captures as one packet source: every capture in the
 * directory, in name order (strverscmp: "f2" before "f10"), read one after
 * another as one input. Names starting with '.' or ending in ".tmp",
 * ".part" or ".current" are not captures yet. Watched (inotify), it waits
 * for files closed after writing or renamed into the directory, until
 * stopped; a name written again (tcpdump -W reuses names) is read again. A
 * journal lists the files whose records were delivered (name, size, mtime),
 * so that a restart skips them.
 *
 * The reader (fz_pcapdir_burst) runs on one worker thread; the others
 * (fz_pcapdir_next_finished, _journal_add, _dispose, _progress) on another.
 */
#ifndef FZ_PCAPDIR_H
#define FZ_PCAPDIR_H

#include <stddef.h>
#include <stdint.h>

#include "fz_capture.h"
#include "fz_source.h"

#define FZ_PCAPDIR_NAME_MAX 256

struct fz_pcapdir_conf {
	const char *dir;
	const char *journal; /* NULL: DIR/.flowzoo-journal */
	int watch;           /* wait for new files until *stop */
	const volatile int *stop;
};

/* A file the reader is done with. */
struct fz_pcapdir_file {
	char name[FZ_PCAPDIR_NAME_MAX];
	uint64_t size;               /* when it was opened: with the name and mtime, its identity */
	int64_t mtime_ns;            /* in the journal (a rotating writer reuses names) */
	int opened;                  /* 0: it could not be opened (error says why) */
	enum fz_capture_state state; /* EOF, TRUNCATED or CORRUPT when opened */
	uint64_t frames, skipped;
	char error[256];
};

struct fz_pcapdir_progress {
	uint64_t files_done;  /* read to their end (or given up) */
	uint64_t files_to_do; /* known and not read yet (the one being read included) */
	uint64_t files_bad;   /* could not be opened, truncated or corrupt */
	uint64_t frames;      /* frames handed out */
	uint64_t skipped;     /* frames skipped (unknown link type or interface) */
};

struct fz_pcapdir;

/*
 * Open the directory, read the journal, list the captures (and start
 * watching). NULL with errno and a message in err when the directory cannot
 * be read or watched or the journal cannot be read or written.
 */
struct fz_pcapdir *fz_pcapdir_open(const struct fz_pcapdir_conf *conf, char *err, size_t errlen);

/* The struct fz_source burst over the directory (ctx is the directory). Frames
 * stay valid until the next call. Watching, it waits up to 10 ms when no file
 * is ready. */
unsigned fz_pcapdir_burst(void *ctx, struct fz_frame *f, unsigned n, int *ended);

/* The packet clock of a quiet input: the last frame's time plus the time since it
 * was read (0 before any frame). */
uint64_t fz_pcapdir_now_us(void *ctx);

/*
 * Take the next file the reader finished, in order: 1 and *out, or 0 when
 * none. A file is finished once the reader asked for the burst after its
 * last frame: whatever the worker made of its frames before then has left
 * the worker.
 */
int fz_pcapdir_next_finished(struct fz_pcapdir *d, struct fz_pcapdir_file *out);

/* Append the file (name, size, mtime) to the journal; it is durable once
 * fz_pcapdir_journal_sync returned 0. 0, or a negative errno. */
int fz_pcapdir_journal_add(struct fz_pcapdir *d, const struct fz_pcapdir_file *f);
int fz_pcapdir_journal_sync(struct fz_pcapdir *d);

/* Delete DIR/name, or (to_dir not NULL) rename it into to_dir. 0, or a negative errno. */
int fz_pcapdir_dispose(struct fz_pcapdir *d, const char *name, const char *to_dir);

void fz_pcapdir_progress(const struct fz_pcapdir *d, struct fz_pcapdir_progress *p);

/* Whether a directory entry's name is one the source skips (not a capture yet). */
int fz_pcapdir_skip_name(const char *name);

void fz_pcapdir_close(struct fz_pcapdir *d);

#endif
