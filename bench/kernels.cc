// Every kernel of kernels/kernel_list.h on every ISA, through the raw kernel
// of the ISA's build (dispatch's tables), so no kernel can lack a benchmark.
// A kernel with optional arrays is timed with each subset of them left out,
// as "<kernel>-<names>" (q_sample_randn-eps_out: xt only; step-u: no
// guidance).
// A kernel that can stream its output (DK_STREAMS) stores as the library
// would at that size (dk_set_stream_min's default for the ISA), and once
// more as "<kernel>+nt" with its stores always non-temporal: the two cross
// where the default should be. Likewise a kernel that prefetches its inputs
// in calls past the caches (DK_PREFETCHES), as "<kernel>+pf".
// The arguments are those of a DDPM step at t = 500 of the bench's schedule:
// fixed_small sigma, v prediction with x0_hat clipped to [-1, 1], step_x0 in
// its longest mode (every term), guidance scale 7.5; noise (42, 7) from
// index 0.
#include "bench.h"

#include "coefs.h"
#include "dispatch.h"

#include <memory>

namespace dkb
{

namespace
{

struct KernelCase {
    dk_kernel_id id;
    dk_kernel_desc d;
    unsigned absent; // the optional arrays left out, bits as dk_kernel_desc.optional
    std::string name;
    int arrays;              // read or written: what bytes_per_second counts
    bool always_far = false; // "+nt", "+pf": in the form of calls past the caches at every size
};

// Every kernel with each subset of its optional arrays left out: the name
// gains "-<array>" for each one left out.
std::vector<KernelCase> kernel_cases()
{
    std::vector<KernelCase> cases;
    for (int id = 0; id < DK_KERNEL_COUNT; ++id) {
        KernelCase base{static_cast<dk_kernel_id>(id), {}, 0u, "", 0};
        if (!dk_kernel_describe(base.id, &base.d))
            continue;
        for (unsigned absent = 0; absent <= base.d.optional; ++absent) {
            if (absent & ~base.d.optional)
                continue;
            KernelCase c = base;
            c.absent = absent;
            c.name = c.d.name;
            c.arrays = c.d.inputs + c.d.outputs;
            for (int i = 0; i < DK_MAX_IN + DK_MAX_OUT; ++i)
                if (absent >> i & 1) {
                    c.name +=
                        std::string("-") + (i < DK_MAX_IN ? c.d.in_names[i] : c.d.out_names[i - DK_MAX_IN]);
                    --c.arrays;
                }
            cases.push_back(c);
            if ((c.d.uses & (DK_STREAMS | DK_PREFETCHES)) && absent == 0) {
                c.name += c.d.uses & DK_STREAMS ? "+nt" : "+pf";
                c.always_far = true;
                cases.push_back(c);
            }
        }
    }
    return cases;
}

// The arguments of one call, kept where the counts and sum it writes can land.
struct KernelCall {
    dk_kargs a = {};
    size_t counts[DK_MAX_COUNTS] = {};
    double sum = 0.0;
};

Work case_work(const KernelCase &c, dk_isa isa, size_t bytes, std::string *why)
{
    const dk_kernels *k = dk_variant_kernels(dk_variant_of_isa(isa));
    if (!k) {
        *why = "this ISA's build is missing";
        return {};
    }
    if (!prepare_buffers(bytes)) {
        *why = "out of memory";
        return {};
    }
    dk_step_opts opts = {};
    opts.prediction = DK_PRED_V;
    opts.guidance_scale = 7.5f;
    int x0_form, mode;
    const dk_step_coefs linear =
        dk_step_coefs_of(g_sched, DK_SAMPLER_DDPM, g_t, g_t - 1, &opts, nullptr, &x0_form, &mode);
    opts.clip = 1.0f;
    auto call = std::make_shared<KernelCall>();
    dk_kargs &a = call->a;
    a.c = dk_step_coefs_of(g_sched, DK_SAMPLER_DDPM, g_t, g_t - 1, &opts, nullptr, &x0_form, &mode);
    a.c.am = linear.am; // every term of step_x0's mode 0, and the linear step's own coefficients
    a.c.ax = linear.ax;
    a.mode = 0;
    a.noise = g_noise;
    a.counts = call->counts;
    a.sum = &call->sum;
    a.stream = (c.d.uses & (DK_STREAMS | DK_PREFETCHES)) && (c.always_far || bytes >= dk_stream_min_of(isa));
    a.noise_plain = !c.always_far && !dk_noise_streams(); // as the library would store ("+nt": streamed)
    for (int i = 0; i < c.d.inputs; ++i)
        a.in[i] = c.absent >> i & 1 ? nullptr : g_buf.in[i];
    for (int j = 0; j < c.d.outputs; ++j)
        a.out[j] = c.absent >> (DK_MAX_IN + j) & 1 ? nullptr : g_buf.out[j];
    const size_t n = bytes / sizeof(float);
    const dk_kernel_fn fn = k->fn[c.id];
    Work once = [fn, n, call] { fn(n, &call->a); };
    once();
    return once;
}

void run_kernel(benchmark::State &state, const KernelCase &c, dk_isa isa, size_t bytes)
{
    std::string why;
    const Work once = case_work(c, isa, bytes, &why);
    run_work(state, once, why, c.arrays, bytes);
}

const KernelCase *find_case(const std::string &name)
{
    static const std::vector<KernelCase> cases = kernel_cases();
    for (const KernelCase &c : cases)
        if (c.name == name)
            return &c;
    return nullptr;
}

} // namespace

Work kernel_work(const std::string &name, dk_isa isa, size_t bytes, std::string *why)
{
    const KernelCase *c = find_case(name);
    if (!c) {
        *why = "no kernel case " + name;
        return {};
    }
    return case_work(*c, isa, bytes, why);
}

int kernel_arrays(const std::string &name)
{
    const KernelCase *c = find_case(name);
    return c ? c->arrays : 0;
}

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
