/* The double-precision oracle: the DDPM math written plainly from the papers
 * and the noise from its specification, sharing no code with kernels/.
 * Timesteps are 1-based; ab[0] = 1. */
#ifndef DK_TEST_ORACLE_H
#define DK_TEST_ORACLE_H

#include <stddef.h>

#include "api.h"
#include "diffkern.h"

typedef struct oracle_schedule {
    int T;
    double *beta; /* [T + 1], beta[1..T] */
    double *ab;   /* [T + 1], alpha_bar, ab[0] = 1 */
} oracle_schedule;

/* Builds the betas of a schedule kind the way the diffusers library does. */
oracle_schedule oracle_schedule_make(dk_beta_schedule kind, int T, double beta_start, double beta_end);
oracle_schedule oracle_schedule_from(const double *betas, int T);
void oracle_schedule_free(oracle_schedule *s);

/* Lin et al. 2024's zero-terminal-SNR rescaling of o, written from the paper. */
oracle_schedule oracle_schedule_rescaled(const oracle_schedule *o);

/* What one output element should be, and how far a float evaluation may be
 * from it: |got - want| <= (k * mag + extra) * 2^-24, k and extra by family
 * (oracle_tolerance). k counts the roundings on the longest path of a term,
 * coefficient rounding included (first order: the tests allow 1% more);
 * extra is what is not a rounding of a term (a normal's own error, a
 * threshold computed from float values). */
typedef struct oracle_value {
    double want;    /* the exact value */
    double mag;     /* the sum of |terms| as evaluated; for a normal, its radius */
    double largest; /* the largest |term| (or |want| if larger), to report errors in ulp */
    double k_fused, k_plain;
    double extra_fused, extra_plain;
    const char *form; /* the expression, to group errors by */
} oracle_value;

typedef struct oracle_call oracle_call;

/* 1 if the oracle knows the function of api_list.h. */
int oracle_has(const char *function);
/* The oracle of call g of function f on the schedule os (NULL if it has
 * none); *expect gets the status the call must return: DK_OK, or
 * DK_ERR_ZERO_SNR for a step the schedule cannot take. */
oracle_call *oracle_begin(const api_spec *f, const api_args *g, const oracle_schedule *os, dk_status *expect);
/* The value of output k, element i. */
void oracle_value_of(oracle_call *oc, int k, size_t i, oracle_value *v);
void oracle_end(oracle_call *oc);
/* The allowed |got - want| for a family. */
double oracle_tolerance(const oracle_value *v, int fused);

/* The standard normal of element index e of (seed, stream), in double from
 * the spec's uniforms (doc/noise.md); *radius gets its Box-Muller radius. */
double oracle_normal(uint64_t seed, uint64_t stream, uint64_t e, double *radius);

/* Error bound of a float normal, in units of 2^-24 * its radius: SLEEF's
 * logf (3.5 ulp) through the square root 3.5, sqrtf 1, sincospif 7 (3.5 ulp
 * of a value at most 1), the product 1; 13 with second-order terms. */
#define ORACLE_K_NORMAL 13.0

#endif
