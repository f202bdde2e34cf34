// The baselines every kernel is read against, in the same binary and run:
// memcpy, a plain triad a[i] = b[i] + s * c[i] (the memory limit; also once
// per ISA, "triad/<isa>/<bytes>", compiled with that kernel build's flags:
// bench/triad.c), a plain
// loop of the reverse step's arithmetic ("fused_loop", 3 arrays in and 1
// out) and its twins of 2 and 4 arrays in ("fused_loop3": a DDIM step
// without noise; "fused_loop5": a guided step), the goals of the step
// kernels of the same traffic; "reduce_loop3", 3 arrays read and a sum
// (the variational bound's KL terms: no output array), and
// "scalar_philox_loop": plain C++ Philox4x32-10 with glibc's logf and
// sincosf doing q_sample_randn's work (the goals' "scalar loop"); and
// "first_touch": a fresh anonymous mapping of one array, written once and
// unmapped, which is what a result array costs code that allocates one in
// every call (the peers' idiomatic forms, bench/peers.py): the page faults
// and the zeroing of its pages, on top of the write.
#include "bench.h"

#include "dispatch.h"
#include "dk_config.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <sys/mman.h>

namespace dkb
{

StepCoefs step_coefs(const dk_schedule *s, int32_t t)
{
    const double beta = dk_schedule_beta(s, t);
    const double abar = dk_schedule_alpha_bar(s, t);
    StepCoefs c;
    c.c_out = static_cast<float>(1.0 / std::sqrt(1.0 - beta));
    c.c_eps = static_cast<float>(beta / std::sqrt(1.0 - abar));
    c.sigma = static_cast<float>(std::sqrt(dk_schedule_posterior_variance(s, t)));
    c.q_a = static_cast<float>(std::sqrt(abar));
    c.q_b = static_cast<float>(std::sqrt(1.0 - abar));
    return c;
}

// Ordinary loops compiled with this file's flags. noinline keeps each a real
// call, like the library's kernels, and stops the compiler from specializing
// it for the constant arguments of the benchmark.
[[gnu::noinline]] void triad(size_t n, float *a, const float *b, float s, const float *c)
{
    for (size_t i = 0; i < n; ++i)
        a[i] = b[i] + s * c[i];
}

[[gnu::noinline]] void fused_loop(size_t n, const StepCoefs &k, const float *xt, const float *e,
                                  const float *z, float *out)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = k.sigma * z[i] + k.c_out * (xt[i] - k.c_eps * e[i]);
}

// x0 - (a x + b m) squared and summed, in 16 float accumulators so that the
// compiler may vectorize it (a single accumulator is a serial chain of
// additions, far slower than memory).
[[gnu::noinline]] float reduce_loop3(size_t n, const StepCoefs &k, const float *x0, const float *x,
                                     const float *m)
{
    float acc[16] = {};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (size_t j = 0; j < 16; ++j) {
            const float e = x0[i + j] - (k.c_out * x[i + j] + k.c_eps * m[i + j]);
            acc[j] += e * e;
        }
    float sum = 0.0f;
    for (; i < n; ++i) {
        const float e = x0[i] - (k.c_out * x[i] + k.c_eps * m[i]);
        sum += e * e;
    }
    for (float a : acc)
        sum += a;
    return sum;
}

namespace
{

[[gnu::noinline]] void fused_loop3(size_t n, const StepCoefs &k, const float *xt, const float *e, float *out)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = k.c_out * (xt[i] - k.c_eps * e[i]);
}

[[gnu::noinline]] void fused_loop5(size_t n, const StepCoefs &k, const float *xt, const float *e,
                                   const float *u, const float *z, float *out)
{
    const float w = 7.5f;
    for (size_t i = 0; i < n; ++i)
        out[i] = k.sigma * z[i] + k.c_out * (xt[i] - k.c_eps * (u[i] + w * (e[i] - u[i])));
}

volatile float g_reduce_sink; // keeps reduce_loop3's result

// The noise as a plain program would make it, one element at a time:
// Philox4x32-10 (Salmon et al. 2011) on the counter (block lo, block hi,
// stream lo, stream hi) under the key (seed lo, seed hi), and Box-Muller with
// glibc's logf and sincosf. doc/noise.md is the same up to the last bits of
// the transcendental functions (SLEEF u35 there, and sincospif of 2 u2
// instead of sincosf of 2 pi u2); check_scalar_philox compares the two.
void philox_normals(uint64_t seed, uint64_t stream, uint64_t block, float z[4])
{
    uint32_t c[4] = {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                     static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        const uint64_t p0 = uint64_t{0xD2511F53u} * c[0];
        const uint64_t p1 = uint64_t{0xCD9E8D57u} * c[2];
        const uint32_t next[4] = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
                                  static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
        std::memcpy(c, next, sizeof c);
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int p = 0; p < 2; ++p) {
        const uint32_t ra = c[2 * p], rb = c[2 * p + 1];
        const float u1 = static_cast<float>(static_cast<int32_t>(ra >> 1)) * 0x1p-31f + 0x1p-32f;
        const float u2 = static_cast<float>(rb >> 8) * 0x1p-24f;
        const float radius = sqrtf(-2.0f * logf(u1));
        float s, co;
        sincosf(6.28318530717958647692f * u2, &s, &co);
        z[2 * p] = radius * co;
        z[2 * p + 1] = radius * s;
    }
}

// q_sample_randn's work (element i uses noise index i: offset 0) as a plain
// scalar loop.
[[gnu::noinline]] void scalar_philox_loop(size_t n, float a, float b, uint64_t seed, uint64_t stream,
                                          const float *x0, float *eps_out, float *xt)
{
    for (size_t i = 0; i < n; i += 4) {
        float z[4];
        philox_normals(seed, stream, i / 4, z);
        const size_t m = std::min<size_t>(4, n - i);
        for (size_t j = 0; j < m; ++j) {
            eps_out[i + j] = z[j];
            xt[i + j] = a * x0[i + j] + b * z[j];
        }
    }
}

bool g_baseline_ok = false;

enum class Baseline {
    memcpy,
    triad,
    fused_loop,
    fused_loop3,
    fused_loop5,
    reduce_loop3,
    scalar_philox_loop,
    first_touch
};

struct BaselineInfo {
    Baseline which;
    const char *name;
    int arrays; // read or written
};
constexpr BaselineInfo baselines[] = {
    {Baseline::memcpy, "memcpy", 2},                         // src -> dst
    {Baseline::triad, "triad", 3},                           // b, c -> a
    {Baseline::fused_loop, "fused_loop", 4},                 // xt, e, z -> out
    {Baseline::fused_loop3, "fused_loop3", 3},               // xt, e -> out
    {Baseline::fused_loop5, "fused_loop5", 5},               // xt, e, u, z -> out
    {Baseline::reduce_loop3, "reduce_loop3", 3},             // x0, x, m -> a sum
    {Baseline::scalar_philox_loop, "scalar_philox_loop", 3}, // x0 -> xt, eps
    {Baseline::first_touch, "first_touch", 1},               // a new mapping, written
};

// Maps, writes and unmaps one array of `bytes`; false when mmap fails.
[[gnu::noinline]] bool first_touch(size_t bytes)
{
    void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return false;
    std::memset(p, 1, bytes);
    munmap(p, bytes);
    return true;
}

Work info_work(const BaselineInfo &b, size_t bytes, std::string *why)
{
    if (b.which == Baseline::scalar_philox_loop && !g_baseline_ok) {
        *why = "the scalar Philox baseline disagrees with dk_randn";
        return {};
    }
    if (!prepare_buffers(bytes) || (b.which == Baseline::first_touch && !first_touch(bytes))) {
        *why = "out of memory";
        return {};
    }
    const size_t n = bytes / sizeof(float);
    const StepCoefs k = step_coefs(g_sched, g_t);
    const float *x = g_buf.in[0], *y = g_buf.in[1], *z = g_buf.in[2], *u = g_buf.in[3];
    float *out = g_buf.out[0], *eps = g_buf.out[1];
    const Baseline which = b.which;
    Work once = [=] {
        switch (which) {
        case Baseline::memcpy:
            std::memcpy(out, x, n * sizeof(float));
            break;
        case Baseline::triad:
            triad(n, out, x, 0.5f, y);
            break;
        case Baseline::fused_loop:
            fused_loop(n, k, x, y, z, out);
            break;
        case Baseline::fused_loop3:
            fused_loop3(n, k, x, y, out);
            break;
        case Baseline::fused_loop5:
            fused_loop5(n, k, x, y, u, z, out);
            break;
        case Baseline::reduce_loop3:
            g_reduce_sink = reduce_loop3(n, k, x, y, z);
            break;
        case Baseline::scalar_philox_loop:
            scalar_philox_loop(n, k.q_a, k.q_b, g_noise.seed, g_noise.stream, x, eps, out);
            break;
        case Baseline::first_touch:
            (void)first_touch(n * sizeof(float)); // mmap checked above
            break;
        }
    };
    once();
    return once;
}

void run_baseline(benchmark::State &state, const BaselineInfo &b, size_t bytes)
{
    std::string why;
    const Work once = info_work(b, bytes, &why);
    run_work(state, once, why, b.arrays, bytes);
}

const BaselineInfo *find_baseline(const std::string &name)
{
    for (const BaselineInfo &b : baselines)
        if (name == b.name)
            return &b;
    return nullptr;
}

} // namespace

// The triad of each kernel build (bench/triad.c).
extern "C" {
#define DK_BUILT(name)                                                                                       \
    void dk_bench_triad_##name(size_t n, float *a, const float *b, float s, const float *c);
DK_BUILT_VARIANTS
#undef DK_BUILT
}

namespace
{

using TriadFn = void (*)(size_t, float *, const float *, float, const float *);

// The triad of the build behind an ISA, as dispatch picks it; nullptr for none.
TriadFn isa_triad(dk_isa isa)
{
    const dk_variant v = dk_variant_of_isa(isa);
#define DK_BUILT(name)                                                                                       \
    if (v == DK_VARIANT_##name)                                                                              \
        return dk_bench_triad_##name;
    DK_BUILT_VARIANTS
#undef DK_BUILT
    return nullptr;
}

} // namespace

Work isa_triad_work(dk_isa isa, size_t bytes, std::string *why)
{
    const TriadFn fn = isa_triad(isa);
    if (!fn || !prepare_buffers(bytes)) {
        *why = fn ? "out of memory" : "no triad of this ISA's build";
        return {};
    }
    const size_t n = bytes / sizeof(float);
    float *out = g_buf.out[0];
    const float *x = g_buf.in[0], *y = g_buf.in[1];
    Work once = [=] { fn(n, out, x, 0.5f, y); };
    once(); // untimed, as every Work's first run
    return once;
}

Work baseline_work(const std::string &name, size_t bytes, std::string *why)
{
    const BaselineInfo *b = find_baseline(name);
    if (!b) {
        *why = "no baseline " + name;
        return {};
    }
    return info_work(*b, bytes, why);
}

int baseline_arrays(const std::string &name)
{
    const BaselineInfo *b = find_baseline(name);
    return b ? b->arrays : 0;
}

// True when the baseline's normals match dk_randn's within what the different
// logf and sin/cos can explain (|z| <= 6.67, a few ulp each): a wrong Philox
// would differ by O(1), and then the baseline would not be doing the same work.
bool check_scalar_philox()
{
    const size_t n = 4096;
    std::vector<float> lib(n), eps(n), xt(n), x0(n, 0.0f);
    if (dk_randn(g_noise, lib.data(), n) != DK_OK)
        return false;
    scalar_philox_loop(n, 1.0f, 1.0f, g_noise.seed, g_noise.stream, x0.data(), eps.data(), xt.data());
    for (size_t i = 0; i < n; ++i)
        if (!(std::fabs(lib[i] - eps[i]) <= 1e-4f))
            return false;
    g_baseline_ok = true;
    return true;
}

namespace
{

void run_isa_triad(benchmark::State &state, dk_isa isa, size_t bytes)
{
    std::string why;
    const Work once = isa_triad_work(isa, bytes, &why);
    run_work(state, once, why, 3, bytes);
}

} // namespace

void register_baselines(const Options &o, size_t bytes, double min_time)
{
    for (dk_isa isa : isas_to_run(o))
        add("triad", dk_isa_name(isa), bytes, min_time,
            [isa, bytes](benchmark::State &state) { run_isa_triad(state, isa, bytes); });
    for (const BaselineInfo &b : baselines) {
        if (b.which == Baseline::scalar_philox_loop && bytes > o.slow_max_bytes)
            continue;
        add(b.name, "baseline", bytes, min_time,
            [b, bytes](benchmark::State &state) { run_baseline(state, b, bytes); });
    }
}

} // namespace dkb
