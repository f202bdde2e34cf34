// diffkern-bench: what its parts share. One file per section: options.cc
// (the command line), buffers.cc, kernels.cc (every kernel of
// kernels/kernel_list.h on every ISA), api.cc (the public sampler calls),
// baselines.cc (memcpy, triad, the plain loops), pairs.cc (the goals'
// ratios, timed in alternation), threads.cc (every call family
// split over the library's threads),
// main.cc.
//
// Benchmark names are <kernel>/<isa>/<bytes per array>, e.g.
// "q_sample/avx512/65536"; baselines use the isa field "baseline".
// bytes_per_second counts every array read or written once (the "arrays"
// counter says how many), so a kernel can be compared with memcpy and triad.
#ifndef DK_BENCH_H
#define DK_BENCH_H

#include <benchmark/benchmark.h>

#include <diffkern.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dkb
{

// ---- options.cc ----
struct Options {
    size_t min_bytes = size_t{4} << 10;
    size_t max_bytes = size_t{256} << 20;
    size_t slow_max_bytes = size_t{256} << 20;
    size_t threads_bytes = size_t{64} << 20;
    std::string min_time = "0.2";  // kept as text: it is passed on as a flag
    std::vector<std::string> isas; // --dk_isas: only these (empty: every supported one)
};
// Takes the --dk_* flags out of argv. False (after a message) on a bad one.
bool take_flags(int *argc, char **argv, Options *o);
void print_usage();
// Sizes from 4 KiB to 256 MiB, x4, within [min_bytes, max_bytes].
std::vector<size_t> sizes(const Options &o);
// The ISAs to run: supported here, and named by --dk_isas if given.
std::vector<dk_isa> isas_to_run(const Options &o);

// ---- buffers.cc ----
// 64-byte aligned, NULL when out of memory.
float *alloc_floats(size_t bytes);
// Deterministic values in [-2, 2): exact in float.
void fill(float *p, size_t n, uint32_t seed);
// Four input arrays and two outputs of one size, kept while the size stays.
struct Buffers {
    size_t bytes = 0;
    float *in[4] = {nullptr, nullptr, nullptr, nullptr};
    float *out[2] = {nullptr, nullptr};
};
extern Buffers g_buf;
bool prepare_buffers(size_t bytes); // false when out of memory
void release_buffers();

// ---- the work every section shares ----
extern dk_schedule *g_sched; // linear, T = 1000, beta 1e-4 .. 0.02
constexpr int32_t g_t = 500; // the timestep of the single row
constexpr dk_noise g_noise = {42, 7, 0};

// The benchmarks of the goals at 64 MiB (q_sample_randn, the step kernels,
// the public calls and their baselines) run at least this long, so no goal
// rests on a handful of samples.
constexpr size_t kGoalBytes = size_t{64} << 20;
// The training trade-off (eps stored or regenerated) is also timed here: in
// cache.
constexpr size_t kTrainSmallBytes = size_t{64} << 10;
constexpr double kGoalMinTime = 0.5;

// Registers name/isa_field/bytes running fn; raises its minimum time for the
// goals' benchmarks. Returns the benchmark.
benchmark::internal::Benchmark *add(const std::string &kernel, const char *isa_field, size_t bytes,
                                    double min_time, std::function<void(benchmark::State &)> fn);
// One run of a benchmark's work, set up and run once untimed (buffers of its
// size filled, caches and TLB warm), so that its first timed run is like
// the others. The benchmarks of one size share g_buf, so a Work holds only
// while that size does. Empty, with the reason in *why, when it cannot run.
using Work = std::function<void()>;
Work kernel_work(const std::string &name, dk_isa isa, size_t bytes, std::string *why);
Work api_work(const std::string &name, dk_isa isa, size_t bytes, std::string *why);
Work baseline_work(const std::string &name, size_t bytes, std::string *why);
// The triad compiled with the flags of isa's kernel build (bench/triad.c).
Work isa_triad_work(dk_isa isa, size_t bytes, std::string *why);
// A single-thread benchmark of once (skipped with why if it is empty), with
// the counters every single-thread benchmark reports, for arrays of bytes
// each.
void run_work(benchmark::State &state, const Work &once, const std::string &why, int arrays, size_t bytes);
// The arrays a kernel case, public call or baseline reads or writes; 0 for
// an unknown name.
int kernel_arrays(const std::string &name);
int baseline_arrays(const std::string &name);

// ---- baselines.cc: the plain loops, also split over threads (threads.cc) ----
// The p_step epsilon and q_sample coefficients from the schedule's public
// getters.
struct StepCoefs {
    float c_out, c_eps, sigma;
    float q_a, q_b; // sqrt(abar_t), sqrt(1 - abar_t)
};
StepCoefs step_coefs(const dk_schedule *s, int32_t t);
// a = b + s c
void triad(size_t n, float *a, const float *b, float s, const float *c);
// out = sigma z + c_out (xt - c_eps e): the step's traffic, 3 arrays in
void fused_loop(size_t n, const StepCoefs &k, const float *xt, const float *e, const float *z, float *out);
// the sum of (x0 - (c_out x + c_eps m))^2: the bound's traffic, 3 arrays read
float reduce_loop3(size_t n, const StepCoefs &k, const float *x0, const float *x, const float *m);

// ---- kernels.cc, api.cc, baselines.cc, threads.cc ----
// Registers every kernel x ISA at one size; returns the names in order.
std::vector<std::string> register_kernels(const Options &o, size_t bytes, double min_time);
// Registers the public calls x ISA at one size (all of them, or only the
// two training steps); returns the names.
std::vector<std::string> register_api(const Options &o, size_t bytes, double min_time, bool all);
void register_baselines(const Options &o, size_t bytes, double min_time);
bool check_scalar_philox(); // the plain loop makes dk_randn's normals
// Registers the paired benchmarks of the goals at one size (pairs.cc): all
// of them, or only the training trade-off.
void register_pairs(const Options &o, size_t bytes, double min_time, bool all);
// Times the two Works in alternation (in turn first) and sets the counters
// "ratio" (the median of time(subject) / time(reference)) and "pairs". Both
// are made when the benchmark runs (they may share buffers).
void run_pair(benchmark::State &state, const std::function<Work(std::string *)> &make_subject,
              const std::function<Work(std::string *)> &make_reference);
void register_threads(const Options &o, dk_isa isa, unsigned cpus);
bool threads_differed(); // some split gave other bits than one call
void release_batch();
unsigned usable_cpus();

} // namespace dkb

#endif // DK_BENCH_H
