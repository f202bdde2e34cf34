// Threads: every family of public calls over one batch of 4096-float rows
// with mixed timesteps, split by the library's own pool at 1, 2, 4, ...
// nproc threads (dk_set_num_threads), in wall time; beside them the plain
// loops of baselines.cc split over as many std::threads: the triad (the
// memory's limit at that count), and the loops of the step's and the
// bound's traffic (4 arrays; 3 read), which the memory-bound calls are
// also read against. Each
// thread count's outputs must be the bits of the one-thread call, or the
// bench fails. The single-thread benchmarks run with dk_set_num_threads(1)
// (main.cc); these set their own count and put 1 back.
#include "bench.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace dkb
{

namespace
{

enum class Family {
    triad,        // the baselines, split by std::threads: b + s c -> a,
    fused_loop,   // xt, e, z -> out,
    reduce_loop3, // x0, x, m -> a sum

    q_sample,
    q_sample_randn,
    randn,
    p_step,
    p_step_randn,
    ddim_step_randn,
    loss,
    loss_randn,
    vlb_terms
};

struct FamilyInfo {
    Family family;
    const char *name; // threads_<name>
    int arrays;       // read or written, the per-row outputs aside
    bool noise;       // makes normals (the scaling goal of the noise kernels)
};

constexpr FamilyInfo families[] = {
    {Family::triad, "triad", 3, false},
    {Family::fused_loop, "fused_loop", 4, false},
    {Family::reduce_loop3, "reduce_loop3", 3, false},
    {Family::q_sample, "q_sample", 3, false},              // x0, eps -> xt
    {Family::q_sample_randn, "q_sample_randn", 3, true},   // x0 -> xt, eps
    {Family::randn, "randn", 1, true},                     // -> z
    {Family::p_step, "p_step", 4, false},                  // xt, eps_hat, z -> x_prev
    {Family::p_step_randn, "p_step_randn", 3, true},       // xt, eps_hat -> x_prev
    {Family::ddim_step_randn, "ddim_step_randn", 3, true}, // xt, eps_hat -> x_prev (eta 1)
    {Family::loss, "loss", 4, false},                      // x0, eps, model_out -> grad, row losses
    {Family::loss_randn, "loss_randn", 3, true},           // x0, model_out -> grad, row losses
    {Family::vlb_terms, "vlb_terms", 3, false},            // x0, xt, model_out -> nats per row
};

// A training-style batch: rows of dim floats, each row its own timestep.
struct Batch {
    size_t rows = 0, dim = 0, bytes = 0;
    std::vector<int32_t> t, t_prev;
    float *in[3] = {nullptr, nullptr, nullptr};
    float *out[2] = {nullptr, nullptr};
    float *ref[2] = {nullptr, nullptr};        // out of the one-thread call
    std::vector<float> row_loss, ref_row_loss; // per-row outputs and theirs
    std::vector<double> nats, ref_nats;
    int ref_family = -1; // the Family ref holds, -1 none
};
Batch g_batch;
bool g_threads_differ = false; // some split gave other bits than one thread

} // namespace

void release_batch()
{
    for (float **group : {g_batch.in, g_batch.out, g_batch.ref})
        for (int i = 0; i < (group == g_batch.in ? 3 : 2); ++i) {
            std::free(group[i]);
            group[i] = nullptr;
        }
    g_batch = Batch();
}

namespace
{

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
    for (int i = 0; i < 3; ++i)
        ok = (g_batch.in[i] = alloc_floats(used)) != nullptr && ok;
    for (float **group : {g_batch.out, g_batch.ref})
        for (int i = 0; i < 2; ++i)
            ok = (group[i] = alloc_floats(used)) != nullptr && ok;
    if (!ok) {
        release_batch();
        return false;
    }
    for (int i = 0; i < 3; ++i)
        fill(g_batch.in[i], used / sizeof(float), 999u + 31u * static_cast<uint32_t>(i));
    // Mixed timesteps 1..1000 as in a training batch (p_step skips the
    // noise of t = 1 rows); DDIM 20 steps back, to 0 at the end.
    g_batch.t.resize(g_batch.rows);
    g_batch.t_prev.resize(g_batch.rows);
    for (size_t r = 0; r < g_batch.rows; ++r) {
        g_batch.t[r] = static_cast<int32_t>(1 + (r * 389) % 1000);
        g_batch.t_prev[r] = std::max<int32_t>(g_batch.t[r] - 20, 0);
    }
    g_batch.row_loss.assign(g_batch.rows, 0.0f);
    g_batch.nats.assign(g_batch.rows, 0.0);
    g_batch.bytes = bytes;
    return true;
}

bool is_baseline(Family f)
{
    return f == Family::triad || f == Family::fused_loop || f == Family::reduce_loop3;
}

volatile float g_sink; // keeps the sums of reduce_loop3

// A plain loop over the batch, split over `threads` std::threads (the
// calling one included) in contiguous parts.
void baseline_threads(Family f, unsigned threads)
{
    const Batch *const b = &g_batch; // a pointer: clang finds a captured reference to a global unneeded
    const size_t n = b->rows * b->dim;
    const StepCoefs k = step_coefs(g_sched, g_t);
    std::vector<std::thread> others;
    auto part = [b, &k, f, n, threads](unsigned i) {
        const size_t lo = n * i / threads, hi = n * (i + 1) / threads;
        if (f == Family::triad)
            triad(hi - lo, b->out[0] + lo, b->in[0] + lo, 0.5f, b->in[1] + lo);
        else if (f == Family::fused_loop)
            fused_loop(hi - lo, k, b->in[0] + lo, b->in[1] + lo, b->in[2] + lo, b->out[0] + lo);
        else
            g_sink = reduce_loop3(hi - lo, k, b->in[0] + lo, b->in[1] + lo, b->in[2] + lo);
    };
    for (unsigned i = 1; i < threads; ++i)
        others.emplace_back(part, i);
    part(0);
    for (std::thread &th : others)
        th.join();
}

// One call of the family over the whole batch, into out (and the batch's
// per-row outputs).
dk_status run_family(Family f, float *const out[2])
{
    Batch &b = g_batch;
    const dk_noise noise = g_noise;
    const int32_t *t = b.t.data();
    float *x = b.in[0], *m = b.in[1], *z = b.in[2];
    dk_step_opts ddim = {};
    ddim.eta = 1.0f;
    const dk_loss_opts lo = {DK_PRED_V, DK_WEIGHT_MIN_SNR, 5.0f, 0.0f};
    switch (f) {
    case Family::triad:
    case Family::fused_loop:
    case Family::reduce_loop3:
        return DK_OK;
    case Family::q_sample:
        return dk_q_sample(g_sched, t, b.rows, b.dim, x, m, out[0]);
    case Family::q_sample_randn:
        return dk_q_sample_randn(g_sched, t, b.rows, b.dim, x, noise, out[1], out[0]);
    case Family::randn:
        return dk_randn(noise, out[0], b.rows * b.dim);
    case Family::p_step:
        return dk_p_step(g_sched, t, b.rows, b.dim, x, m, z, nullptr, out[0]);
    case Family::p_step_randn:
        return dk_p_step_randn(g_sched, t, b.rows, b.dim, x, m, noise, nullptr, out[0]);
    case Family::ddim_step_randn:
        return dk_ddim_step_randn(g_sched, t, b.t_prev.data(), b.rows, b.dim, x, m, noise, &ddim, out[0]);
    case Family::loss:
        return dk_loss(g_sched, t, b.rows, b.dim, x, z, m, &lo, b.row_loss.data(), out[0]);
    case Family::loss_randn:
        return dk_loss_randn(g_sched, t, b.rows, b.dim, x, noise, m, &lo, b.row_loss.data(), out[0]);
    case Family::vlb_terms:
        return dk_vlb_terms(g_sched, t, b.rows, b.dim, x, z, m, nullptr, DK_DECODER_GAUSSIAN, b.nats.data());
    }
    return DK_ERR_NULL_POINTER;
}

int outputs_of(Family f) { return f == Family::q_sample_randn ? 2 : f == Family::vlb_terms ? 0 : 1; }

// The outputs of the last call have the one-thread call's bits.
bool same_as_ref(Family f)
{
    const Batch &b = g_batch;
    const size_t used = b.rows * b.dim * sizeof(float);
    for (int i = 0; i < outputs_of(f); ++i)
        if (std::memcmp(b.out[i], b.ref[i], used) != 0)
            return false;
    if ((f == Family::loss || f == Family::loss_randn) &&
        std::memcmp(b.row_loss.data(), b.ref_row_loss.data(), b.rows * sizeof(float)) != 0)
        return false;
    return f != Family::vlb_terms ||
           std::memcmp(b.nats.data(), b.ref_nats.data(), b.rows * sizeof(double)) == 0;
}

void run_threads_benchmark(benchmark::State &state, const FamilyInfo &info, dk_isa isa, unsigned threads,
                           size_t bytes)
{
    const Family f = info.family;
    dk_status st = dk_isa_select(isa);
    if (st != DK_OK) {
        state.SkipWithError(dk_status_str(st));
        return;
    }
    if (!prepare_batch(bytes)) {
        state.SkipWithError("out of memory");
        return;
    }
    Batch &b = g_batch;
    const size_t used = b.rows * b.dim * sizeof(float);
    bool same = true;
    if (!is_baseline(f)) {
        if (b.ref_family != static_cast<int>(f)) { // the reference: one thread
            dk_set_num_threads(1);
            if ((st = run_family(f, b.ref)) != DK_OK) {
                state.SkipWithError(dk_status_str(st));
                return;
            }
            b.ref_row_loss = b.row_loss;
            b.ref_nats = b.nats;
            b.ref_family = static_cast<int>(f);
        }
        // NaN bits everywhere: what a split left unwritten cannot pass as
        // the previous run's correct output.
        for (int i = 0; i < 2; ++i)
            std::memset(b.out[i], 0xff, used);
        std::fill(b.row_loss.begin(), b.row_loss.end(), std::nanf(""));
        std::fill(b.nats.begin(), b.nats.end(), std::nan(""));
        dk_set_num_threads(static_cast<int>(threads));
        st = run_family(f, b.out); // untimed: starts the pool, checks the status
        same = st == DK_OK && same_as_ref(f);
    }
    if (st != DK_OK || !same) {
        dk_set_num_threads(1);
        if (!same)
            g_threads_differ = true;
        state.SkipWithError(st != DK_OK ? dk_status_str(st) : "the output bits differ from one thread's");
        return;
    }
    for (auto _ : state) {
        if (is_baseline(f))
            baseline_threads(f, threads);
        else
            benchmark::DoNotOptimize(run_family(f, b.out));
        benchmark::ClobberMemory();
    }
    dk_set_num_threads(1);
    const int64_t n = static_cast<int64_t>(b.rows * b.dim);
    state.SetItemsProcessed(state.iterations() * n);
    state.SetBytesProcessed(state.iterations() * info.arrays * static_cast<int64_t>(used));
    state.counters["arrays"] = static_cast<double>(info.arrays);
    state.counters["threads"] = threads;
    state.counters["bytes_per_array"] = static_cast<double>(used);
    state.counters["noise"] = info.noise ? 1 : 0;
    state.counters["bits_identical"] = is_baseline(f) ? -1 : 1; // -1: not a library call
}

} // namespace

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

namespace
{

// 1, 2, 4, ... below cpus, and cpus itself.
std::vector<unsigned> thread_counts(unsigned cpus)
{
    std::vector<unsigned> counts;
    for (unsigned n = 1; n < cpus; n *= 2)
        counts.push_back(n);
    counts.push_back(cpus);
    return counts;
}

} // namespace

bool threads_differed() { return g_threads_differ; }

namespace
{

const char *name_of(Family f)
{
    for (const FamilyInfo &info : families)
        if (info.family == f)
            return info.name;
    return "?";
}

// One call of the family (or split loop) over the batch at that thread count.
Work family_work(Family f, dk_isa isa, unsigned threads, size_t bytes, std::string *why)
{
    if (!prepare_batch(bytes)) {
        *why = "out of memory";
        return {};
    }
    if (is_baseline(f))
        return [f, threads] { baseline_threads(f, threads); };
    return [f, isa, threads] {
        dk_isa_select(isa);
        dk_set_num_threads(static_cast<int>(threads));
        run_family(f, g_batch.out);
    };
}

} // namespace

void register_threads(const Options &o, dk_isa isa, unsigned cpus)
{
    const size_t threads_bytes = std::min(o.threads_bytes, o.max_bytes);
    if (threads_bytes < sizeof(float))
        return;
    // The scaling goals at 2 threads, timed as pairs in alternation (as the
    // single-thread goals are, bench/pairs.cc), after the table's rows have
    // checked the bits: each noise call at 2 threads against itself at 1
    // ("pair:threads_<call>:one_thread"), each memory-bound call against the
    // triad split over 2 ("pair:threads_<call>:threads_triad"); named
    // <isa>/2.
    struct PairRow {
        Family subject, reference;
        unsigned reference_threads;
        const char *name;
    };
    std::vector<PairRow> pairs;
    for (const FamilyInfo &info : families)
        if (!is_baseline(info.family) && cpus >= 2)
            pairs.push_back({info.family, info.noise ? info.family : Family::triad, info.noise ? 1u : 2u,
                             info.noise ? "one_thread" : "threads_triad"});
    for (const FamilyInfo &info : families)
        for (unsigned threads : thread_counts(cpus)) {
            const std::string name = std::string("threads_") + info.name + "/" +
                                     (is_baseline(info.family) ? "baseline" : dk_isa_name(isa)) + "/" +
                                     std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), run_threads_benchmark, info, isa, threads,
                                         threads_bytes)
                ->UseRealTime()          // the CPU time of a waiting thread says nothing
                ->MinTime(kGoalMinTime); // the scaling goals read these
        }
    for (const PairRow &p : pairs) {
        const std::string name =
            std::string("pair:threads_") + name_of(p.subject) + ":" + p.name + "/" + dk_isa_name(isa) + "/2";
        benchmark::RegisterBenchmark(
            name.c_str(),
            [p, isa, threads_bytes](benchmark::State &state) {
                run_pair(
                    state,
                    [&](std::string *why) { return family_work(p.subject, isa, 2, threads_bytes, why); },
                    [&](std::string *why) {
                        return family_work(p.reference, isa, p.reference_threads, threads_bytes, why);
                    });
                dk_set_num_threads(1);
            })
            ->UseRealTime()
            ->MinTime(kGoalMinTime);
    }
}

} // namespace dkb
