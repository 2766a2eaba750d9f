/* Host stand-in for esp32-camera's esp_camera.h: only what examples/esp32_cam/main/main.c
 * uses, so that main.c can be compiled against the generated model on the host. Field names
 * follow esp32-camera 2.x; layout and values are not the real ones. */
#ifndef FAKE_ESP_CAMERA_H
#define FAKE_ESP_CAMERA_H
#include <stddef.h>
#include <stdint.h>
#include "esp_err.h"
typedef enum { PIXFORMAT_GRAYSCALE = 2 } pixformat_t;
typedef enum { FRAMESIZE_QVGA = 5 } framesize_t;
typedef enum { CAMERA_FB_IN_PSRAM = 0 } camera_fb_location_t;
typedef enum { CAMERA_GRAB_WHEN_EMPTY = 0 } camera_grab_mode_t;
typedef enum { LEDC_TIMER_0 = 0 } ledc_timer_t;
typedef enum { LEDC_CHANNEL_0 = 0 } ledc_channel_t;
typedef struct {
    int pin_pwdn, pin_reset, pin_xclk, pin_sccb_sda, pin_sccb_scl;
    int pin_d7, pin_d6, pin_d5, pin_d4, pin_d3, pin_d2, pin_d1, pin_d0, pin_vsync, pin_href, pin_pclk;
    int xclk_freq_hz;
    ledc_timer_t ledc_timer;
    ledc_channel_t ledc_channel;
    pixformat_t pixel_format;
    framesize_t frame_size;
    int jpeg_quality;
    size_t fb_count;
    camera_fb_location_t fb_location;
    camera_grab_mode_t grab_mode;
} camera_config_t;
typedef struct {
    uint8_t *buf;
    size_t len, width, height;
    pixformat_t format;
} camera_fb_t;
esp_err_t esp_camera_init(const camera_config_t *config);
camera_fb_t *esp_camera_fb_get(void);
void esp_camera_fb_return(camera_fb_t *fb);
#endif
