// diffkern-bench: times each kernel on each ISA this host runs, next to plain
// memory baselines of the same size, through the public API only.
//
// Benchmark names are <kernel>/<isa>/<bytes per array>, e.g.
// "q_sample/avx512/65536"; baselines use the isa field "baseline".
// bytes_per_second counts every array read or written once (the "arrays"
// counter says how many), so a kernel can be compared with memcpy and triad.
// The benchmarks behind the goals at 64 MiB run at least 0.5 s, which
// adds "/min_time:0.500" to their names.
// The threads benchmarks are threads_<kernel>/<isa>/<threads>: one batch
// split by rows over 1 to nproc threads, timed in wall-clock time, with a
// check that every split gives the bits of one thread.
//
// Own flags (removed from argv before Google Benchmark sees it):
//   --dk_min_bytes=N    smallest bytes per array (default 4 KiB)
//   --dk_max_bytes=N    largest bytes per array (default 256 MiB)
//   --dk_min_time=S     seconds each benchmark runs at least (default 0.2)
//   --dk_slow_max_bytes=N  largest size for the scalar ISA's noise kernels
//                       and the libm noise baseline (default 256 MiB)
//   --dk_threads_bytes=N   bytes per array of the threads benchmarks
//                       (default 64 MiB, at most --dk_max_bytes)
// N may end in K, M or G (powers of 1024).

#include <benchmark/benchmark.h>

#include <diffkern.h>

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace
{

// ---- command line ----------------------------------------------------------

struct Options {
    size_t min_bytes = size_t{4} << 10;
    size_t max_bytes = size_t{256} << 20;
    size_t slow_max_bytes = size_t{256} << 20;
    size_t threads_bytes = size_t{64} << 20;
    std::string min_time = "0.2"; // kept as text: it is passed on as a flag
};

// "N" or "N" followed by K, M or G; false on anything else.
bool parse_bytes(const char *s, size_t *out)
{
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *s == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 'K':
    case 'k':
        shift = 10;
        ++end;
        break;
    case 'M':
    case 'm':
        shift = 20;
        ++end;
        break;
    case 'G':
    case 'g':
        shift = 30;
        ++end;
        break;
    default:
        break;
    }
    if (*end != '\0' || v > (SIZE_MAX >> shift))
        return false;
    *out = static_cast<size_t>(v) << shift;
    return true;
}

bool parse_seconds(const char *s)
{
    char *end = nullptr;
    double v = std::strtod(s, &end);
    return end != s && *end == '\0' && std::isfinite(v) && v > 0;
}

// Takes the --dk_* flags out of argv. False (after a message) on a bad one.
bool take_flags(int *argc, char **argv, Options *o)
{
    struct ByteFlag {
        const char *prefix;
        size_t *value;
    };
    const ByteFlag byte_flags[] = {
        {"--dk_min_bytes=", &o->min_bytes},
        {"--dk_max_bytes=", &o->max_bytes},
        {"--dk_slow_max_bytes=", &o->slow_max_bytes},
        {"--dk_threads_bytes=", &o->threads_bytes},
    };
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        const char *a = argv[i];
        if (std::strncmp(a, "--dk_", 5) != 0) {
            argv[kept++] = argv[i];
            continue;
        }
        bool ok = false;
        for (const ByteFlag &f : byte_flags) {
            const size_t len = std::strlen(f.prefix);
            if (std::strncmp(a, f.prefix, len) == 0)
                ok = parse_bytes(a + len, f.value);
        }
        if (std::strncmp(a, "--dk_min_time=", 14) == 0) {
            ok = parse_seconds(a + 14);
            o->min_time = a + 14;
        }
        if (!ok) {
            std::fprintf(stderr, "diffkern-bench: bad flag %s\n", a);
            return false;
        }
    }
    *argc = kept;
    argv[kept] = nullptr;
    return true;
}

// ---- buffers ---------------------------------------------------------------

float *alloc_floats(size_t bytes)
{
    void *p = nullptr;
    // 64 bytes: a cache line and an AVX-512 vector, so no ISA pays for splits.
    return posix_memalign(&p, 64, bytes) == 0 ? static_cast<float *>(p) : nullptr;
}

// Deterministic values in [-2, 2): an LCG's top 24 bits, exact in float.
void fill(float *p, size_t n, uint32_t seed)
{
    uint32_t x = seed;
    for (size_t i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        p[i] = static_cast<float>(x >> 8) * (4.0f / 16777216.0f) - 2.0f;
    }
}

// Three input arrays and two output arrays (q_sample_randn writes xt and
// eps) of one size. Google Benchmark calls a benchmark function once per
// trial iteration count, and filling 3 x 256 MiB takes longer than timing a
// kernel on it, so the buffers stay alive and are refilled only when the size
// changes. Benchmarks are registered size by size, so each size is filled
// once. The inputs are never written, so every kernel sees the same values.
struct Buffers {
    size_t bytes = 0;
    float *in[3] = {nullptr, nullptr, nullptr};
    float *out[2] = {nullptr, nullptr};
};
Buffers g_buf;

void release_buffers()
{
    for (float *&p : g_buf.in) {
        std::free(p);
        p = nullptr;
    }
    for (float *&p : g_buf.out) {
        std::free(p);
        p = nullptr;
    }
    g_buf.bytes = 0;
}

// Makes g_buf hold `bytes` per array. The outputs are touched once here, so
// that first-touch page faults do not land in a timed loop. False when out of
// memory.
bool prepare_buffers(size_t bytes)
{
    if (g_buf.bytes == bytes)
        return true;
    release_buffers();
    bool ok = true;
    for (float *&p : g_buf.in)
        ok = (p = alloc_floats(bytes)) != nullptr && ok;
    for (float *&p : g_buf.out)
        ok = (p = alloc_floats(bytes)) != nullptr && ok;
    if (!ok) {
        release_buffers();
        return false;
    }
    for (int k = 0; k < 3; ++k)
        fill(g_buf.in[k], bytes / sizeof(float), 12345u + 777u * static_cast<uint32_t>(k));
    for (float *p : g_buf.out)
        std::memset(p, 0, bytes);
    g_buf.bytes = bytes;
    return true;
}

// ---- the work --------------------------------------------------------------

dk_schedule *g_sched = nullptr; // linear, T = 1000, beta 1e-4 .. 0.02
const int32_t g_t = 500;        // the timestep of the single row
const dk_noise g_noise = {42, 7, 0};

// The p_step epsilon coefficients and the q_sample ones, from the schedule's
// public getters, for the baselines.
struct StepCoefs {
    float c_out, c_eps, sigma;
    float q_a, q_b; // sqrt(abar_t), sqrt(1 - abar_t)
};
StepCoefs g_coefs;

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

// Baselines: ordinary loops compiled with this file's flags. noinline keeps each
// a real call, like the library's kernels, and stops the compiler from
// specializing it for the constant arguments of the benchmark.
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

// The noise as a plain program would make it, one element at a time:
// Philox4x32-10 (Salmon et al. 2011) on the counter (block lo, block hi,
// stream lo, stream hi) under the key (seed lo, seed hi), and Box-Muller with
// glibc's logf and sincosf. DESIGN.md section 3 is the same up to the last
// bits of the transcendental functions (SLEEF u35 there, and sincospif of
// 2 u2 instead of sincosf of 2 pi u2); check_scalar_philox compares the two.
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
// scalar loop: the goal "speed-up over a scalar Philox + libm loop" divides
// by this.
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
    return true;
}
bool g_baseline_ok = false;

enum class Kernel {
    q_sample,
    p_step,
    p_step_v,
    randn,
    q_sample_randn,
    q_sample_randn_noeps,
    p_step_randn,
    p_step_randn_v,
    // baselines from here on
    memcpy,
    triad,
    fused_loop,
    scalar_philox_loop,
};
constexpr bool is_library_kernel(Kernel k) { return k < Kernel::memcpy; }

// Every kernel of kernels/kernel_list.h has a benchmark here, through the
// public call that reaches it: a new kernel without one does not compile.
constexpr Kernel bench_of_q_sample = Kernel::q_sample;
constexpr Kernel bench_of_p_step_eps = Kernel::p_step;         // epsilon prediction, no clip
constexpr Kernel bench_of_p_step_posterior = Kernel::p_step_v; // v prediction, clip
// philox (raw Philox words) is an internal entry point for the known-answer
// tests and has no public call. Every noise kernel runs the same Philox
// rounds, so randn (Philox + Box-Muller + store) stands for it.
constexpr Kernel bench_of_philox = Kernel::randn;
constexpr Kernel bench_of_randn = Kernel::randn;
constexpr Kernel bench_of_q_sample_randn = Kernel::q_sample_randn; // and q_sample_randn_noeps
constexpr Kernel bench_of_p_step_eps_randn = Kernel::p_step_randn;
constexpr Kernel bench_of_p_step_posterior_randn = Kernel::p_step_randn_v;
#define DK_KERNEL(name, params) static_assert(is_library_kernel(bench_of_##name), #name);
#include "kernel_list.h"
#undef DK_KERNEL

// The posterior path: v prediction with x0_hat clipped to [-1, 1].
const dk_step_opts g_v_opts = {DK_PRED_V, DK_VAR_FIXED_SMALL, 1.0f};

// Per kernel, in the order of enum Kernel: its name, the arrays each call
// reads or writes once (what bytes_per_second counts), and whether it makes
// normals (the slow part on the scalar ISA, see --dk_slow_max_bytes).
struct KernelInfo {
    const char *name;
    int arrays;
    bool noise;
};
constexpr KernelInfo kernel_info[] = {
    {"q_sample", 3, false},            // x0, eps -> xt
    {"p_step", 4, false},              // xt, eps_hat, z -> x_prev
    {"p_step_v", 4, false},            // xt, v, z -> x_prev
    {"randn", 1, true},                // -> out
    {"q_sample_randn", 3, true},       // x0 -> xt, eps
    {"q_sample_randn_noeps", 2, true}, // x0 -> xt
    {"p_step_randn", 3, true},         // xt, eps_hat -> x_prev
    {"p_step_randn_v", 3, true},       // xt, v -> x_prev
    {"memcpy", 2, false},              // src -> dst
    {"triad", 3, false},               // b, c -> a
    {"fused_loop", 4, false},          // xt, e, z -> out
    {"scalar_philox_loop", 3, true},   // x0 -> xt, eps
};
static_assert(sizeof kernel_info / sizeof kernel_info[0] ==
                  static_cast<size_t>(Kernel::scalar_philox_loop) + 1,
              "one kernel_info entry per Kernel");

const KernelInfo &info(Kernel k) { return kernel_info[static_cast<int>(k)]; }

// One call of kernel k over n floats. dk_* results are statuses (DK_OK = 0).
int run_once(Kernel k, size_t n)
{
    const float *a = g_buf.in[0], *b = g_buf.in[1], *c = g_buf.in[2];
    float *out = g_buf.out[0], *eps = g_buf.out[1];
    switch (k) {
    case Kernel::q_sample:
        return dk_q_sample(g_sched, &g_t, 1, n, a, b, out);
    case Kernel::p_step:
        return dk_p_step(g_sched, &g_t, 1, n, a, b, c, nullptr, out);
    case Kernel::p_step_v:
        return dk_p_step(g_sched, &g_t, 1, n, a, b, c, &g_v_opts, out);
    case Kernel::randn:
        return dk_randn(g_noise, out, n);
    case Kernel::q_sample_randn:
        return dk_q_sample_randn(g_sched, &g_t, 1, n, a, g_noise, eps, out);
    case Kernel::q_sample_randn_noeps:
        return dk_q_sample_randn(g_sched, &g_t, 1, n, a, g_noise, nullptr, out);
    case Kernel::p_step_randn:
        return dk_p_step_randn(g_sched, &g_t, 1, n, a, b, g_noise, nullptr, out);
    case Kernel::p_step_randn_v:
        return dk_p_step_randn(g_sched, &g_t, 1, n, a, b, g_noise, &g_v_opts, out);
    case Kernel::memcpy:
        std::memcpy(out, a, n * sizeof(float));
        return 0;
    case Kernel::triad:
        triad(n, out, a, 0.5f, b);
        return 0;
    case Kernel::fused_loop:
        fused_loop(n, g_coefs, a, b, c, out);
        return 0;
    case Kernel::scalar_philox_loop:
        scalar_philox_loop(n, g_coefs.q_a, g_coefs.q_b, g_noise.seed, g_noise.stream, a, eps, out);
        return 0;
    }
    return -1;
}

// isa < 0: a baseline, which does not depend on the selected ISA.
void run_benchmark(benchmark::State &state, Kernel k, int isa, size_t bytes)
{
    if (isa >= 0) {
        const dk_status st = dk_isa_select(static_cast<dk_isa>(isa));
        if (st != DK_OK) {
            state.SkipWithError(dk_status_str(st));
            return;
        }
    }
    if (k == Kernel::scalar_philox_loop && !g_baseline_ok) {
        state.SkipWithError("the scalar Philox baseline disagrees with dk_randn");
        return;
    }
    if (!prepare_buffers(bytes)) {
        state.SkipWithError("out of memory");
        return;
    }
    const size_t n = bytes / sizeof(float);
    // An untimed first call checks the status and warms caches and TLB.
    const int st = run_once(k, n);
    if (st != 0) {
        state.SkipWithError(dk_status_str(static_cast<dk_status>(st)));
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(run_once(k, n));
        benchmark::ClobberMemory(); // the output counts as read: no dead stores
    }
    const int64_t arrays = info(k).arrays;
    state.SetBytesProcessed(state.iterations() * arrays * static_cast<int64_t>(bytes));
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
    state.counters["arrays"] = static_cast<double>(arrays);
}

// The goals compare q_sample_randn, triad and the scalar Philox loop
// at 64 MiB per array, where one call of the loop takes about 0.3 s. These
// run at least kGoalMinTime, so that a goal does not rest on one sample.
constexpr size_t kGoalBytes = size_t{64} << 20;
constexpr double kGoalMinTime = 0.5;

void add(Kernel k, int isa, const char *isa_name, size_t bytes, double min_time)
{
    const std::string name = std::string(info(k).name) + "/" + isa_name + "/" + std::to_string(bytes);
    benchmark::internal::Benchmark *b =
        benchmark::RegisterBenchmark(name.c_str(), run_benchmark, k, isa, bytes);
    const bool goal = k == Kernel::q_sample_randn || k == Kernel::triad || k == Kernel::scalar_philox_loop;
    if (goal && bytes == kGoalBytes && min_time < kGoalMinTime)
        b->MinTime(kGoalMinTime); // appends "/min_time:0.500" to the name
}

// ---- threads ---------------------------------------------------------------

// A training-style batch: rows of dim floats, each row with its own timestep,
// split by rows over threads. Each thread passes the noise of its first
// element as noise.offset, so every split must give the bits of one call.
enum class ThreadKernel { q_sample_randn, p_step_randn };
const char *const thread_kernel_name[] = {"threads_q_sample_randn", "threads_p_step_randn"};

struct Batch {
    size_t rows = 0, dim = 0, bytes = 0;
    std::vector<int32_t> t;
    float *in[2] = {nullptr, nullptr};  // x0 or xt, and eps_hat
    float *out[2] = {nullptr, nullptr}; // xt or x_prev, and eps (q_sample_randn)
    float *ref[2] = {nullptr, nullptr}; // out of one call over the whole batch
    int ref_kernel = -1;                // the ThreadKernel ref holds, -1 none
};
Batch g_batch;
bool g_threads_differ = false; // some split gave other bits than one thread

void release_batch()
{
    for (float **group : {g_batch.in, g_batch.out, g_batch.ref})
        for (int i = 0; i < 2; ++i) {
            std::free(group[i]);
            group[i] = nullptr;
        }
    g_batch = Batch();
}

bool prepare_batch(size_t bytes)
{
    if (g_batch.bytes == bytes)
        return true;
    release_buffers(); // the single-thread benchmarks are done: free their memory
    release_batch();
    const size_t n = bytes / sizeof(float);
    // 4096 floats a row, as a 4 x 32 x 32 latent; one row when smaller.
    g_batch.dim = std::min<size_t>(n, 4096);
    g_batch.rows = n / g_batch.dim;
    const size_t used = g_batch.rows * g_batch.dim * sizeof(float);
    bool ok = true;
    for (float **group : {g_batch.in, g_batch.out, g_batch.ref})
        for (int i = 0; i < 2; ++i)
            ok = (group[i] = alloc_floats(used)) != nullptr && ok;
    if (!ok) {
        release_batch();
        return false;
    }
    for (int i = 0; i < 2; ++i)
        fill(g_batch.in[i], used / sizeof(float), 999u + 31u * static_cast<uint32_t>(i));
    // Mixed timesteps 1..1000 as in a training batch; p_step skips the noise
    // of t = 1 rows, which the split must get right too.
    g_batch.t.resize(g_batch.rows);
    for (size_t r = 0; r < g_batch.rows; ++r)
        g_batch.t[r] = static_cast<int32_t>(1 + (r * 389) % 1000);
    g_batch.bytes = bytes;
    return true;
}

// Rows [r0, r1) of the batch into out[0] (and out[1]).
dk_status run_rows(ThreadKernel k, size_t r0, size_t r1, float *const out[2])
{
    const Batch &b = g_batch;
    const size_t at = r0 * b.dim;
    const dk_noise noise = {g_noise.seed, g_noise.stream, at};
    if (k == ThreadKernel::q_sample_randn)
        return dk_q_sample_randn(g_sched, b.t.data() + r0, r1 - r0, b.dim, b.in[0] + at, noise, out[1] + at,
                                 out[0] + at);
    return dk_p_step_randn(g_sched, b.t.data() + r0, r1 - r0, b.dim, b.in[0] + at, b.in[1] + at, noise,
                           nullptr, out[0] + at);
}

// The whole batch on `threads` new threads, each on its own contiguous rows.
// Starting the threads costs tens of microseconds, next to milliseconds of
// work at the default size.
dk_status run_threaded(ThreadKernel k, unsigned threads)
{
    std::vector<dk_status> status(threads, DK_OK);
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) {
        const size_t r0 = g_batch.rows * i / threads, r1 = g_batch.rows * (i + 1) / threads;
        pool.emplace_back([k, i, r0, r1, &status] { status[i] = run_rows(k, r0, r1, g_batch.out); });
    }
    for (std::thread &th : pool)
        th.join();
    for (dk_status st : status)
        if (st != DK_OK)
            return st;
    return DK_OK;
}

void run_threads_benchmark(benchmark::State &state, ThreadKernel k, dk_isa isa, unsigned threads,
                           size_t bytes)
{
    dk_status st = dk_isa_select(isa);
    if (st != DK_OK) {
        state.SkipWithError(dk_status_str(st));
        return;
    }
    if (!prepare_batch(bytes)) {
        state.SkipWithError("out of memory");
        return;
    }
    const int outputs = k == ThreadKernel::q_sample_randn ? 2 : 1;
    const size_t used = g_batch.rows * g_batch.dim * sizeof(float);
    if (g_batch.ref_kernel != static_cast<int>(k)) {
        // The reference: one call over the whole batch on this thread.
        if ((st = run_rows(k, 0, g_batch.rows, g_batch.ref)) != DK_OK) {
            state.SkipWithError(dk_status_str(st));
            return;
        }
        g_batch.ref_kernel = static_cast<int>(k);
    }
    // NaN bits in the outputs: rows a thread left unwritten cannot pass as
    // the previous run's correct output.
    for (int i = 0; i < outputs; ++i)
        std::memset(g_batch.out[i], 0xff, used);
    // The untimed first call also checks the status.
    if ((st = run_threaded(k, threads)) != DK_OK) {
        state.SkipWithError(dk_status_str(st));
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(run_threaded(k, threads));
        benchmark::ClobberMemory();
    }
    for (int i = 0; i < outputs; ++i)
        if (std::memcmp(g_batch.out[i], g_batch.ref[i], used) != 0) {
            g_threads_differ = true;
            state.SkipWithError("the output bits differ from one thread's");
            return;
        }
    const int64_t n = static_cast<int64_t>(g_batch.rows * g_batch.dim);
    const int64_t arrays = 3; // x0 -> xt, eps; or xt, eps_hat -> x_prev
    state.SetItemsProcessed(state.iterations() * n);
    state.SetBytesProcessed(state.iterations() * arrays * static_cast<int64_t>(used));
    state.counters["arrays"] = static_cast<double>(arrays);
    state.counters["threads"] = threads;
    state.counters["bytes_per_array"] = static_cast<double>(used);
    state.counters["bits_identical"] = 1;
}

// The CPUs this process may run on (what nproc prints).
unsigned usable_cpus()
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return static_cast<unsigned>(CPU_COUNT(&set));
#endif
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? n : 1;
}

// 1, 2, 4, ... below cpus, and cpus itself.
std::vector<unsigned> thread_counts(unsigned cpus)
{
    std::vector<unsigned> counts;
    for (unsigned n = 1; n < cpus; n *= 2)
        counts.push_back(n);
    counts.push_back(cpus);
    return counts;
}

// ---- main ------------------------------------------------------------------

const char *compiler_version()
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown compiler";
#endif
}

void print_usage()
{
    std::printf("diffkern-bench flags:\n"
                "  --dk_min_bytes=N       smallest bytes per array (default 4K)\n"
                "  --dk_max_bytes=N       largest bytes per array (default 256M)\n"
                "  --dk_min_time=S        seconds per benchmark (default 0.2)\n"
                "  --dk_slow_max_bytes=N  largest size of the scalar noise kernels and the\n"
                "                         libm noise baseline (default 256M)\n"
                "  --dk_threads_bytes=N   bytes per array of the threads benchmarks\n"
                "                         (default 64M, at most --dk_max_bytes)\n"
                "  N may end in K, M or G. Google Benchmark flags follow.\n\n");
}

} // namespace

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0)
            print_usage(); // Google Benchmark's --help follows, then exits
    Options opt;
    if (!take_flags(&argc, argv, &opt))
        return 1;

    // The per-benchmark minimum time goes in as --benchmark_min_time, placed
    // first so that the user's own --benchmark_min_time (parsed later) wins.
    // Benchmark::MinTime() would append "/min_time:..." to every name.
    std::string min_time_flag = "--benchmark_min_time=" + opt.min_time;
    std::vector<char *> args(argv, argv + argc);
    args.insert(args.begin() + 1, &min_time_flag[0]);
    args.push_back(nullptr);
    int nargs = argc + 1;

    if (dk_schedule_create(&g_sched, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK) {
        std::fprintf(stderr, "diffkern-bench: dk_schedule_create failed\n");
        return 1;
    }
    g_coefs = step_coefs(g_sched, g_t);

    // The active ISA is read before any benchmark selects one: it is what the
    // library picks here by itself (or what DIFFKERN_ISA says).
    std::string supported;
    for (int isa = DK_ISA_SCALAR; isa <= DK_ISA_NEON; ++isa)
        if (dk_isa_supported(static_cast<dk_isa>(isa)))
            supported += std::string(supported.empty() ? "" : " ") + dk_isa_name(static_cast<dk_isa>(isa));
    const dk_isa active = dk_isa_active();
    const unsigned cpus = usable_cpus();
    std::fprintf(stderr, "diffkern %s, active ISA %s, supported: %s\n", dk_version(), dk_isa_name(active),
                 supported.c_str());
    benchmark::AddCustomContext("diffkern_version", dk_version());
    benchmark::AddCustomContext("diffkern_isa_active", dk_isa_name(active));
    benchmark::AddCustomContext("diffkern_isas_supported", supported);
    benchmark::AddCustomContext("diffkern_bench_compiler", compiler_version());
    benchmark::AddCustomContext("diffkern_cpus", std::to_string(cpus));

    g_baseline_ok = check_scalar_philox();
    if (!g_baseline_ok)
        std::fprintf(stderr, "diffkern-bench: the scalar Philox baseline disagrees with dk_randn\n");

    // Sizes outer, so that the buffers of one size are filled once.
    const double min_time = std::strtod(opt.min_time.c_str(), nullptr); // checked by take_flags
    int sizes = 0;
    for (size_t bytes = size_t{4} << 10; bytes <= (size_t{256} << 20); bytes *= 4) {
        if (bytes < opt.min_bytes || bytes > opt.max_bytes)
            continue;
        ++sizes;
        const bool slow_ok = bytes <= opt.slow_max_bytes;
        add(Kernel::memcpy, -1, "baseline", bytes, min_time);
        add(Kernel::triad, -1, "baseline", bytes, min_time);
        add(Kernel::fused_loop, -1, "baseline", bytes, min_time);
        if (slow_ok)
            add(Kernel::scalar_philox_loop, -1, "baseline", bytes, min_time);
        for (int isa = DK_ISA_SCALAR; isa <= DK_ISA_NEON; ++isa) {
            if (!dk_isa_supported(static_cast<dk_isa>(isa)))
                continue;
            const char *name = dk_isa_name(static_cast<dk_isa>(isa));
            for (int k = 0; is_library_kernel(static_cast<Kernel>(k)); ++k)
                if (isa != DK_ISA_SCALAR || !info(static_cast<Kernel>(k)).noise || slow_ok)
                    add(static_cast<Kernel>(k), isa, name, bytes, min_time);
        }
    }
    if (sizes == 0) {
        std::fprintf(stderr, "diffkern-bench: no size (4K, 16K, ..., 256M) lies in [%zu, %zu]\n",
                     opt.min_bytes, opt.max_bytes);
        dk_schedule_destroy(g_sched);
        return 1;
    }

    // Threads last: they free the buffers of the single-thread benchmarks.
    const size_t threads_bytes = std::min(opt.threads_bytes, opt.max_bytes);
    if (threads_bytes >= sizeof(float)) {
        for (ThreadKernel k : {ThreadKernel::q_sample_randn, ThreadKernel::p_step_randn})
            for (unsigned threads : thread_counts(cpus)) {
                const std::string name = std::string(thread_kernel_name[static_cast<int>(k)]) + "/" +
                                         dk_isa_name(active) + "/" + std::to_string(threads);
                benchmark::RegisterBenchmark(name.c_str(), run_threads_benchmark, k, active, threads,
                                             threads_bytes)
                    ->UseRealTime(); // the CPU time of the waiting main thread says nothing
            }
    }

    benchmark::Initialize(&nargs, args.data());
    if (benchmark::ReportUnrecognizedArguments(nargs, args.data())) {
        dk_schedule_destroy(g_sched);
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    release_buffers();
    release_batch();
    dk_schedule_destroy(g_sched);
    if (g_threads_differ) {
        std::fprintf(stderr, "diffkern-bench: a split over threads gave other bits than one thread\n");
        return 1;
    }
    return 0;
}
