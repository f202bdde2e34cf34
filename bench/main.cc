// diffkern-bench: times every kernel on every ISA this host runs (or those
// --dk_isas names), next to memory baselines of the same size, then one batch
// split over threads. See bench.h for the names and counters, options.cc
// for the flags. The JSON context lists the kernels and ISAs in report order
// (diffkern_kernels, diffkern_isas), so bench/report.py and bench/chart.py
// need no list of their own.
#include "bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace dkb
{

dk_schedule *g_sched = nullptr;

benchmark::internal::Benchmark *add(const std::string &kernel, const char *isa_field, size_t bytes,
                                    double min_time, std::function<void(benchmark::State &)> fn)
{
    const std::string name = kernel + "/" + isa_field + "/" + std::to_string(bytes);
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(name.c_str(), fn);
    const bool goal = kernel == "q_sample_randn" || kernel == "triad" || kernel == "scalar_philox_loop" ||
                      kernel.compare(0, 4, "step") == 0 || kernel.compare(0, 6, "x0_abs") == 0 ||
                      kernel.compare(0, 4, "api_") == 0 || kernel.compare(0, 10, "fused_loop") == 0 ||
                      kernel.compare(0, 5, "pair:") == 0;
    if (goal && bytes == kGoalBytes && min_time < kGoalMinTime)
        b->MinTime(kGoalMinTime); // appends "/min_time:0.500" to the name
    return b;
}

void run_work(benchmark::State &state, const Work &once, const std::string &why, int arrays, size_t bytes)
{
    if (!once) {
        state.SkipWithError(why.c_str());
        return;
    }
    for (auto _ : state) {
        once();
        benchmark::ClobberMemory(); // the output counts as read: no dead stores
    }
    state.SetBytesProcessed(state.iterations() * arrays * static_cast<int64_t>(bytes));
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(bytes / sizeof(float)));
    state.counters["arrays"] = static_cast<double>(arrays);
}

} // namespace dkb

namespace
{

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

std::string join(const std::vector<std::string> &names)
{
    std::string out;
    for (const std::string &n : names)
        out += (out.empty() ? "" : ",") + n;
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    using namespace dkb;
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

    // One thread for every benchmark but the threads table, which sets its own.
    dk_set_num_threads(1);
    if (dk_schedule_create(&g_sched, DK_BETA_LINEAR, 1000, 1e-4, 0.02) != DK_OK) {
        std::fprintf(stderr, "diffkern-bench: dk_schedule_create failed\n");
        return 1;
    }

    // The active ISA is read before any benchmark selects one: it is what the
    // library picks here by itself (or what DIFFKERN_ISA says).
    std::vector<std::string> supported, benched, all_isas;
    for (int i = 0; i < DK_ISA_COUNT; ++i) {
        all_isas.push_back(dk_isa_name(static_cast<dk_isa>(i)));
        if (dk_isa_supported(static_cast<dk_isa>(i)))
            supported.push_back(all_isas.back());
    }
    const std::vector<dk_isa> run_isas = isas_to_run(opt);
    for (dk_isa isa : run_isas)
        benched.push_back(dk_isa_name(isa));
    if (run_isas.empty()) {
        std::fprintf(stderr, "diffkern-bench: none of --dk_isas runs here (supported: %s)\n",
                     join(supported).c_str());
        return 1;
    }
    // The threads run on the best ISA of those benchmarked.
    dk_isa threads_isa = dk_isa_active();
    if (std::find(run_isas.begin(), run_isas.end(), threads_isa) == run_isas.end())
        threads_isa = run_isas.back();
    const unsigned cpus = usable_cpus();
    std::fprintf(stderr, "diffkern %s, active ISA %s, supported: %s; benchmarking: %s\n", dk_version(),
                 dk_isa_name(dk_isa_active()), join(supported).c_str(), join(benched).c_str());
    benchmark::AddCustomContext("diffkern_version", dk_version());
    benchmark::AddCustomContext("diffkern_isa_active", dk_isa_name(threads_isa));
    benchmark::AddCustomContext("diffkern_isas_supported", join(supported));
    benchmark::AddCustomContext("diffkern_isas_benched", join(benched));
    benchmark::AddCustomContext("diffkern_isas", join(all_isas));
    benchmark::AddCustomContext("diffkern_bench_compiler", compiler_version());
    benchmark::AddCustomContext("diffkern_cpus", std::to_string(cpus));

    if (!check_scalar_philox())
        std::fprintf(stderr, "diffkern-bench: the scalar Philox baseline disagrees with dk_randn\n");

    // Sizes outer, so that the buffers of one size are filled once.
    const double min_time = std::strtod(opt.min_time.c_str(), nullptr); // checked by take_flags
    const std::vector<size_t> byte_sizes = sizes(opt);
    if (byte_sizes.empty()) {
        std::fprintf(stderr, "diffkern-bench: no size (4K, 16K, ..., 256M) lies in [%zu, %zu]\n",
                     opt.min_bytes, opt.max_bytes);
        dk_schedule_destroy(g_sched);
        return 1;
    }
    std::vector<std::string> kernels, calls;
    for (size_t bytes : byte_sizes) {
        register_baselines(opt, bytes, min_time);
        kernels = register_kernels(opt, bytes, min_time);
        // The public calls at the goals' size, or the largest of a smaller run.
        if (bytes == kGoalBytes || (bytes == byte_sizes.back() && bytes < kGoalBytes)) {
            calls = register_api(opt, bytes, min_time, true);
            register_pairs(opt, bytes, min_time, true); // the goals' ratios, after all they pair
        } else if (bytes == kTrainSmallBytes) {         // the training trade-off in cache too
            register_api(opt, bytes, min_time, false);
            register_pairs(opt, bytes, min_time, false);
        }
    }
    kernels.insert(kernels.end(), calls.begin(), calls.end());
    benchmark::AddCustomContext("diffkern_kernels", join(kernels));

    // Threads last: they free the buffers of the single-thread benchmarks.
    register_threads(opt, threads_isa, cpus);

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
    if (threads_differed()) {
        std::fprintf(stderr, "diffkern-bench: a split over threads gave other bits than one thread\n");
        return 1;
    }
    return 0;
}
