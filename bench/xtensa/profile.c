/* hcc bench: implementation of hcc_profile_hook (see hcc_runtime.h).
 *
 * Phase 0 stamps CCOUNT as the hook's last action, phase 1 reads it as its first, so an
 * op's figure covers the op body plus a few instructions of hook call/return. Ops are
 * not nested (generated code runs them one after another), so one start stamp is
 * enough. Deltas are uint32 arithmetic: one counter wrap inside an op is harmless.
 */
#include "hcc_runtime.h"
#include "cycles.h"
#include "profile.h"
#include "semihost.h"

static uint32_t hcc_prof_ccount[HCC_PROFILE_MAX_OPS];
static uint32_t hcc_prof_calls[HCC_PROFILE_MAX_OPS];
static uint32_t hcc_prof_dropped;
static uint32_t hcc_prof_start;

void hcc_profile_hook(int op_index, int phase)
{
    if (phase == 0) {
        hcc_prof_start = hcc_ccount();
        return;
    }
    uint32_t now = hcc_ccount();
    if (op_index < 0 || op_index >= HCC_PROFILE_MAX_OPS) {
        hcc_prof_dropped++;
        return;
    }
    hcc_prof_ccount[op_index] += now - hcc_prof_start;
    hcc_prof_calls[op_index]++;
}

void hcc_profile_reset(void)
{
    for (int i = 0; i < HCC_PROFILE_MAX_OPS; i++) {
        hcc_prof_ccount[i] = 0;
        hcc_prof_calls[i] = 0;
    }
    hcc_prof_dropped = 0;
}

uint32_t hcc_profile_ccount(int op_index)
{
    if (op_index < 0 || op_index >= HCC_PROFILE_MAX_OPS) {
        return 0;
    }
    return hcc_prof_ccount[op_index];
}

void hcc_profile_print(void)
{
    for (int i = 0; i < HCC_PROFILE_MAX_OPS; i++) {
        if (hcc_prof_calls[i] == 0) {
            continue;
        }
        hcc_print_str("op ");
        hcc_print_u32((uint32_t)i);
        hcc_print_char(' ');
        hcc_print_u32(hcc_prof_ccount[i]);
        hcc_print_char(' ');
        hcc_print_u32(hcc_prof_calls[i]);
        hcc_print_char('\n');
    }
    if (hcc_prof_dropped != 0) {
        hcc_print_line_u32("op_dropped", hcc_prof_dropped);
    }
}
