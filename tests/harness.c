#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "harness.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

long dk_test_checks, dk_test_failures;

void dk_check(int ok, const char *fmt, ...)
{
    dk_test_checks++;
    if (ok)
        return;
    dk_test_failures++;
    if (dk_test_failures > 50)
        return; /* enough to debug; the count still grows */
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

int dk_test_finish(const char *name)
{
    printf("%s: %ld checks, %ld failures\n", name, dk_test_checks, dk_test_failures);
    if (dk_test_checks == 0) {
        printf("%s: no check ran\n", name);
        return 1;
    }
    return dk_test_failures ? 1 : 0;
}

int dk_test_skip(const char *name, const char *why)
{
    printf("%s: SKIP: %s\n", name, why);
    return DK_TEST_SKIP;
}

/* ---- random numbers: splitmix64 seeding a xoshiro256** ---- */

static uint64_t rng_state[4];
static int rng_seeded;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t forced_seed;
static int seed_forced;

void dk_test_set_seed(uint64_t seed)
{
    forced_seed = seed;
    seed_forced = 1;
}

uint64_t dk_test_seed(void)
{
    static uint64_t seed;
    if (!rng_seeded) {
        const char *env = getenv("DK_TEST_SEED");
        seed = seed_forced ? forced_seed
               : env       ? strtoull(env, NULL, 0)
                           : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        uint64_t x = seed;
        for (int i = 0; i < 4; i++)
            rng_state[i] = splitmix64(&x);
        rng_seeded = 1;
        printf("seed: DK_TEST_SEED=%llu\n", (unsigned long long)seed);
    }
    return seed;
}

double dk_test_scale(void)
{
    const char *env = getenv("DK_TEST_SCALE");
    const double s = env ? strtod(env, NULL) : 1.0;
    return s > 0 && s <= 1 ? s : 1.0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t dk_rand_u64(void)
{
    dk_test_seed();
    uint64_t *s = rng_state;
    const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double dk_rand_uniform(double lo, double hi)
{
    return lo + (hi - lo) * ((double)(dk_rand_u64() >> 11) * 0x1p-53);
}

double dk_rand_normal(void)
{
    double u1 = ((double)(dk_rand_u64() >> 11) + 1.0) * 0x1p-53; /* (0, 1] */
    double u2 = (double)(dk_rand_u64() >> 11) * 0x1p-53;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void dk_rand_fill(float *p, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++) {
        const uint64_t pick = dk_rand_u64() % 64;
        double v = dk_rand_normal() * scale;
        if (pick == 0)
            v *= 1000.0; /* an outlier */
        else if (pick == 1)
            v *= 1e-6; /* a tiny value */
        p[i] = (float)v;
    }
}

void dk_rand_fill_special(float *p, size_t n, double scale)
{
    dk_rand_fill(p, n, scale);
    for (size_t i = 0; i < n; i++) {
        const uint64_t r = dk_rand_u64();
        if (r % 16 != 0)
            continue;
        uint32_t u;
        switch (r / 16 % 6) {
        case 0: /* +-0 */
            u = (uint32_t)(r >> 40 & 1) << 31;
            break;
        case 1: /* +-Inf */
            u = 0x7f800000u | (uint32_t)(r >> 40 & 1) << 31;
            break;
        case 2: /* NaN of either sign, quiet or signaling, any payload */
            u = 0x7f800000u | (uint32_t)(r >> 40 & 1) << 31 | (uint32_t)(1 + (r >> 8) % 0x7fffffu);
            break;
        case 3: /* subnormal */
            u = (uint32_t)(1 + (r >> 8) % 0x7fffffu) | (uint32_t)(r >> 40 & 1) << 31;
            break;
        default: /* huge */
            u = 0x7e000000u | (uint32_t)((r >> 8) % 0x1000000u) | (uint32_t)(r >> 40 & 1) << 31;
            break;
        }
        memcpy(&p[i], &u, sizeof u);
    }
}

/* ---- guard pages ---- */

dk_guarded dk_guarded_alloc(size_t n, int flush_end)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const char *slack_env = getenv("DK_TEST_GUARD_SLACK");
    const size_t slack = flush_end && slack_env ? (size_t)strtoul(slack_env, NULL, 0) : 0;
    const size_t bytes = n * sizeof(float) + slack;
    const size_t data_pages = (bytes + page - 1) / page;
    dk_guarded g;
    g.map_bytes = (data_pages + 2) * page;
    g.map = mmap(NULL, g.map_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g.map == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    char *data = (char *)g.map + page;
    if (data_pages && mprotect(data, data_pages * page, PROT_READ | PROT_WRITE) != 0) {
        perror("mprotect");
        exit(2);
    }
    /* Flush against the trailing guard page, or against the leading one. */
    g.p = (float *)(flush_end ? data + data_pages * page - bytes : data);
    return g;
}

void dk_guarded_free(dk_guarded *g)
{
    munmap(g->map, g->map_bytes);
    g->p = NULL;
}

/* ---- float helpers ---- */

uint32_t dk_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

int dk_same(float a, float b) { return dk_bits(a) == dk_bits(b) || (isnan(a) && isnan(b)); }

size_t dk_first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!dk_same(a[i], b[i]))
            return i;
    return n;
}

size_t dk_first_word_diff(const void *a, const void *b, size_t n)
{
    const unsigned char *pa = a, *pb = b;
    for (size_t i = 0; i < n; i++)
        if (memcmp(pa + 4 * i, pb + 4 * i, 4) != 0)
            return i;
    return n;
}

double dk_ulp(double x)
{
    x = fabs(x);
    if (x < 0x1p-126)
        return 0x1p-149;
    int e;
    frexp(x, &e); /* x = m * 2^e, m in [0.5, 1) */
    return ldexp(1.0, e - 24);
}
