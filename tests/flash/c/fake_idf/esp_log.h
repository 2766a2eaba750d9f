/* Host stand-in for ESP-IDF's esp_log.h (the macros main.c uses, printing to stdout). */
#ifndef FAKE_ESP_LOG_H
#define FAKE_ESP_LOG_H
#include <stdio.h>
#define ESP_LOGE(tag, ...) ((void)(tag), printf(__VA_ARGS__), (void)printf("\n"))
#define ESP_LOGW(tag, ...) ((void)(tag), printf(__VA_ARGS__), (void)printf("\n"))
#define ESP_LOGI(tag, ...) ((void)(tag), printf(__VA_ARGS__), (void)printf("\n"))
#endif
