// Every kernel of kernels/kernel_list.h on every ISA, through the raw kernel
// of the ISA's build (dispatch's tables), so no kernel can lack a benchmark.
// A kernel with optional arrays is timed twice: with all of them, and
// without them as "<kernel>-<names>" (q_sample_randn-eps_out: xt only).
// The arguments are those of one row at t = 500 of the bench's schedule:
// fixed_small sigma, v prediction with x0_hat clipped to [-1, 1] (the
// posterior form's longest path), noise (42, 7) from index 0.
#include "bench.h"

#include "dispatch.h"
#include "schedule.h"

namespace dkb
{

namespace
{

struct KernelCase {
    dk_kernel_id id;
    dk_kernel_desc d;
    bool lean; // the optional arrays left out
    std::string name;
    int arrays; // read or written: what bytes_per_second counts
};

std::vector<KernelCase> kernel_cases()
{
    std::vector<KernelCase> cases;
    for (int id = 0; id < DK_KERNEL_COUNT; ++id) {
        KernelCase c{static_cast<dk_kernel_id>(id), {}, false, "", 0};
        if (!dk_kernel_describe(c.id, &c.d))
            continue;
        c.name = c.d.name;
        c.arrays = c.d.inputs + c.d.outputs;
        cases.push_back(c);
        if (!c.d.optional)
            continue;
        c.lean = true;
        for (int i = 0; i < DK_MAX_IN + DK_MAX_OUT; ++i)
            if (c.d.optional >> i & 1) {
                c.name += std::string("-") + (i < DK_MAX_IN ? c.d.in_names[i] : c.d.out_names[i - DK_MAX_IN]);
                --c.arrays;
            }
        cases.push_back(c);
    }
    return cases;
}

void run_kernel(benchmark::State &state, const KernelCase &c, dk_isa isa, size_t bytes)
{
    const dk_kernels *k = dk_variant_kernels(dk_variant_of_isa(isa));
    if (!k) {
        state.SkipWithError("this ISA's build is missing");
        return;
    }
    if (!prepare_buffers(bytes)) {
        state.SkipWithError("out of memory");
        return;
    }
    const dk_step_opts opts = {DK_PRED_V, DK_VAR_FIXED_SMALL, 1.0f};
    dk_kargs a = {};
    a.c = dk_schedule_coefs(g_sched, g_t, &opts);
    a.pred = opts.prediction;
    a.noise = g_noise;
    for (int i = 0; i < c.d.inputs; ++i)
        a.in[i] = c.lean && (c.d.optional >> i & 1) ? nullptr : g_buf.in[i];
    for (int j = 0; j < c.d.outputs; ++j)
        a.out[j] = c.lean && (c.d.optional >> (DK_MAX_IN + j) & 1) ? nullptr : g_buf.out[j];
    const size_t n = bytes / sizeof(float);
    const dk_kernel_fn fn = k->fn[c.id];
    fn(n, &a); // untimed: warms caches and TLB
    for (auto _ : state) {
        fn(n, &a);
        benchmark::ClobberMemory(); // the output counts as read: no dead stores
    }
    set_counters(state, c.arrays, bytes);
}

} // namespace

std::vector<std::string> register_kernels(const Options &o, size_t bytes, double min_time)
{
    std::vector<std::string> names;
    for (const KernelCase &c : kernel_cases()) {
        names.push_back(c.name);
        for (dk_isa isa : isas_to_run(o)) {
            const bool slow = isa == DK_ISA_SCALAR && (c.d.uses & DK_USES_NOISE);
            if (slow && bytes > o.slow_max_bytes)
                continue;
            add(c.name, dk_isa_name(isa), bytes, min_time,
                [c, isa, bytes](benchmark::State &state) { run_kernel(state, c, isa, bytes); });
        }
    }
    return names;
}

} // namespace dkb
