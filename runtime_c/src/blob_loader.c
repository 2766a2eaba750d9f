/* hcc weights blob loader; the format is in docs/blob-format.md, the Python side in
 * hcc/deploy/blob.py (same checks, same order). */
#include "hcc_blob.h"

static uint32_t read_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t read_u16le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

uint32_t hcc_crc32(uint32_t crc, const uint8_t *data, size_t size)
{
    /* Reflected polynomial 0xEDB88320, one nibble at a time: 64 bytes of const table
     * (in flash on a microcontroller), about twice as fast as bit by bit. */
    static const uint32_t nibble[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    size_t i;

    crc = ~crc;
    for (i = 0; i < size; ++i) {
        crc ^= data[i];
        crc = (crc >> 4) ^ nibble[crc & 0x0Fu];
        crc = (crc >> 4) ^ nibble[crc & 0x0Fu];
    }
    return ~crc;
}

hcc_status_t hcc_blob_open(const uint8_t *blob, size_t blob_size, const uint8_t expected_hash[16],
                           const uint8_t **payload, size_t *payload_size)
{
    uint32_t header_size;
    uint32_t length;
    size_t i;

    if (payload == NULL || payload_size == NULL) {
        return HCC_ERR_NULL_ARGUMENT;
    }
    *payload = NULL;
    *payload_size = 0;
    if (blob == NULL) {
        return HCC_ERR_NULL_ARGUMENT;
    }
    if (blob_size < HCC_BLOB_FIXED_HEADER_SIZE) {
        return HCC_ERR_BLOB_LENGTH;
    }
    if (blob[0] != 'H' || blob[1] != 'C' || blob[2] != 'C' || blob[3] != 'W') {
        return HCC_ERR_BLOB_MAGIC;
    }
    if (read_u16le(blob + 4) != HCC_BLOB_FORMAT_VERSION) {
        return HCC_ERR_BLOB_VERSION;
    }
    header_size = read_u16le(blob + 6);
    if (header_size < HCC_BLOB_FIXED_HEADER_SIZE || header_size % HCC_BLOB_PAYLOAD_ALIGN != 0u) {
        return HCC_ERR_BLOB_LENGTH;
    }
    if (expected_hash != NULL) {
        for (i = 0; i < HCC_BLOB_HASH_SIZE; ++i) {
            if (blob[8 + i] != expected_hash[i]) {
                return HCC_ERR_BLOB_HASH;
            }
        }
    }
    length = read_u32le(blob + 24);
    /* blob_size - header_size cannot wrap: the left operand is checked first. */
    if (blob_size < header_size || blob_size - header_size < length) {
        return HCC_ERR_BLOB_LENGTH;
    }
    if (hcc_crc32(0u, blob + header_size, length) != read_u32le(blob + 28)) {
        return HCC_ERR_BLOB_CRC;
    }
    *payload = blob + header_size;
    *payload_size = length;
    return HCC_OK;
}
