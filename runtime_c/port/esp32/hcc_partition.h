/* ESP-IDF only: find the weights partition, map it, check the blob (hcc_blob_open).
 * Used by generated models built with CONFIG_HCC_<NAME>_WEIGHTS_PARTITION. */
#ifndef HCC_PARTITION_H
#define HCC_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_partition.h"
#include "hcc_blob.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const uint8_t *payload;               /* the weights, 16-byte aligned, in mapped flash */
    size_t payload_size;
    esp_partition_mmap_handle_t handle;   /* for hcc_partition_close() */
    int mapped;                           /* handle is valid */
    esp_err_t esp_err;                    /* ESP_OK, or why the partition could not be mapped */
} hcc_partition_t;

/* Find the partition labelled `label` of type `type` (0x40..0xFE), map it into the data
 * address space and check the blob in it against expected_hash. Returns HCC_OK, a blob
 * status (HCC_ERR_BLOB_*), or HCC_ERR_BLOB_LENGTH with part->esp_err set when there is no
 * such partition (ESP_ERR_NOT_FOUND) or it cannot be mapped (no blob bytes available).
 * On success keep the mapping for as long as the model runs. */
hcc_status_t hcc_partition_open(const char *label, uint8_t type, const uint8_t expected_hash[16],
                                hcc_partition_t *part);

/* Unmap what hcc_partition_open mapped (safe to call after a failed open). */
void hcc_partition_close(hcc_partition_t *part);

#ifdef __cplusplus
}
#endif

#endif /* HCC_PARTITION_H */
