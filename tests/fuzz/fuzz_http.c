/*
 * libFuzzer target for what lib/http parses of untrusted text: the
 * Last-Event-ID a stream client sends back (fz_http_event_id_parse), checked
 * against a plain reference (decimal digits only, at most 20, below 2^64),
 * and the --http address and --http-acl prefixes (no crash, an error message
 * when refused).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fz_http.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: every byte a digit, 1 to 20 of them, the value below 2^64 (by long
 * arithmetic on the digits, not by the same overflow test). */
static int reference(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	static const char max[] = "18446744073709551615";

	if (n == 0 || n > 20)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	while (n > 1 && s[0] == '0') {
		s++;
		n--;
	}
	if (n == 20 && strcmp(s, max) > 0)
		return -EINVAL;
	*out = strtoull(s, NULL, 10);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	uint64_t got = 0, want = 0;
	int rc, ref;
	char err[256];
	struct fz_http_addr a;
	struct fz_http_acl *acl;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	rc = fz_http_event_id_parse(text, &got);
	ref = reference(text, &want);
	FUZZ_CHECK(rc == ref);
	FUZZ_CHECK(rc != 0 || got == want);
	err[0] = '\0';
	if (fz_http_addr_parse(text, &a, err, sizeof(err)) != 0)
		FUZZ_CHECK(err[0] != '\0');
	acl = calloc(1, sizeof(*acl));
	if (acl) {
		err[0] = '\0';
		if (fz_http_acl_parse(acl, text, err, sizeof(err)) != 0)
			FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(acl->n <= FZ_HTTP_ACL_MAX);
		free(acl);
	}
	free(text);
	return 0;
}
