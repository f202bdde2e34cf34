/* Status strings and the library version. */
#include "diffkern.h"

#include "dk_config.h"

const char *dk_version(void) { return DK_VERSION_STRING; }

const char *dk_status_str(dk_status s)
{
    switch (s) {
    case DK_OK:
        return "success";
    case DK_ERR_NULL_POINTER:
        return "a required pointer is NULL";
    case DK_ERR_TIMESTEP:
        return "a timestep is outside its domain (0..T for q_sample, 1..T for p_step)";
    case DK_ERR_SIZE_OVERFLOW:
        return "rows * dim floats overflow the address space";
    case DK_ERR_OVERLAP:
        return "an output partially overlaps another array (only exact in-place aliasing is allowed)";
    case DK_ERR_PREDICTION:
        return "opts->prediction is not a dk_prediction";
    case DK_ERR_VARIANCE:
        return "opts->variance is not a dk_variance";
    case DK_ERR_CLIP:
        return "opts->clip is negative or NaN";
    case DK_ERR_SCHEDULE_KIND:
        return "the schedule kind is not a dk_beta_schedule";
    case DK_ERR_STEPS:
        return "the number of steps T is less than 1";
    case DK_ERR_BETA:
        return "a beta is not in (0, 1), or an alpha_bar is too small for float coefficients "
               "(1/sqrt(alpha_bar) overflows a float) or so close to 1 that 1 - alpha_bar rounds to 0";
    case DK_ERR_OUT_OF_MEMORY:
        return "out of memory";
    case DK_ERR_ISA_INVALID:
        return "the value is not a dk_isa";
    case DK_ERR_ISA_UNSUPPORTED:
        return "the ISA is not built into this library or this CPU lacks it";
    case DK_ERR_NOISE_RANGE:
        return "noise.offset + the element count exceeds 2^64 - 1";
    }
    return "unknown dk_status";
}
