/* ESP-IDF port: the weights blob from a flash partition. Built only by ESP-IDF. */
#ifdef ESP_PLATFORM

#include "hcc_partition.h"

hcc_status_t hcc_partition_open(const char *label, uint8_t type, const uint8_t expected_hash[16],
                                hcc_partition_t *part)
{
    const esp_partition_t *partition;
    const void *mapped = NULL;

    if (label == NULL || part == NULL) {
        return HCC_ERR_NULL_ARGUMENT;
    }
    part->payload = NULL;
    part->payload_size = 0;
    part->handle = 0;
    part->mapped = 0;
    part->esp_err = ESP_OK;

    partition = esp_partition_find_first((esp_partition_type_t)type, ESP_PARTITION_SUBTYPE_ANY, label);
    if (partition == NULL) {
        part->esp_err = ESP_ERR_NOT_FOUND;
        return HCC_ERR_BLOB_LENGTH;
    }
    /* Map the whole partition: the blob checks its own length against partition->size. */
    part->esp_err = esp_partition_mmap(partition, 0, partition->size, ESP_PARTITION_MMAP_DATA, &mapped,
                                       &part->handle);
    if (part->esp_err != ESP_OK) {
        return HCC_ERR_BLOB_LENGTH;
    }
    part->mapped = 1;
    {
        hcc_status_t st = hcc_blob_open((const uint8_t *)mapped, partition->size, expected_hash, &part->payload,
                                        &part->payload_size);
        if (st != HCC_OK) {
            hcc_partition_close(part);
        }
        return st;
    }
}

void hcc_partition_close(hcc_partition_t *part)
{
    if (part != NULL && part->mapped) {
        esp_partition_munmap(part->handle);
        part->mapped = 0;
        part->payload = NULL;
        part->payload_size = 0;
    }
}

#else
typedef int hcc_partition_not_built_off_esp_platform; /* C99 forbids an empty file */
#endif /* ESP_PLATFORM */
