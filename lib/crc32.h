/*
 * lib/crc32.h - the CRC-32 of IEEE 802.3, as GPT uses it.
 *
 * UEFI 2.9 §5.3.2 checksums the GPT header and partition entry array with
 * "the standard CRC32": polynomial 0x04C11DB7, reflected (0xEDB88320), initial
 * value and final XOR 0xFFFFFFFF. That is also zlib's crc32(), whose chaining
 * convention this follows: start with crc = 0 and feed the result back in.
 */
#ifndef NVOS_LIB_CRC32_H
#define NVOS_LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc32_ieee(0, "123456789", 9) == 0xCBF43926. */
uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

#endif
