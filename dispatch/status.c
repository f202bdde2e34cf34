/* Status strings and the library version. */
#include "diffkern.h"

#include "dk_config.h"

const char *dk_version(void) { return DK_VERSION_STRING; }

static const char *const status_strings[] = {
    [DK_OK] = "success",
    [DK_ERR_NULL_POINTER] = "a required pointer is NULL",
    [DK_ERR_TIMESTEP] = "a timestep is outside its domain (0..T for q_sample, 1..T for the reverse steps)",
    [DK_ERR_SIZE_OVERFLOW] = "rows * dim floats overflow the address space",
    [DK_ERR_OVERLAP] = "an output partially overlaps another array (only exact in-place aliasing is allowed)",
    [DK_ERR_PREDICTION] = "opts->prediction is not a dk_prediction",
    [DK_ERR_VARIANCE] = "opts->variance is not a dk_variance",
    [DK_ERR_CLIP] =
        "opts->clip is negative or NaN, set together with thresholding, or set for an SDE or ODE step",
    [DK_ERR_SCHEDULE_KIND] = "the schedule kind is not a dk_beta_schedule",
    [DK_ERR_STEPS] =
        "the number of steps is out of range (T < 1, inference steps outside 1..T, or T < 2 to rescale)",
    [DK_ERR_BETA] = ("a beta is not in (0, 1), or an alpha_bar is too small for float coefficients "
                     "(1/sqrt(alpha_bar) overflows a float) or so close to 1 that 1 - alpha_bar rounds to 0"),
    [DK_ERR_OUT_OF_MEMORY] = "out of memory",
    [DK_ERR_ISA_INVALID] = "the value is not a dk_isa",
    [DK_ERR_ISA_UNSUPPORTED] = "the ISA is not built into this library or this CPU lacks it",
    [DK_ERR_NOISE_RANGE] = "noise.offset + the element count exceeds 2^64 - 1",
    [DK_ERR_TIMESTEP_PREV] = "a t_prev is outside 0..t of its row",
    [DK_ERR_ETA] = "opts->eta is outside [0, 1] or NaN",
    [DK_ERR_THRESHOLD] =
        ("opts->threshold_ratio is outside [0, 1) or NaN, threshold_max is below 1 or NaN with "
         "thresholding on, or thresholding is asked of an SDE or ODE step"),
    [DK_ERR_GUIDANCE] = "opts->guidance_scale is not finite, or is non-zero while opts->uncond is NULL",
    [DK_ERR_ZERO_SNR] = ("a step from a t whose alpha_bar is 0 cannot be taken: epsilon or score prediction "
                         "loses x0 there, and the SDE and ODE steps need alpha_bar > 0"),
    [DK_ERR_SPACING] = "the spacing is not a dk_spacing",
    [DK_ERR_ALPHA_BAR] = "alpha_bar is not strictly decreasing within (0, 1) (only its last value may be 0)",
    [DK_ERR_WEIGHTING] = ("opts->weighting is not a dk_weighting, its gamma is not finite and > 0, or P2's k "
                          "is not finite and >= 0"),
    [DK_ERR_DECODER] =
        ("the decoder is not a dk_decoder, or the discretized decoder's data (x0 of a row with "
         "t = 1) is outside [-1, 1] or NaN"),
    [DK_ERR_THREADS] = "the thread count is outside 0..1024",
};
/* A status added to the enum needs its string here and DK_STATUS_COUNT raised. */
_Static_assert(sizeof status_strings / sizeof status_strings[0] == DK_STATUS_COUNT,
               "one string per dk_status, and DK_STATUS_COUNT up to date");

const char *dk_status_str(dk_status s)
{
    if ((unsigned)s < DK_STATUS_COUNT && status_strings[s])
        return status_strings[s];
    return "unknown dk_status";
}
