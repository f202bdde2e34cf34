// Threads: one training-style batch of 4096-float rows with mixed
// timesteps, split by rows over 1 to nproc threads (each passing
// noise.offset = first_row * dim), in wall time. Each thread count's output
// must be the bits of one call over the whole batch, or the bench fails.
#include "bench.h"

#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace dkb
{

namespace
{

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

} // namespace

void release_batch()
{
    for (float **group : {g_batch.in, g_batch.out, g_batch.ref})
        for (int i = 0; i < 2; ++i) {
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

void register_threads(const Options &o, dk_isa isa, unsigned cpus)
{
    const size_t threads_bytes = std::min(o.threads_bytes, o.max_bytes);
    if (threads_bytes < sizeof(float))
        return;
    for (ThreadKernel k : {ThreadKernel::q_sample_randn, ThreadKernel::p_step_randn})
        for (unsigned threads : thread_counts(cpus)) {
            const std::string name = std::string(thread_kernel_name[static_cast<int>(k)]) + "/" +
                                     dk_isa_name(isa) + "/" + std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), run_threads_benchmark, k, isa, threads, threads_bytes)
                ->UseRealTime(); // the CPU time of the waiting main thread says nothing
        }
}

} // namespace dkb
