// The goals' ratios, each timed as a pair: the subject and the reference
// it is read against run in alternation, one after the other in every
// iteration (in turn first; each timed run right after an untimed run of
// itself: seconds_of), and the counter "ratio" is the median of the
// iterations' time(subject) / time(reference); "subject_s" and
// "reference_s" are the medians of each member's own times. Two rows timed minutes apart
// in the same run drift 10 to 30% on a shared VM; a pair sees the same
// machine state, so its ratio moves far less, and the goals' verdicts
// (bench/report.py) read these ratios.
//
// Named pair:<subject>:<reference>/<isa>/<bytes>: the step kernels without
// noise against the plain loop of the same arrays (bench/baselines.cc), the
// public calls of the sampler goals against theirs (bench/api.cc), dk_loss
// and dk_vlb_terms against the plain loops of their traffic, the two
// training steps (eps regenerated against eps stored), these last also at
// 64 KiB, and q_sample and q_sample_randn against the triad of their ISA
// (q_sample_randn also against the scalar Philox loop). The scalar builds
// get no pair: their goals carry no verdict.
#include "bench.h"

#include <algorithm>
#include <chrono>

namespace dkb
{

namespace
{

// The step kernel cases (kernels.cc names them) against the fused loop of
// the same arrays.
constexpr const char *step_cases[] = {"step",    "step-u",    "step-z",    "step-u-z",
                                      "step_x0", "step_x0-u", "step_x0-z", "step_x0-u-z"};
constexpr const char *loops[] = {"fused_loop3", "fused_loop", "fused_loop5"};

// The public calls: the thresholded step against the same step without it,
// every _randn form against dk_p_step_randn of the same arrays.
struct CallPair {
    const char *subject, *reference;
};
constexpr CallPair call_pairs[] = {
    {"api_p_step_v_threshold", "api_p_step_v"},
    {"api_p_step_randn_v_clip", "api_p_step_randn"},
    {"api_ddim_step_randn", "api_p_step_randn"},
    {"api_sde_step_randn", "api_p_step_randn"},
    {"api_ddim_step_randn_guided", "api_p_step_randn_guided"},
    {"api_loss", "fused_loop"},        // x0, eps, model_out -> grad: 3 in, 1 out
    {"api_vlb_terms", "reduce_loop3"}, // x0, xt, model_out -> a sum: 3 in
    {"api_train_regen", "api_train_stored"},
    // the memory and noise goals: against the triad of the same ISA, and the
    // noise against the plain scalar loop of its work
    {"q_sample", "triad"},
    {"q_sample_randn", "triad"},
    {"q_sample_randn", "scalar_philox_loop"},
};
// The pair of the training trade-off, also at kTrainSmallBytes.
constexpr const char *kTradeOff = "api_train_regen";

// A public call (api_*), the triad of isa's build, a baseline, or a kernel
// case, by name.
Work named_work(const std::string &name, dk_isa isa, size_t bytes, std::string *why)
{
    if (name.rfind("api_", 0) == 0)
        return api_work(name, isa, bytes, why);
    if (name == "triad")
        return isa_triad_work(isa, bytes, why);
    if (baseline_arrays(name) > 0)
        return baseline_work(name, bytes, why);
    return kernel_work(name, isa, bytes, why);
}

// The time of one run of w, right after an untimed run of w. A call past
// the caches leaves dirty lines that the memory writes back during the
// calls after it: timed right after the other member of its pair, a
// streaming kernel paid for the triad's ordinary stores, and the triad
// paid for none. After a run of itself each member pays for its own lines,
// as in its row and in a loop of its own calls. Measured on a Zen 5 at
// 64 MiB, q_sample_randn on AVX-512 over its triad, three runs each,
// alternated: 1.66 to 1.82 timed after the other member (the subject 8.0
// to 8.6 ms, the triad 4.7 to 4.8), 1.48 to 1.56 after itself (6.9 to 8.4
// and 4.7 to 5.4 ms); their rows, 1.34.
double seconds_of(const Work &w)
{
    w();
    benchmark::ClobberMemory();
    const auto start = std::chrono::steady_clock::now();
    w();
    benchmark::ClobberMemory();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t k = v.size();
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

} // namespace

void run_pair(benchmark::State &state, const std::function<Work(std::string *)> &make_subject,
              const std::function<Work(std::string *)> &make_reference)
{
    std::string why;
    const Work subject = make_subject(&why), reference = subject ? make_reference(&why) : Work();
    if (!subject || !reference) {
        state.SkipWithError(why.c_str());
        return;
    }
    std::vector<double> ratios, subject_s, reference_s;
    for (auto _ : state) {
        double s, r;
        if (ratios.size() % 2 == 0) {
            s = seconds_of(subject);
            r = seconds_of(reference);
        } else {
            r = seconds_of(reference);
            s = seconds_of(subject);
        }
        ratios.push_back(s / r);
        subject_s.push_back(s);
        reference_s.push_back(r);
    }
    const size_t k = ratios.size();
    state.counters["ratio"] = median(ratios);
    state.counters["subject_s"] = median(subject_s); // each member's own median, to read a ratio by
    state.counters["reference_s"] = median(reference_s);
    state.counters["pairs"] = static_cast<double>(k);
}

void register_pairs(const Options &o, size_t bytes, double min_time, bool all)
{
    for (dk_isa isa : isas_to_run(o)) {
        if (isa == DK_ISA_SCALAR)
            continue;
        for (const char *kernel : step_cases) {
            if (!all)
                break;
            const int arrays = kernel_arrays(kernel);
            const char *const *loop =
                std::find_if(std::begin(loops), std::end(loops),
                             [arrays](const char *l) { return baseline_arrays(l) == arrays; });
            if (loop == std::end(loops))
                continue; // no plain loop of its arrays
            const std::string name = std::string("pair:") + kernel + ":" + *loop, k = kernel, l = *loop;
            add(name, dk_isa_name(isa), bytes, min_time, [k, l, isa, bytes](benchmark::State &state) {
                run_pair(
                    state, [&](std::string *why) { return kernel_work(k, isa, bytes, why); },
                    [&](std::string *why) { return baseline_work(l, bytes, why); });
            });
        }
        for (const CallPair &p : call_pairs) {
            if (!all && std::string(p.subject) != kTradeOff)
                continue;
            const std::string name = std::string("pair:") + p.subject + ":" + p.reference;
            add(name, dk_isa_name(isa), bytes, min_time, [p, isa, bytes](benchmark::State &state) {
                run_pair(
                    state, [&](std::string *why) { return named_work(p.subject, isa, bytes, why); },
                    [&](std::string *why) { return named_work(p.reference, isa, bytes, why); });
            });
        }
    }
}

} // namespace dkb
