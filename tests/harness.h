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
uint64_t dk_rand_u64(void);
double dk_rand_uniform(double lo, double hi);
double dk_rand_normal(void);
/* Fills with normal * scale, with an occasional large or tiny value. */
void dk_rand_fill(float *p, size_t n, double scale);

/* ---- guard pages ---- */
/* n floats placed flush against a PROT_NONE page: at the end of the mapping
 * (after == 1, catches over-runs) or at its start (after == 0, under-runs).
 * The other side is guarded too. */
typedef struct dk_guarded {
    float *p;
    void *map;
    size_t map_bytes;
} dk_guarded;
dk_guarded dk_guarded_alloc(size_t n, int flush_end);
void dk_guarded_free(dk_guarded *g);

/* ---- float helpers ---- */
uint32_t dk_bits(float x);
/* Index of the first element whose bits differ, or n if none. */
size_t dk_first_diff(const float *a, const float *b, size_t n);
/* The spacing of floats at |x| (ulp), for x finite. */
double dk_ulp(double x);

#endif /* DK_TEST_HARNESS_H */
