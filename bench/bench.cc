// diffkern-bench: times each kernel on each ISA this host runs, next to plain
// memory baselines of the same size, through the public API only.
//
// Benchmark names are <kernel>/<isa>/<bytes per array>, e.g.
// "q_sample/avx512/65536"; baselines use the isa field "baseline".
// bytes_per_second counts every array read or written once (the "arrays"
// counter says how many), so a kernel can be compared with memcpy and triad.
//
// Own flags (removed from argv before Google Benchmark sees it):
//   --dk_min_bytes=N    smallest bytes per array (default 4 KiB)
//   --dk_max_bytes=N    largest bytes per array (default 256 MiB)
//   --dk_min_time=S     seconds each benchmark runs at least (default 0.2)
// N may end in K, M or G (powers of 1024).

#include <benchmark/benchmark.h>

#include <diffkern.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace
{

// ---- command line ----------------------------------------------------------

struct Options {
    size_t min_bytes = size_t{4} << 10;
    size_t max_bytes = size_t{256} << 20;
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
    int kept = 1;
    for (int i = 1; i < *argc; ++i) {
        const char *a = argv[i];
        bool ok = true;
        if (std::strncmp(a, "--dk_min_bytes=", 15) == 0) {
            ok = parse_bytes(a + 15, &o->min_bytes);
        } else if (std::strncmp(a, "--dk_max_bytes=", 15) == 0) {
            ok = parse_bytes(a + 15, &o->max_bytes);
        } else if (std::strncmp(a, "--dk_min_time=", 14) == 0) {
            ok = parse_seconds(a + 14);
            o->min_time = a + 14;
        } else if (std::strncmp(a, "--dk_", 5) == 0) {
            ok = false;
        } else {
            argv[kept++] = argv[i];
            continue;
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

// Three input arrays and one output array of one size. Google Benchmark calls
// a benchmark function once per trial iteration count, and filling 3 x 256 MiB
// takes longer than timing a kernel on it, so the buffers stay alive and are
// refilled only when the size changes. Benchmarks are registered size by size,
// so each size is filled once.
struct Buffers {
    size_t bytes = 0;
    float *in[3] = {nullptr, nullptr, nullptr};
    float *out = nullptr;
};
Buffers g_buf;

void release_buffers()
{
    for (float *&p : g_buf.in) {
        std::free(p);
        p = nullptr;
    }
    std::free(g_buf.out);
    g_buf.out = nullptr;
    g_buf.bytes = 0;
}

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

// Makes g_buf hold `bytes` per array and touches the output (first-touch page
// faults must not land in the timed loop). False when out of memory.
bool prepare_buffers(size_t bytes)
{
    if (g_buf.bytes != bytes) {
        release_buffers();
        for (float *&p : g_buf.in)
            p = alloc_floats(bytes);
        g_buf.out = alloc_floats(bytes);
        if (!g_buf.in[0] || !g_buf.in[1] || !g_buf.in[2] || !g_buf.out) {
            release_buffers();
            return false;
        }
        for (int k = 0; k < 3; ++k)
            fill(g_buf.in[k], bytes / sizeof(float), 12345u + 777u * static_cast<uint32_t>(k));
        g_buf.bytes = bytes;
    }
    std::memset(g_buf.out, 0, bytes);
    return true;
}

// ---- the work --------------------------------------------------------------

dk_schedule *g_sched = nullptr; // linear, T = 1000, beta 1e-4 .. 0.02
const int32_t g_t = 500;        // the timestep of the single row

// The p_step epsilon coefficients, from the schedule's public getters, for the
// fused_loop baseline.
struct StepCoefs {
    float c_out, c_eps, sigma;
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

enum class Kernel { q_sample, p_step, p_step_v, memcpy, triad, fused_loop };

// Every kernel of kernels/kernel_list.h has a benchmark here, through the
// public call that reaches it: a new kernel without one does not compile.
constexpr Kernel bench_of_q_sample = Kernel::q_sample;
constexpr Kernel bench_of_p_step_eps = Kernel::p_step;         // epsilon prediction, no clip
constexpr Kernel bench_of_p_step_posterior = Kernel::p_step_v; // v prediction, clip
#define DK_KERNEL(name, params) static_assert(bench_of_##name != Kernel::memcpy, #name);
#include "kernel_list.h"
#undef DK_KERNEL

// The posterior path: v prediction with x0_hat clipped to [-1, 1].
const dk_step_opts g_v_opts = {DK_PRED_V, DK_VAR_FIXED_SMALL, 1.0f};

// Per kernel, in the order of enum Kernel: its name, and the arrays each call
// reads or writes once (what bytes_per_second counts).
struct KernelInfo {
    const char *name;
    int arrays;
};
constexpr KernelInfo kernel_info[] = {
    {"q_sample", 3},   // x0, eps -> xt
    {"p_step", 4},     // xt, eps_hat, z -> x_prev
    {"p_step_v", 4},   // xt, v, z -> x_prev
    {"memcpy", 2},     // src -> dst
    {"triad", 3},      // b, c -> a
    {"fused_loop", 4}, // xt, e, z -> out
};
static_assert(sizeof kernel_info / sizeof kernel_info[0] == static_cast<size_t>(Kernel::fused_loop) + 1,
              "one kernel_info entry per Kernel");

const KernelInfo &info(Kernel k) { return kernel_info[static_cast<int>(k)]; }

// One call of kernel k over n floats. dk_* results are statuses (DK_OK = 0).
int run_once(Kernel k, size_t n)
{
    const float *a = g_buf.in[0], *b = g_buf.in[1], *c = g_buf.in[2];
    float *out = g_buf.out;
    switch (k) {
    case Kernel::q_sample:
        return dk_q_sample(g_sched, &g_t, 1, n, a, b, out);
    case Kernel::p_step:
        return dk_p_step(g_sched, &g_t, 1, n, a, b, c, nullptr, out);
    case Kernel::p_step_v:
        return dk_p_step(g_sched, &g_t, 1, n, a, b, c, &g_v_opts, out);
    case Kernel::memcpy:
        std::memcpy(out, a, n * sizeof(float));
        return 0;
    case Kernel::triad:
        triad(n, out, a, 0.5f, b);
        return 0;
    case Kernel::fused_loop:
        fused_loop(n, g_coefs, a, b, c, out);
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

void add(Kernel k, int isa, const char *isa_name, size_t bytes)
{
    const std::string name = std::string(info(k).name) + "/" + isa_name + "/" + std::to_string(bytes);
    benchmark::RegisterBenchmark(name.c_str(), run_benchmark, k, isa, bytes);
}

void print_usage()
{
    std::printf("diffkern-bench flags:\n"
                "  --dk_min_bytes=N  smallest bytes per array (default 4K)\n"
                "  --dk_max_bytes=N  largest bytes per array (default 256M)\n"
                "  --dk_min_time=S   seconds per benchmark (default 0.2)\n"
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
    const char *active = dk_isa_name(dk_isa_active());
    std::fprintf(stderr, "diffkern %s, active ISA %s, supported: %s\n", dk_version(), active,
                 supported.c_str());
    benchmark::AddCustomContext("diffkern_version", dk_version());
    benchmark::AddCustomContext("diffkern_isa_active", active);
    benchmark::AddCustomContext("diffkern_isas_supported", supported);

    // Sizes outer, so that the buffers of one size are filled once.
    int sizes = 0;
    for (size_t bytes = size_t{4} << 10; bytes <= (size_t{256} << 20); bytes *= 4) {
        if (bytes < opt.min_bytes || bytes > opt.max_bytes)
            continue;
        ++sizes;
        add(Kernel::memcpy, -1, "baseline", bytes);
        add(Kernel::triad, -1, "baseline", bytes);
        add(Kernel::fused_loop, -1, "baseline", bytes);
        for (int isa = DK_ISA_SCALAR; isa <= DK_ISA_NEON; ++isa) {
            if (!dk_isa_supported(static_cast<dk_isa>(isa)))
                continue;
            const char *name = dk_isa_name(static_cast<dk_isa>(isa));
            add(Kernel::q_sample, isa, name, bytes);
            add(Kernel::p_step, isa, name, bytes);
            add(Kernel::p_step_v, isa, name, bytes);
        }
    }
    if (sizes == 0) {
        std::fprintf(stderr, "diffkern-bench: no size (4K, 16K, ..., 256M) lies in [%zu, %zu]\n",
                     opt.min_bytes, opt.max_bytes);
        dk_schedule_destroy(g_sched);
        return 1;
    }

    benchmark::Initialize(&nargs, args.data());
    if (benchmark::ReportUnrecognizedArguments(nargs, args.data())) {
        dk_schedule_destroy(g_sched);
        return 1;
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    release_buffers();
    dk_schedule_destroy(g_sched);
    return 0;
}
