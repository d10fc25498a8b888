/*
 * libFuzzer target for the first-byte reader of lib/l7 (first_bytes.c),
 * which lets fz_l7_scan skip Hyperscan for a payload no signature can match.
 * A byte it leaves out of the set must never begin a payload the signature
 * matches: the input is a signature's regex, a flags byte and a payload; when
 * Hyperscan compiles the regex and matches the payload, the payload's first
 * byte must be in the set. (UTF-8 modes are left out: Hyperscan requires
 * valid UTF-8 input for them.)
 */
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "fz_sigs.h"
#include "l7_priv.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(int *)ctx = 1;
	return 1; /* one match is enough */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	const uint8_t *payload;
	size_t rlen, plen;
	unsigned flags = 0, hflags = HS_FLAG_SINGLEMATCH;
	uint64_t set[4] = {0, 0, 0, 0};
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	hs_scratch_t *scratch = NULL;
	char *re;
	int matched = 0;

	if (nl == NULL || (size_t)(nl - data) + 2 > size)
		return 0;
	rlen = (size_t)(nl - data);
	if (rlen == 0 || memchr(data, '\0', rlen) != NULL)
		return 0;
	if (nl[1] & 1) {
		flags |= FZ_SIG_CASELESS;
		hflags |= HS_FLAG_CASELESS;
	}
	if (nl[1] & 2) {
		flags |= FZ_SIG_DOTALL;
		hflags |= HS_FLAG_DOTALL;
	}
	if (nl[1] & 4) {
		flags |= FZ_SIG_MULTILINE;
		hflags |= HS_FLAG_MULTILINE;
	}
	payload = nl + 2;
	plen = size - rlen - 2;
	re = malloc(rlen + 1);
	if (re == NULL)
		return 0;
	memcpy(re, data, rlen);
	re[rlen] = '\0';
	if (hs_compile(re, hflags, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		free(re);
		return 0;
	}
	fz_l7__first_bytes(re, flags, set);
	FUZZ_CHECK(hs_alloc_scratch(db, &scratch) == HS_SUCCESS);
	hs_scan(db, (const char *)payload, (unsigned)plen, 0, scratch, on_match, &matched);
	/* fz_l7_scan never scans an empty payload */
	if (matched && plen > 0)
		FUZZ_CHECK((set[payload[0] >> 6] >> (payload[0] & 63)) & 1);
	hs_free_scratch(scratch);
	hs_free_database(db);
	free(re);
	return 0;
}
