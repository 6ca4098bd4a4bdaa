/*
 * lib/sha256.h - SHA-256, FIPS 180-4 (August 2015) §6.2, streaming.
 *
 * Used to fingerprint files read from disk (the shell's sha256sum and the
 * FAT tests' manifests), so that a result can be compared with sha256sum on
 * the host. Pure and freestanding: no allocation, no floating point.
 */
#ifndef NVOS_LIB_SHA256_H
#define NVOS_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1) /* with the NUL */

struct sha256_ctx {
    uint32_t h[8];                  /* intermediate hash value H(i) */
    uint64_t bytes;                 /* message length so far */
    uint8_t block[SHA256_BLOCK_SIZE];
    uint32_t used;                  /* bytes waiting in block */
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
/* Pads (§5.1.1), writes the digest and leaves ctx to be re-initialised. */
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_SIZE]);

/* One call: the digest of len bytes at data. */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE]);

/* Lowercase hex, as sha256sum prints it; returns out. */
char *sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

#endif
