/* dk_sample_timesteps (training's timestep draws) on every ISA this host
 * runs: bit for bit against the spec written here from DESIGN.md section 7
 * on the plain Philox of noise_ref.c (itself checked against Random123's
 * known answers in test_noise), uniform over 1..T by a chi-square test, and
 * its bad inputs refused with nothing written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <diffkern.h>

#include "harness.h"
#include "noise_ref.h"

/* The spec: t = 1 + (w T >> 32), w the word of index offset + r. */
static int32_t spec_step(uint64_t seed, uint64_t stream, uint64_t index, int32_t T)
{
    uint32_t words[4];
    noise_ref_block_words(seed, stream, index / 4, words);
    return 1 + (int32_t)((uint64_t)words[index % 4] * (uint64_t)T >> 32);
}

static void check_spec(const char *isa)
{
    static const int32_t Ts[] = {1, 2, 3, 7, 1000, 4096, INT32_MAX};
    enum { ROWS_MAX = 67 };
    int32_t t[ROWS_MAX];
    for (int trial = 0; trial < 400; trial++) {
        const dk_noise noise = {dk_rand_u64(), dk_rand_u64() >> (trial % 64),
                                trial % 5 == 4 ? UINT64_MAX - ROWS_MAX : dk_rand_u64() >> (trial % 61)};
        const size_t rows = dk_rand_u64() % (ROWS_MAX + 1);
        const int32_t T = Ts[trial % (sizeof Ts / sizeof *Ts)];
        dk_check(dk_sample_timesteps(noise, T, t, rows) == DK_OK, "%s: T=%d rows=%zu refused", isa, T, rows);
        for (size_t r = 0; r < rows; r++) {
            const int32_t want = spec_step(noise.seed, noise.stream, noise.offset + r, T);
            dk_check(t[r] == want, "%s: seed %#llx stream %#llx offset %#llx T=%d row %zu: %d, spec %d", isa,
                     (unsigned long long)noise.seed, (unsigned long long)noise.stream,
                     (unsigned long long)noise.offset, T, r, t[r], want);
        }
    }
}

/* Pearson's statistic of counts[1..T] against N / T each. */
static double chi_square(const size_t *counts, int32_t T, size_t N)
{
    const double e = (double)N / T;
    double x = 0.0;
    for (int32_t i = 1; i <= T; i++)
        x += ((double)counts[i] - e) * ((double)counts[i] - e) / e;
    return x;
}

/* 2^20 draws for each T. The bound is the chi-square quantile of T - 1
 * degrees of freedom at z = 5 standard normal deviations (upper tail about
 * 3e-7), by Wilson and Hilferty's cube-root approximation: for T = 7 it is
 * 42.8, for T = 1000 1239 (the statistic's mean is T - 1, sd sqrt(2 (T - 1))).
 * The seed is fixed, so the test is deterministic. Before the bound is
 * trusted, the same words mapped with T - 1 in place of T (a wrong
 * coefficient: t never reaches T, that bin's N / T draws spread over the
 * rest) must exceed it: it adds about N / T to the statistic, 150,000 for
 * T = 7 and 1,049 (about 23 sd) for T = 1000. */
static void check_uniform(void)
{
    enum { N = 1 << 20 };
    static const int32_t Ts[] = {1, 7, 1000};
    int32_t *t = malloc(N * sizeof *t);
    const dk_noise noise = {20261122, 3, 12345};
    for (size_t ti = 0; ti < sizeof Ts / sizeof *Ts; ti++) {
        const int32_t T = Ts[ti];
        size_t *counts = calloc((size_t)T + 1, sizeof *counts), *wrong = calloc((size_t)T + 1, sizeof *wrong);
        dk_check(dk_sample_timesteps(noise, T, t, N) == DK_OK, "T=%d: refused", T);
        size_t outside = 0;
        for (size_t r = 0; r < N; r++) {
            if (t[r] < 1 || t[r] > T) {
                outside++;
                continue;
            }
            counts[t[r]]++;
            uint32_t w[4];
            noise_ref_block_words(noise.seed, noise.stream, (noise.offset + r) / 4, w);
            if (T > 1)
                wrong[1 + ((uint64_t)w[(noise.offset + r) % 4] * (uint64_t)(T - 1) >> 32)]++;
        }
        dk_check(outside == 0, "T=%d: %zu draws outside 1..T", T, outside);
        if (T == 1) {
            dk_check(counts[1] == N, "T=1: %zu of %d draws are 1", counts[1], N);
            printf("  T=1: all %d draws are 1\n", N);
        } else {
            const double d = T - 1, z = 5.0, c = 2.0 / (9.0 * d);
            const double bound = d * pow(1.0 - c + z * sqrt(c), 3.0);
            const double x = chi_square(counts, T, N), x_wrong = chi_square(wrong, T, N);
            dk_check(x <= bound, "T=%d: chi-square %.1f over its bound %.1f", T, x, bound);
            dk_check(x_wrong > bound, "T=%d: the wrong mapping's chi-square %.1f is within the bound %.1f", T,
                     x_wrong, bound);
            printf("  T=%d: chi-square %.1f (%g degrees of freedom), bound %.1f; with T-1: %.1f\n", T, x, d,
                   bound, x_wrong);
        }
        free(counts);
        free(wrong);
    }
    free(t);
}

/* Each bad input: its status, and t untouched. */
static void check_errors(void)
{
    int32_t t[4];
    const dk_noise ok = {1, 2, 0};
    struct {
        const char *what;
        dk_noise noise;
        int32_t T;
        int32_t *t;
        size_t rows;
        dk_status want;
    } cases[] = {
        {"T = 0", ok, 0, t, 4, DK_ERR_STEPS},
        {"T < 0", ok, -5, t, 4, DK_ERR_STEPS},
        {"t NULL", ok, 10, NULL, 4, DK_ERR_NULL_POINTER},
        {"t NULL, no rows", ok, 10, NULL, 0, DK_OK},
        {"past the last index", {1, 2, UINT64_MAX - 2}, 10, t, 4, DK_ERR_NOISE_RANGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        for (int r = 0; r < 4; r++)
            t[r] = -77;
        const dk_status st = dk_sample_timesteps(cases[i].noise, cases[i].T, cases[i].t, cases[i].rows);
        dk_check(st == cases[i].want, "%s: %s, want %s", cases[i].what, dk_status_str(st),
                 dk_status_str(cases[i].want));
        int untouched = 1;
        for (int r = 0; r < 4; r++)
            untouched &= t[r] == -77;
        dk_check(st == DK_OK || untouched, "%s: t written on an error", cases[i].what);
    }
    /* the last index itself is allowed, as in dk_randn */
    dk_check(dk_sample_timesteps((dk_noise){1, 2, UINT64_MAX - 4}, 10, t, 4) == DK_OK,
             "the last index refused");
}

int main(void)
{
    dk_test_seed();
    for (int i = 0; i < DK_ISA_COUNT; i++) {
        const dk_isa isa = (dk_isa)i;
        if (!dk_isa_supported(isa)) {
            printf("  %s: not on this CPU, skipped\n", dk_isa_name(isa));
            continue;
        }
        dk_check(dk_isa_select(isa) == DK_OK, "%s: not selected", dk_isa_name(isa));
        check_spec(dk_isa_name(isa));
        printf("  %s: 400 calls bit for bit against the spec\n", dk_isa_name(isa));
    }
    check_uniform();
    check_errors();
    return dk_test_finish("test_timesteps");
}
