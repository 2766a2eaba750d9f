/* Runs examples/esp32_cam/main/main.c on the host: fake camera, timer and FreeRTOS calls.
 *     esp32_cam_host FRAME.raw WIDTH HEIGHT
 * app_main() gets the raw 8-bit gray frame once from esp_camera_fb_get(); the second call
 * ends the program (exit 0), so exactly one result line is printed. */
#include <stdio.h>
#include <stdlib.h>

#include "esp_camera.h"
#include "esp_timer.h"
#include "freertos/task.h"

void app_main(void);

static camera_fb_t frame;
static int frames_taken;

const char *esp_err_to_name(esp_err_t code) { return code == ESP_OK ? "ESP_OK" : "ESP_FAIL"; }
esp_err_t esp_camera_init(const camera_config_t *config) { return config->pixel_format == PIXFORMAT_GRAYSCALE ? ESP_OK : -1; }
int64_t esp_timer_get_time(void) { return 0; }
void vTaskDelay(TickType_t ticks) { (void)ticks; }
void esp_camera_fb_return(camera_fb_t *fb) { (void)fb; }

camera_fb_t *esp_camera_fb_get(void)
{
    if (frames_taken++ > 0) {
        fflush(stdout);
        exit(0);
    }
    return &frame;
}

int main(int argc, char **argv)
{
    FILE *f;
    if (argc != 4 || (f = fopen(argv[1], "rb")) == NULL) return 2;
    frame.width = (size_t)atoi(argv[2]);
    frame.height = (size_t)atoi(argv[3]);
    frame.len = frame.width * frame.height;
    frame.buf = (uint8_t *)malloc(frame.len);
    if (frame.buf == NULL || fread(frame.buf, 1, frame.len, f) != frame.len) return 2;
    fclose(f);
    frame.format = PIXFORMAT_GRAYSCALE;
    app_main();
    return 1; /* app_main returned: an error was logged */
}
