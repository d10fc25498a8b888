/*
 * L7 at start-up: find and compile the signature file (before EAL starts, so
 * a bad signature is a plain start-up error), and give the application names
 * to the records and the zoo.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "fz_l7.h"

const char *fz_app_shipped_file(const char *installed, const char *source)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		if (strcmp(exe, FZ_INSTALLED_EXE) == 0 && access(installed, R_OK) == 0)
			return installed;
	}
	return source;
}

int fz_l7_setup(struct fz_appliance *app, char *err, size_t errlen)
{
	struct fz_l7_conf c = {
	    .sig_path = app->opts.signatures
	                    ? app->opts.signatures
	                    : fz_app_shipped_file(FZ_INSTALLED_SIGS, FZ_SOURCE_SIGS),
	    .max_pkts = (unsigned)app->opts.l7_packets,
	    .max_bytes = (unsigned)app->opts.l7_bytes,
	};
	char e[768], cache[1024];
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	/* Compiled databases kept for the next start (docs/operator-guide.md). */
	if (app->opts.l7_cache && strcmp(app->opts.l7_cache, "off") != 0)
		c.cache_dir = app->opts.l7_cache;
	else if (!app->opts.l7_cache && xdg && xdg[0] == '/')
		c.cache_dir = snprintf(cache, sizeof(cache), "%s/flowzoo", xdg) < (int)sizeof(cache)
		                  ? cache
		                  : NULL;
	else if (!app->opts.l7_cache && home && home[0] == '/')
		c.cache_dir =
		    snprintf(cache, sizeof(cache), "%s/.cache/flowzoo", home) < (int)sizeof(cache)
		        ? cache
		        : NULL;
	app->l7 = fz_l7_create(&c, e, sizeof(e));
	if (app->l7 == NULL) {
		snprintf(err, errlen, "--signatures: %s", e);
		return -1;
	}
	if (fz_l7_app_count(app->l7) > FZ_MAX_APPS) {
		snprintf(err, errlen, "--signatures %s: %u classes, at most %d", c.sig_path,
		         fz_l7_app_count(app->l7) - 1, FZ_MAX_APPS - 1);
		fz_l7_free(app->l7);
		app->l7 = NULL;
		return -1;
	}
	app->sig_path = c.sig_path;
	app->app_names = fz_l7_app_names(app->l7);
	app->n_apps = fz_l7_app_count(app->l7);
	/* Only now are the names of the per-application Kafka topics known. */
	if (fz_opts_check_app_topics(&app->opts, app->app_names, app->n_apps, err, errlen)) {
		fz_l7_free(app->l7);
		app->l7 = NULL;
		return -1;
	}
	return 0;
}
