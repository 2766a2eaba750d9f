/* Board-independent part of the ESP32-CAM example: camera frame -> model input, model
 * output -> text. Plain C99 with no ESP-IDF dependency, so it is compiled and tested on
 * the host (tests/flash/test_flash_frame_pipeline.py, under ASan/UBSan). */
#ifndef FRAME_PIPELINE_H
#define FRAME_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FRAME_PIPELINE_SIDE 98 /* the model's input is 98 x 98 x 1 */

/* Crop the centred min(w, h) square of an 8-bit grayscale image (row-major, stride w) and
 * resize it bilinearly to 98 x 98 into out98 (98 * 98 bytes). Pixel centres are aligned
 * (source x = (dst x + 0.5) * side / 98 - 0.5, clamped to the crop), as OpenCV's
 * INTER_LINEAR and PIL do, so up- and down-scaling both work. Returns 0, or -1 for NULL
 * pointers or w, h < 1. */
int centre_crop_resize_u8(const uint8_t *gray, int w, int h, uint8_t *out98);

/* Quantize n pixels to int8 model input: real = pixel / 255, q = round(real / scale) +
 * zero_point, clamped to [-128, 127]. Returns 0, or -1 for NULL pointers or scale <= 0. */
int quantize_pixels_s8(const uint8_t *pixels, size_t n, float scale, int32_t zero_point, int8_t *out);

/* Write "LABEL (P) | l0 p0 l1 p1 ..." for n int8 scores dequantized with scale and
 * zero_point ((q - zero_point) * scale, two decimals), LABEL being the highest (first on a
 * tie). Writes at most buf_size bytes, always NUL-terminated when buf_size > 0; returns the
 * length the whole text needs (as snprintf), or -1 for bad arguments (NULL, n < 1). */
int format_scores(const int8_t *scores, int n, float scale, int32_t zero_point, const char *const *labels,
                  char *buf, size_t buf_size);

#ifdef __cplusplus
}
#endif

#endif /* FRAME_PIPELINE_H */
