/* Host stand-in for freertos/task.h (ESP-IDF). */
#ifndef FAKE_FREERTOS_TASK_H
#define FAKE_FREERTOS_TASK_H
#include "freertos/FreeRTOS.h"
void vTaskDelay(TickType_t ticks);
#endif
