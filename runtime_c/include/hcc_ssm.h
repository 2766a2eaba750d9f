/* Declarations of the ssm kernels; included by hcc_runtime.h. */
#ifndef HCC_SSM_H
#define HCC_SSM_H

#include "hcc_runtime.h"

#endif
