/*
 * A file served from memory: the dashboard's page and Chart.js are read once
 * at start (docs/dashboard.md), so that a request never opens a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
