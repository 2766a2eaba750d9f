/* hcc weights blob loader: checks a blob (docs/blob-format.md) and finds its payload.
 * C99, no malloc, no mutable globals, reads the header byte by byte (any host endianness,
 * any alignment of `blob`). */
#ifndef HCC_BLOB_H
#define HCC_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "hcc_runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HCC_BLOB_FORMAT_VERSION 1u
#define HCC_BLOB_HASH_SIZE 16u
#define HCC_BLOB_FIXED_HEADER_SIZE 32u
#define HCC_BLOB_PAYLOAD_ALIGN 16u

/* Check `blob` (blob_size readable bytes; bytes after the payload are ignored, so a whole
 * partition may be passed) and point *payload / *payload_size at its payload.
 * Checks, in this order: blob_size >= 32 (HCC_ERR_BLOB_LENGTH), magic "HCCW"
 * (HCC_ERR_BLOB_MAGIC), format version 1 (HCC_ERR_BLOB_VERSION), header size >= 32 and a
 * multiple of 16 (HCC_ERR_BLOB_LENGTH), graph hash == expected_hash (HCC_ERR_BLOB_HASH;
 * skipped when expected_hash is NULL), header + payload within blob_size
 * (HCC_ERR_BLOB_LENGTH), CRC32 of the payload (HCC_ERR_BLOB_CRC).
 * blob, payload and payload_size must not be NULL (HCC_ERR_NULL_ARGUMENT).
 * On any error *payload is NULL and *payload_size 0. */
hcc_status_t hcc_blob_open(const uint8_t *blob, size_t blob_size, const uint8_t expected_hash[16],
                           const uint8_t **payload, size_t *payload_size);

/* CRC-32 (IEEE 802.3, reflected, as zlib.crc32) of `size` bytes; `crc` is 0 to start, or
 * the result of a previous call to continue. */
uint32_t hcc_crc32(uint32_t crc, const uint8_t *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* HCC_BLOB_H */
