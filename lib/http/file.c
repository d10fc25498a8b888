/*
 * A file served from memory: the dashboard's page and Chart.js are read once
 * at start (docs/dashboard.md), so that a request never opens a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fz_http.h"

int fz_http_file_load(const char *path, char **body, size_t *len)
{
	FILE *f = fopen(path, "re");
	long n;
	int err;

	*body = NULL;
	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    (*body = malloc((size_t)n + 1)) == NULL || fread(*body, 1, (size_t)n, f) != (size_t)n) {
		err = errno ? -errno : -EIO;
		fclose(f);
		free(*body);
		*body = NULL;
		return err;
	}
	fclose(f);
	(*body)[n] = 0;
	*len = (size_t)n;
	return 0;
}
