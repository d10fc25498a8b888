/*
 * libFuzzer target for the signature file loader: any bytes either load into
 * a list that keeps the loader's promises or give an error message that
 * names the file.
 */
#include <stdlib.h>
#include <string.h>

#include "fz_sigs.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct fz_sigs *s;
	unsigned i;

	if (size > 65536)
		return 0;
	s = fz_sigs_parse((const char *)data, size, "f.sigs", err, sizeof(err));
	if (s == NULL) {
		FUZZ_CHECK(strncmp(err, "f.sigs", 6) == 0);
		return 0;
	}
	FUZZ_CHECK(s->n_sigs > 0);
	FUZZ_CHECK(s->n_apps >= 2 && s->n_apps <= FZ_SIGS_MAX_APPS);
	FUZZ_CHECK(strcmp(s->apps[0], FZ_SIGS_UNKNOWN) == 0);
	for (i = 1; i < s->n_apps; i++) {
		size_t n = strlen(s->apps[i]);

		FUZZ_CHECK(n >= 1 && n <= FZ_SIGS_MAX_APP_NAME);
		FUZZ_CHECK(strcmp(s->apps[i], FZ_SIGS_UNKNOWN) != 0);
	}
	for (i = 0; i < s->n_sigs; i++) {
		const struct fz_sig *g = &s->sigs[i];

		FUZZ_CHECK(g->app >= 1 && g->app < s->n_apps);
		FUZZ_CHECK(g->regex != NULL && g->regex[0] != '\0');
		FUZZ_CHECK(g->line >= 1);
		FUZZ_CHECK(g->n_ports <= FZ_SIGS_MAX_PORTS);
		FUZZ_CHECK(g->dir <= FZ_SIG_DIR_RESPONDER);
		FUZZ_CHECK(g->proto == FZ_SIG_PROTO_ANY || g->proto == FZ_SIG_PROTO_TCP ||
		           g->proto == FZ_SIG_PROTO_UDP);
	}
	fz_sigs_free(s);
	return 0;
}
