/* Board-independent part of the ESP32-CAM example that the generated model does not
 * provide: model output -> text. (Camera frame -> model input is the generated
 * hcmtmm_preprocess_u8: centre crop, integer bilinear resize, the model's normalisation.)
 * Plain C99 with no ESP-IDF dependency, so it is compiled and tested on the host
 * (tests/flash/test_flash_frame_pipeline.py, under ASan/UBSan). */
#ifndef FRAME_PIPELINE_H
#define FRAME_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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
