/*
 * The JSON-lines exporter's zstd stream (private to lib/export): lines go
 * into an input block, whole blocks are compressed, and the compressed
 * bytes are written to a stdio stream. A flush makes every line given so
 * far decodable from the stream; an end closes the zstd frame (the next
 * line starts a new frame: concatenated frames are one valid zstd stream).
 */
#ifndef FZ_JSONL_ZSTD_H
#define FZ_JSONL_ZSTD_H

#include <stddef.h>
#include <stdio.h>

struct fz_jsonl_zstd;

/* A compressor at level (ZSTD's levels; see fz_jsonl_compress_parse). NULL and errno set
 * (ENOMEM, EINVAL for a level libzstd refuses). */
struct fz_jsonl_zstd *fz_jsonl__zstd_new(int level);

/* Add one line (len bytes and a newline). 0, or a negative errno when writing the
 * compressed bytes to f failed (EIO when libzstd failed). */
int fz_jsonl__zstd_line(struct fz_jsonl_zstd *z, FILE *f, const char *line, size_t len);

/* Compress what is buffered and write it to f so that it decodes (the caller
 * fflushes f). end: also close the frame. 0 or a negative errno. */
int fz_jsonl__zstd_flush(struct fz_jsonl_zstd *z, FILE *f, int end);

/* Forget what is buffered and any open frame (after a failed write, or a file
 * given up): the next line starts a new frame. */
void fz_jsonl__zstd_reset(struct fz_jsonl_zstd *z);

void fz_jsonl__zstd_free(struct fz_jsonl_zstd *z);

#endif
