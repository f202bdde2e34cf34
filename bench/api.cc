// The public sampler and training calls, one thread, on every ISA
// (dk_isa_select): what the kernel rows cannot show, the cost of a whole
// call. A batch of rows of 4096 floats (a 4 x 32 x 32 latent), every row at
// one step, as in sampling: DDPM t = 500 -> 499, DDIM 500 -> 480 (50 steps
// of 1000), the SDE 500 -> 499; the losses and the bound's KL terms at t =
// 500 (v prediction, min-SNR-5 weighting).
// Goals read these rows (bench/report.py): a thresholded step, which finds a
// quantile per row between its two passes, against the same step without
// it; every sampler's _randn form against dk_p_step_randn of the same
// arrays; dk_loss and dk_vlb_terms against the plain loops of their traffic;
// and the two training steps, eps stored (dk_q_sample_randn writing it, then
// dk_loss reading it) against eps regenerated (dk_q_sample_randn without it,
// then dk_loss_randn).
#include "bench.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace dkb
{

namespace
{

enum class Call {
    p_step,
    ddim_step_randn,
    sde_step_randn,
    p_step_randn,
    loss,
    vlb_terms,
    train_stored,
    train_regen
};

struct ApiCase {
    const char *name;
    Call call;
    dk_prediction prediction;
    bool z;         // dk_p_step: reads z (the noise given)
    bool guided;    // reads uncond, guidance scale 7.5
    float clip;     // > 0: clamp x0_hat
    bool threshold; // dynamic thresholding at the 0.995 quantile, s <= 1
    float eta;
    int arrays; // read or written
};

// Named api_<call>[_<option>...]; the goals pair rows of equal arrays.
constexpr ApiCase api_cases[] = {
    {"api_p_step_v", Call::p_step, DK_PRED_V, true, false, 0.0f, false, 0.0f, 4},
    {"api_p_step_v_threshold", Call::p_step, DK_PRED_V, true, false, 0.0f, true, 0.0f, 4},
    {"api_p_step_randn", Call::p_step_randn, DK_PRED_EPSILON, false, false, 0.0f, false, 0.0f, 3},
    {"api_p_step_randn_v_clip", Call::p_step_randn, DK_PRED_V, false, false, 1.0f, false, 0.0f, 3},
    {"api_ddim_step_randn", Call::ddim_step_randn, DK_PRED_EPSILON, false, false, 0.0f, false, 1.0f, 3},
    {"api_sde_step_randn", Call::sde_step_randn, DK_PRED_EPSILON, false, false, 0.0f, false, 0.0f, 3},
    {"api_p_step_randn_guided", Call::p_step_randn, DK_PRED_EPSILON, false, true, 0.0f, false, 0.0f, 4},
    {"api_ddim_step_randn_guided", Call::ddim_step_randn, DK_PRED_EPSILON, false, true, 0.0f, false, 1.0f, 4},
    // x0, eps, model_out -> grad (and a row loss per row)
    {"api_loss", Call::loss, DK_PRED_V, false, false, 0.0f, false, 0.0f, 4},
    // x0, xt, model_out -> a term per row
    {"api_vlb_terms", Call::vlb_terms, DK_PRED_EPSILON, false, false, 0.0f, false, 0.0f, 3},
    // x0 -> xt, eps; x0, eps, model_out -> grad: 7 array passes
    {"api_train_stored", Call::train_stored, DK_PRED_V, false, false, 0.0f, false, 0.0f, 7},
    // x0 -> xt; x0, model_out -> grad: 5
    {"api_train_regen", Call::train_regen, DK_PRED_V, false, false, 0.0f, false, 0.0f, 5},
};

// The training calls' rows: a loss and a term per row.
std::vector<float> g_row_loss;
std::vector<double> g_nats;

dk_status call_once(const ApiCase &c, size_t rows, size_t dim, const std::vector<int32_t> &t,
                    const std::vector<int32_t> &t_prev)
{
    dk_step_opts o = {};
    o.prediction = c.prediction;
    o.clip = c.clip;
    o.eta = c.eta;
    if (c.threshold) {
        o.threshold_ratio = 0.995f;
        o.threshold_max = 1.0f;
    }
    if (c.guided) {
        o.uncond = g_buf.in[3];
        o.guidance_scale = 7.5f;
    }
    const float *x = g_buf.in[0], *m = g_buf.in[1];
    float *out = g_buf.out[0];
    // training: x0 in[0], the model's output in[1], xt out[0], eps out[1],
    // the gradient over in[2] (z of the samplers: tiny values, no harm)
    dk_loss_opts lo = {c.prediction, DK_WEIGHT_MIN_SNR, 5.0f, 0.0f};
    float *grad = g_buf.in[2];
    g_row_loss.resize(rows);
    g_nats.resize(rows);
    switch (c.call) {
    case Call::loss:
        return dk_loss(g_sched, t.data(), rows, dim, x, g_buf.in[3], m, &lo, g_row_loss.data(), grad);
    case Call::vlb_terms:
        return dk_vlb_terms(g_sched, t.data(), rows, dim, x, g_buf.in[3], m, &o, DK_DECODER_GAUSSIAN,
                            g_nats.data());
    case Call::train_stored: {
        const dk_status st = dk_q_sample_randn(g_sched, t.data(), rows, dim, x, g_noise, g_buf.out[1], out);
        return st != DK_OK
                   ? st
                   : dk_loss(g_sched, t.data(), rows, dim, x, g_buf.out[1], m, &lo, g_row_loss.data(), grad);
    }
    case Call::train_regen: {
        const dk_status st = dk_q_sample_randn(g_sched, t.data(), rows, dim, x, g_noise, nullptr, out);
        return st != DK_OK
                   ? st
                   : dk_loss_randn(g_sched, t.data(), rows, dim, x, g_noise, m, &lo, g_row_loss.data(), grad);
    }
    case Call::p_step:
        return dk_p_step(g_sched, t.data(), rows, dim, x, m, c.z ? g_buf.in[2] : nullptr, &o, out);
    case Call::p_step_randn:
        return dk_p_step_randn(g_sched, t.data(), rows, dim, x, m, g_noise, &o, out);
    case Call::ddim_step_randn:
        return dk_ddim_step_randn(g_sched, t.data(), t_prev.data(), rows, dim, x, m, g_noise, &o, out);
    case Call::sde_step_randn:
        return dk_sde_step_randn(g_sched, t.data(), t_prev.data(), rows, dim, x, m, g_noise, &o, out);
    }
    return DK_ERR_NULL_POINTER;
}

// The call on isa. It selects the ISA each time (an atomic store), so that
// calls of two ISAs can alternate (pairs.cc).
Work case_work(const ApiCase &c, dk_isa isa, size_t bytes, std::string *why)
{
    if (dk_isa_select(isa) != DK_OK) {
        *why = "dk_isa_select refused this ISA";
        return {};
    }
    if (!prepare_buffers(bytes)) {
        *why = "out of memory";
        return {};
    }
    const size_t n = bytes / sizeof(float), dim = std::min<size_t>(n, 4096), rows = n / dim;
    const int32_t prev = c.call == Call::ddim_step_randn ? g_t - 20 : g_t - 1;
    auto t = std::make_shared<std::vector<int32_t>>(rows, g_t);
    auto t_prev = std::make_shared<std::vector<int32_t>>(rows, prev);
    if (call_once(c, rows, dim, *t, *t_prev) != DK_OK) { // untimed: warms caches and TLB
        *why = "the call failed";
        return {};
    }
    return [c, isa, rows, dim, t, t_prev] {
        dk_isa_select(isa);
        call_once(c, rows, dim, *t, *t_prev);
    };
}

const ApiCase *find_case(const std::string &name)
{
    for (const ApiCase &c : api_cases)
        if (name == c.name)
            return &c;
    return nullptr;
}

void run_api(benchmark::State &state, const ApiCase &c, dk_isa isa, size_t bytes)
{
    std::string why;
    const Work once = case_work(c, isa, bytes, &why);
    const size_t n = bytes / sizeof(float), dim = std::min<size_t>(n, 4096);
    run_work(state, once, why, c.arrays, n / dim * dim * sizeof(float));
}

} // namespace

Work api_work(const std::string &name, dk_isa isa, size_t bytes, std::string *why)
{
    const ApiCase *c = find_case(name);
    if (!c) {
        *why = "no public call " + name;
        return {};
    }
    return case_work(*c, isa, bytes, why);
}

// ISA by ISA, the calls in the order above, so that each call runs right
// after the one its goal reads it against: the ratio sees the least drift.
std::vector<std::string> register_api(const Options &o, size_t bytes, double min_time, bool all)
{
    std::vector<std::string> names;
    auto wanted = [all](const ApiCase &c) {
        return all || c.call == Call::train_stored || c.call == Call::train_regen;
    };
    for (const ApiCase &c : api_cases)
        if (wanted(c))
            names.push_back(c.name);
    for (dk_isa isa : isas_to_run(o))
        for (const ApiCase &c : api_cases) {
            if (!wanted(c))
                continue;
            if (isa == DK_ISA_SCALAR && c.call != Call::p_step && bytes > o.slow_max_bytes)
                continue; // the scalar noise, as for the kernels
            add(c.name, dk_isa_name(isa), bytes, min_time,
                [c, isa, bytes](benchmark::State &state) { run_api(state, c, isa, bytes); });
        }
    return names;
}

} // namespace dkb
