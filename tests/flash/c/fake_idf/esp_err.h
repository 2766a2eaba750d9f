/* Host stand-in for ESP-IDF's esp_err.h: only what runtime_c/port/esp32 uses, with the
 * documented types and values, so the port can be type-checked on the host. */
#ifndef FAKE_ESP_ERR_H
#define FAKE_ESP_ERR_H
typedef int esp_err_t;
#define ESP_OK 0
#define ESP_ERR_NOT_FOUND 0x105
const char *esp_err_to_name(esp_err_t code);
#endif
