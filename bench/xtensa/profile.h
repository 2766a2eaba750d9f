/* hcc bench: per-op CCOUNT accounting behind the HCC_PROFILE hook of hcc_runtime.h. */
#ifndef HCC_BENCH_PROFILE_H
#define HCC_BENCH_PROFILE_H

#include <stdint.h>

#ifndef HCC_PROFILE_MAX_OPS
#define HCC_PROFILE_MAX_OPS 512
#endif

/* Forget all counts (call before the measured region). */
void hcc_profile_reset(void);
/* CCOUNT ticks accumulated for one op (0 if never called or out of range). */
uint32_t hcc_profile_ccount(int op_index);
/* Print "op <index> <ccount> <calls>" for every op that ran, in index order, then
 * "op_dropped <n>" if hooks arrived with an index outside [0, HCC_PROFILE_MAX_OPS). */
void hcc_profile_print(void);

#endif /* HCC_BENCH_PROFILE_H */
