/* A small test harness in the checkasm style: counted checks, a printed seed,
 * guard-page buffers and skip reporting. Tests share no code with kernels/. */
#ifndef DK_TEST_HARNESS_H
#define DK_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* meson treats exit code 77 as "skipped". */
#define DK_TEST_SKIP 77

extern long dk_test_checks, dk_test_failures;

/* Records one check; prints the message (printf format) when it fails. */
void dk_check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "<name>: N checks, N failures" and returns the exit code. */
int dk_test_finish(const char *name);
/* Prints the reason and returns DK_TEST_SKIP (for main to return). */
int dk_test_skip(const char *name, const char *why);

/* ---- random numbers (xoshiro-style, seeded from DK_TEST_SEED or the clock) ---- */
uint64_t dk_test_seed(void); /* seeds once and prints the seed */
/* DK_TEST_SCALE (default 1): the fraction of their random cases the long
 * tests run; the emulated legs of scripts/test set 0.25, where every test
 * runs 20 to 50 times slower. */
double dk_test_scale(void);
void dk_test_set_seed(uint64_t seed); /* before the first use: as DK_TEST_SEED */
uint64_t dk_rand_u64(void);
double dk_rand_uniform(double lo, double hi);
double dk_rand_normal(void);
/* Fills with normal * scale, with an occasional large or tiny value. */
void dk_rand_fill(float *p, size_t n, double scale);
/* Like dk_rand_fill, with one value in 16 special: +-0, +-Inf, NaN (either
 * sign, any payload), subnormal or huge. For bit comparisons between builds. */
void dk_rand_fill_special(float *p, size_t n, double scale);

/* ---- guard pages ---- */
/* n floats placed flush against a PROT_NONE page: at the end of the mapping
 * (flush_end == 1, catches over-runs) or at its start (flush_end == 0,
 * under-runs). The other side is guarded too.
 * Under emulation: qemu-user 7.2's x86 (TCG) reads the whole operand of a
 * masked load (vmaskmovps: 32 bytes, masked-off lanes too) and 16 bytes for
 * the 4-byte operand of a scalar FMA (vfmadd231ss), so a correct kernel
 * faults there next to a guard page where hardware never does.
 * DK_TEST_GUARD_SLACK=<bytes> (32 covers both) leaves that many readable
 * bytes between the end of a flush-end array and its guard page;
 * writes past the end are still caught by the canary layouts of test_isa. */
typedef struct dk_guarded {
    float *p;
    void *map;
    size_t map_bytes;
} dk_guarded;
dk_guarded dk_guarded_alloc(size_t n, int flush_end);
void dk_guarded_free(dk_guarded *g);

/* ---- float helpers ---- */
uint32_t dk_bits(float x);
/* Same bits, or both NaN: the numerics contract promises the bits of every
 * result but NaN, whose sign and payload it leaves open (doc/numerics.md). */
int dk_same(float a, float b);
/* Index of the first element that is not dk_same, or n if none. */
size_t dk_first_diff(const float *a, const float *b, size_t n);
/* Index of the first 32-bit word that differs at all, or n if none. */
size_t dk_first_word_diff(const void *a, const void *b, size_t n);
/* The spacing of floats at |x| (ulp), for x finite. */
double dk_ulp(double x);

#endif /* DK_TEST_HARNESS_H */
