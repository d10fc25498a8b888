/*
 * Files served from memory: the dashboard's page and Chart.js are read once
 * at start (docs/dashboard.md), by flowzoo and by zooagg, so that a request
 * never opens a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fz_http.h"

int fz_http_file_load(const char *path, char **body, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n = 0;
	int err = 0;

	*body = NULL;
	if (f == NULL)
		return -errno;
	/* Only a regular file has a size to read (a directory's would be taken for one). */
	if (fstat(fileno(f), &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EISDIR;
	else if ((*body = malloc((n = (size_t)st.st_size) + 1)) == NULL)
		err = -ENOMEM;
	else if (fread(*body, 1, n, f) != n || fgetc(f) != EOF)
		err = -EIO; /* shorter or longer than it was a moment ago */
	fclose(f);
	if (err) {
		free(*body);
		*body = NULL;
		return err;
	}
	(*body)[n] = 0;
	*len = n;
	return 0;
}

int fz_http_page_load(struct fz_http_page *pg, const struct fz_http_file *files, unsigned n,
                      const char *dir, const char *other, char *failed, size_t cap)
{
	memset(pg, 0, sizeof(*pg));
	if (n > FZ_HTTP_PAGE_FILES)
		return -E2BIG;
	pg->files = files;
	pg->n = n;
	for (unsigned i = 0; i < n; i++) {
		int rc;

		if (files[i].name)
			snprintf(failed, cap, "%s/%s", dir, files[i].name);
		else
			snprintf(failed, cap, "%s", other);
		rc = fz_http_file_load(failed, &pg->body[i], &pg->len[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int fz_http_page_reply(const struct fz_http_page *pg, const char *path, struct fz_http_reply *r)
{
	for (unsigned i = 0; i < pg->n; i++)
		if (strcmp(path, pg->files[i].path) == 0) {
			r->status = 200;
			r->type = pg->files[i].type;
			r->body = malloc(pg->len[i] + 1);
			if (r->body == NULL)
				return -1;
			memcpy(r->body, pg->body[i], pg->len[i] + 1);
			r->len = pg->len[i];
			return 1;
		}
	return 0;
}

void fz_http_page_free(struct fz_http_page *pg)
{
	for (unsigned i = 0; i < pg->n; i++)
		free(pg->body[i]);
	memset(pg, 0, sizeof(*pg));
}
