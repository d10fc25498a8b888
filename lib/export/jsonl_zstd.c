/*
 * zstd-compressed JSON lines (see jsonl_zstd.h). Lines are gathered into a
 * 256 KiB block and compressed a block at a time (one libzstd call per
 * block, not per line); libzstd's output goes through the exporter's stdio
 * buffer, so the file still sees writes of 1 MiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "fz_export.h"
#include "jsonl_zstd.h"

#define IN_BLOCK (256u << 10)

struct fz_jsonl_zstd {
	ZSTD_CCtx *cctx;
	char *in;      /* lines not yet given to libzstd */
	size_t in_len; /* bytes of them */
	char *out;     /* libzstd's output before fwrite */
	size_t out_cap;
};

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

int fz_jsonl_compress_parse(const char *spec, const char *path, int *level)
{
	char *end;
	long v;

	if (strcmp(spec, "auto") == 0) {
		*level = path && ends_with(path, ".zst") ? FZ_JSONL_ZSTD_DEFAULT : FZ_JSONL_PLAIN;
		return 0;
	}
	if (strcmp(spec, "none") == 0) {
		*level = FZ_JSONL_PLAIN;
		return 0;
	}
	if (strcmp(spec, "zstd") == 0) {
		*level = FZ_JSONL_ZSTD_DEFAULT;
		return 0;
	}
	if (strncmp(spec, "zstd:", 5) != 0 || spec[5] == '\0' || spec[5] == ' ')
		return -EINVAL;
	errno = 0;
	v = strtol(spec + 5, &end, 10);
	if (errno || *end != '\0' || v < FZ_JSONL_ZSTD_MIN || v > FZ_JSONL_ZSTD_MAX)
		return -EINVAL;
	*level = (int)v;
	return 0;
}

struct fz_jsonl_zstd *fz_jsonl__zstd_new(int level)
{
	struct fz_jsonl_zstd *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return NULL;
	z->cctx = ZSTD_createCCtx();
	z->out_cap = ZSTD_CStreamOutSize();
	z->in = malloc(IN_BLOCK);
	z->out = malloc(z->out_cap);
	if (z->cctx == NULL || z->in == NULL || z->out == NULL) {
		fz_jsonl__zstd_free(z);
		errno = ENOMEM;
		return NULL;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level))) {
		fz_jsonl__zstd_free(z);
		errno = EINVAL;
		return NULL;
	}
	return z;
}

/* Give the block to libzstd with mode, writing what it returns to f. */
static int compress(struct fz_jsonl_zstd *z, FILE *f, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = {z->in, z->in_len, 0};

	for (;;) {
		ZSTD_outBuffer out = {z->out, z->out_cap, 0};
		size_t left = ZSTD_compressStream2(z->cctx, &out, &in, mode);

		if (ZSTD_isError(left))
			return -EIO;
		if (out.pos > 0 && fwrite(z->out, 1, out.pos, f) != out.pos)
			return errno ? -errno : -EIO;
		/* continue: done once the input is taken; flush and end: once nothing is left. */
		if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
			break;
	}
	z->in_len = 0;
	return 0;
}

int fz_jsonl__zstd_line(struct fz_jsonl_zstd *z, FILE *f, const char *line, size_t len)
{
	while (z->in_len + len + 1 > IN_BLOCK) {
		size_t part = IN_BLOCK - z->in_len;
		int rc;

		/* A line longer than what is left: fill the block, compress it, go on. */
		if (part > len)
			part = len;
		memcpy(z->in + z->in_len, line, part);
		z->in_len += part;
		line += part;
		len -= part;
		rc = compress(z, f, ZSTD_e_continue);
		if (rc < 0)
			return rc;
	}
	memcpy(z->in + z->in_len, line, len);
	z->in[z->in_len + len] = '\n';
	z->in_len += len + 1;
	return 0;
}

int fz_jsonl__zstd_flush(struct fz_jsonl_zstd *z, FILE *f, int end)
{
	return compress(z, f, end ? ZSTD_e_end : ZSTD_e_flush);
}

void fz_jsonl__zstd_reset(struct fz_jsonl_zstd *z)
{
	ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_only);
	z->in_len = 0;
}

void fz_jsonl__zstd_free(struct fz_jsonl_zstd *z)
{
	if (z == NULL)
		return;
	ZSTD_freeCCtx(z->cctx);
	free(z->in);
	free(z->out);
	free(z);
}
