/* Drives runtime_c/port/esp32/hcc_partition.c on the host against fake ESP-IDF partition
 * calls: `partition_check BLOB_FILE HASH_HEX LABEL TYPE [fail-mmap]` prints
 * "STATUS ESP_ERR PAYLOAD_SIZE MAPPED_AFTER UNMAPS". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcc_partition.h"

static uint8_t *flash_data;
static esp_partition_t the_partition;
static int fail_mmap, maps, unmaps;

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, esp_partition_subtype_t subtype,
                                                const char *label)
{
    if ((int)type == (int)the_partition.type && subtype == ESP_PARTITION_SUBTYPE_ANY &&
        strcmp(label, the_partition.label) == 0) {
        return &the_partition;
    }
    return NULL;
}

esp_err_t esp_partition_mmap(const esp_partition_t *partition, size_t offset, size_t size,
                             esp_partition_mmap_memory_t memory, const void **out_ptr,
                             esp_partition_mmap_handle_t *out_handle)
{
    if (fail_mmap || partition != &the_partition || memory != ESP_PARTITION_MMAP_DATA ||
        offset + size > partition->size) {
        return 0x101; /* ESP_ERR_NO_MEM */
    }
    *out_ptr = flash_data + offset;
    *out_handle = 0; /* a valid handle may be 0: the port must not treat it as "unmapped" */
    ++maps;
    return ESP_OK;
}

void esp_partition_munmap(esp_partition_mmap_handle_t handle)
{
    (void)handle;
    ++unmaps;
}

int main(int argc, char **argv)
{
    FILE *f;
    long n;
    uint8_t hash[16];
    int i;
    hcc_partition_t part;
    hcc_status_t st;
    if (argc < 5 || (f = fopen(argv[1], "rb")) == NULL) {
        return 2;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    flash_data = (uint8_t *)malloc(n > 0 ? (size_t)n : 1u);
    if (flash_data == NULL || fread(flash_data, 1, (size_t)n, f) != (size_t)n) {
        return 2;
    }
    fclose(f);
    for (i = 0; i < 16; ++i) {
        unsigned int b;
        if (sscanf(argv[2] + 2 * i, "%2x", &b) != 1) {
            return 2;
        }
        hash[i] = (uint8_t)b;
    }
    the_partition.type = (esp_partition_type_t)0x40;
    the_partition.subtype = (esp_partition_subtype_t)0;
    the_partition.size = (uint32_t)n;
    strcpy(the_partition.label, "hcc_model");
    fail_mmap = argc > 5;
    st = hcc_partition_open(argv[3], (uint8_t)strtol(argv[4], NULL, 0), hash, &part);
    printf("%d %d %lu %d", (int)st, (int)part.esp_err, (unsigned long)part.payload_size, part.mapped);
    hcc_partition_close(&part);
    hcc_partition_close(&part); /* twice: must not unmap twice */
    printf(" %d\n", unmaps);
    if (maps != unmaps) {
        return 1;
    }
    free(flash_data);
    return 0;
}
