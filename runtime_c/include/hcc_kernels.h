/* Declarations of the kernels kernels; included by hcc_runtime.h. */
#ifndef HCC_KERNELS_H
#define HCC_KERNELS_H

#include "hcc_runtime.h"

#endif
