/* Keys of top lists for the traffic tests: the IPv4-mapped address i, and back. */
#ifndef FZ_TEST_TOPN_KEYS_H
#define FZ_TEST_TOPN_KEYS_H

#include <stdint.h>
#include <string.h>

static inline void key_of(uint32_t i, uint8_t k[16])
{
	memset(k, 0, 16);
	k[10] = k[11] = 0xff;
	k[12] = (uint8_t)(i >> 24);
	k[13] = (uint8_t)(i >> 16);
	k[14] = (uint8_t)(i >> 8);
	k[15] = (uint8_t)i;
}

static inline uint32_t index_of(const uint8_t k[16])
{
	return ((uint32_t)k[12] << 24) | ((uint32_t)k[13] << 16) | ((uint32_t)k[14] << 8) | k[15];
}

#endif
