/* Bad input: each documented error returns its own status, names it in
 * dk_status_str, and leaves every output untouched. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "diffkern.h"
#include "harness.h"

#define ROWS 4
#define DIM  8
#define N    (ROWS * DIM)
#define MARK 0x7fbadbadu

static float x[N], m[N], z[N], out[N + 8]; /* out has room for a partial overlap */
static float eps_out[N];                   /* the second output of q_sample_randn */

static void mark_output(void)
{
    const uint32_t u = MARK;
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        memcpy(&out[i], &u, sizeof u);
    for (size_t i = 0; i < N; i++)
        memcpy(&eps_out[i], &u, sizeof u);
}

static int output_untouched(void)
{
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        if (dk_bits(out[i]) != MARK)
            return 0;
    for (size_t i = 0; i < N; i++)
        if (dk_bits(eps_out[i]) != MARK)
            return 0;
    return 1;
}

/* Checks that st is `want` and nothing was written. */
static void expect(dk_status st, dk_status want, const char *what)
{
    dk_check(st == want, "%s: got %d (%s), want %d (%s)", what, st, dk_status_str(st), want,
             dk_status_str(want));
    dk_check(output_untouched(), "%s: the output was written", what);
    mark_output();
}

static void check_status_strings(void)
{
    const char *seen[32] = {0};
    for (int s = DK_OK; s <= DK_ERR_NOISE_RANGE; s++) {
        const char *str = dk_status_str((dk_status)s);
        dk_check(str && *str && strcmp(str, "unknown dk_status") != 0, "status %d has no string", s);
        for (int j = 0; j < s; j++)
            dk_check(strcmp(seen[j], str) != 0, "statuses %d and %d share a string", j, s);
        seen[s] = str;
    }
    dk_check(strcmp(dk_status_str((dk_status)999), "unknown dk_status") == 0, "unknown status");
}

static void check_schedule_errors(void)
{
    dk_schedule *s = (dk_schedule *)&x; /* a sentinel: must stay as it is on error */
    dk_schedule *const sentinel = s;
    const double good[3] = {0.1, 0.2, 0.3};
    dk_check(dk_schedule_create(NULL, DK_BETA_LINEAR, 10, 1e-4, 0.02) == DK_ERR_NULL_POINTER,
             "create out NULL");
    dk_check(dk_schedule_create(&s, (dk_beta_schedule)7, 10, 1e-4, 0.02) == DK_ERR_SCHEDULE_KIND, "bad kind");
    dk_check(dk_schedule_create(&s, (dk_beta_schedule)-1, 10, 1e-4, 0.02) == DK_ERR_SCHEDULE_KIND, "kind -1");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 0, 1e-4, 0.02) == DK_ERR_STEPS, "T = 0");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, -5, 1e-4, 0.02) == DK_ERR_STEPS, "T < 0");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 10, 0.0, 0.02) == DK_ERR_BETA, "beta_start 0");
    dk_check(dk_schedule_create(&s, DK_BETA_LINEAR, 10, 1e-4, 1.0) == DK_ERR_BETA, "beta_end 1");
    dk_check(dk_schedule_create(&s, DK_BETA_SIGMOID, 10, NAN, 0.02) == DK_ERR_BETA, "beta_start NaN");
    dk_check(dk_schedule_create(&s, DK_BETA_SCALED_LINEAR, 10, 1e-4, INFINITY) == DK_ERR_BETA,
             "beta_end Inf");
    dk_check(dk_schedule_from_betas(NULL, good, 3) == DK_ERR_NULL_POINTER, "from_betas out NULL");
    dk_check(dk_schedule_from_betas(&s, NULL, 3) == DK_ERR_NULL_POINTER, "from_betas betas NULL");
    dk_check(dk_schedule_from_betas(&s, good, 0) == DK_ERR_STEPS, "from_betas T = 0");
    const double bad[3][3] = {{0.1, 0.0, 0.3}, {0.1, 1.0, 0.3}, {0.1, NAN, 0.3}};
    for (int i = 0; i < 3; i++)
        dk_check(dk_schedule_from_betas(&s, bad[i], 3) == DK_ERR_BETA, "from_betas bad beta %d", i);
    /* abar underflows: 1/sqrt(abar) would overflow float */
    double tiny[40];
    for (int i = 0; i < 40; i++)
        tiny[i] = 0.99;
    dk_check(dk_schedule_from_betas(&s, tiny, 40) == DK_ERR_BETA, "from_betas degenerate");
    dk_check(s == sentinel, "a failed create wrote its output");
    /* getters outside their domain */
    dk_schedule *ok = NULL;
    dk_check(dk_schedule_from_betas(&ok, good, 3) == DK_OK, "from_betas good");
    dk_check(isnan(dk_schedule_beta(ok, 0)) && isnan(dk_schedule_beta(ok, 4)), "beta outside 1..T");
    dk_check(isnan(dk_schedule_alpha_bar(ok, -1)) && isnan(dk_schedule_alpha_bar(ok, 4)), "abar outside");
    dk_check(dk_schedule_alpha_bar(ok, 0) == 1.0, "abar_0 = 1");
    dk_check(isnan(dk_schedule_posterior_variance(ok, 0)), "posterior variance at 0");
    dk_check(isnan(dk_schedule_beta(NULL, 1)) && dk_schedule_steps(NULL) == 0, "NULL schedule getters");
    dk_schedule_destroy(ok);
    dk_schedule_destroy(NULL);
}

static void check_noise_errors(const dk_schedule *s)
{
    const int32_t T = dk_schedule_steps(s);
    int32_t t[ROWS] = {1, 2, 3, T};
    int32_t t0[ROWS] = {0, 1, 2, 3};
    int32_t t_over[ROWS] = {1, 2, T + 1, 3};
    const size_t huge = (size_t)1 << 40;
    const dk_noise nz = {1, 2, 3};
    const dk_noise at_end = {1, 2, UINT64_MAX - N + 1}; /* the last index would be 2^64 */
    const dk_step_opts bad_pred = {(dk_prediction)3, DK_VAR_FIXED_SMALL, 0};
    const dk_step_opts bad_var = {DK_PRED_EPSILON, (dk_variance)2, 0};
    const dk_step_opts nan_clip = {DK_PRED_SAMPLE, DK_VAR_FIXED_SMALL, NAN};

    mark_output();
    /* dk_randn */
    expect(dk_randn(nz, NULL, N), DK_ERR_NULL_POINTER, "randn out NULL");
    expect(dk_randn(nz, out, SIZE_MAX / 2), DK_ERR_SIZE_OVERFLOW, "randn n overflow");
    expect(dk_randn(at_end, out, N), DK_ERR_NOISE_RANGE, "randn offset + n past 2^64 - 1");
    expect(dk_randn(nz, NULL, 0), DK_OK, "randn n = 0");
    const dk_noise last = {1, 2, UINT64_MAX - N};
    dk_check(dk_randn(last, out, N) == DK_OK, "randn up to index 2^64 - 1");
    mark_output();

    /* dk_q_sample_randn */
    expect(dk_q_sample_randn(NULL, t, ROWS, DIM, x, nz, eps_out, out), DK_ERR_NULL_POINTER,
           "q_sample_randn s NULL");
    expect(dk_q_sample_randn(s, NULL, ROWS, DIM, x, nz, eps_out, out), DK_ERR_NULL_POINTER,
           "q_sample_randn t NULL");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, NULL, nz, eps_out, out), DK_ERR_NULL_POINTER,
           "q_sample_randn x0 NULL");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, x, nz, eps_out, NULL), DK_ERR_NULL_POINTER,
           "q_sample_randn xt NULL");
    expect(dk_q_sample_randn(s, t_over, ROWS, DIM, x, nz, eps_out, out), DK_ERR_TIMESTEP,
           "q_sample_randn t > T");
    expect(dk_q_sample_randn(s, t, huge, huge, x, nz, eps_out, out), DK_ERR_SIZE_OVERFLOW,
           "q_sample_randn overflow");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, x, at_end, eps_out, out), DK_ERR_NOISE_RANGE,
           "q_sample_randn noise range");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, out + 1, nz, eps_out, out), DK_ERR_OVERLAP,
           "q_sample_randn x0 overlaps xt");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, x, nz, out + 4, out), DK_ERR_OVERLAP,
           "q_sample_randn eps_out overlaps xt");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, x, nz, out, out), DK_ERR_OVERLAP,
           "q_sample_randn eps_out is xt");
    expect(dk_q_sample_randn(s, t, ROWS, DIM, eps_out + 1, nz, eps_out, out), DK_ERR_OVERLAP,
           "q_sample_randn x0 overlaps eps_out");
    expect(dk_q_sample_randn(s, NULL, 0, DIM, NULL, nz, NULL, NULL), DK_OK, "q_sample_randn rows = 0");

    /* dk_p_step_randn */
    expect(dk_p_step_randn(NULL, t, ROWS, DIM, x, m, nz, NULL, out), DK_ERR_NULL_POINTER,
           "p_step_randn s NULL");
    expect(dk_p_step_randn(s, NULL, ROWS, DIM, x, m, nz, NULL, out), DK_ERR_NULL_POINTER,
           "p_step_randn t NULL");
    expect(dk_p_step_randn(s, t, ROWS, DIM, NULL, m, nz, NULL, out), DK_ERR_NULL_POINTER,
           "p_step_randn xt NULL");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, NULL, nz, NULL, out), DK_ERR_NULL_POINTER,
           "p_step_randn model_out NULL");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, m, nz, NULL, NULL), DK_ERR_NULL_POINTER,
           "p_step_randn x_prev NULL");
    expect(dk_p_step_randn(s, t0, ROWS, DIM, x, m, nz, NULL, out), DK_ERR_TIMESTEP, "p_step_randn t = 0");
    expect(dk_p_step_randn(s, t_over, ROWS, DIM, x, m, nz, NULL, out), DK_ERR_TIMESTEP, "p_step_randn t > T");
    expect(dk_p_step_randn(s, t, huge, huge, x, m, nz, NULL, out), DK_ERR_SIZE_OVERFLOW,
           "p_step_randn overflow");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, m, nz, &bad_pred, out), DK_ERR_PREDICTION,
           "p_step_randn prediction 3");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, m, nz, &bad_var, out), DK_ERR_VARIANCE,
           "p_step_randn variance 2");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, m, nz, &nan_clip, out), DK_ERR_CLIP, "p_step_randn clip NaN");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, m, at_end, NULL, out), DK_ERR_NOISE_RANGE,
           "p_step_randn noise range");
    expect(dk_p_step_randn(s, t, ROWS, DIM, out + 2, m, nz, NULL, out), DK_ERR_OVERLAP,
           "p_step_randn xt overlaps");
    expect(dk_p_step_randn(s, t, ROWS, DIM, x, out + 1, nz, NULL, out), DK_ERR_OVERLAP,
           "p_step_randn model_out overlaps");
    expect(dk_p_step_randn(s, NULL, 0, DIM, NULL, NULL, nz, NULL, NULL), DK_OK, "p_step_randn rows = 0");

    /* exact aliasing is allowed: xt in place, and eps_out replacing x0 */
    float in_place[N];
    memcpy(in_place, x, sizeof in_place);
    dk_check(dk_q_sample_randn(s, t, ROWS, DIM, in_place, nz, NULL, in_place) == DK_OK,
             "q_sample_randn in place");
    dk_check(dk_q_sample_randn(s, t, ROWS, DIM, in_place, nz, in_place, out) == DK_OK,
             "q_sample_randn eps_out is x0");
    dk_check(dk_p_step_randn(s, t, ROWS, DIM, in_place, m, nz, NULL, in_place) == DK_OK,
             "p_step_randn in place");
    mark_output();
}

static void check_kernel_errors(const dk_schedule *s)
{
    const int32_t T = dk_schedule_steps(s);
    int32_t t[ROWS] = {1, 2, 3, T};
    int32_t t0[ROWS] = {0, 1, 2, 3};
    int32_t t_over[ROWS] = {1, 2, T + 1, 3};
    int32_t t_neg[ROWS] = {1, -1, 2, 3};
    const size_t huge = (size_t)1 << 40;

    mark_output();
    /* dk_q_sample */
    expect(dk_q_sample(NULL, t, ROWS, DIM, x, m, out), DK_ERR_NULL_POINTER, "q_sample s NULL");
    expect(dk_q_sample(s, NULL, ROWS, DIM, x, m, out), DK_ERR_NULL_POINTER, "q_sample t NULL");
    expect(dk_q_sample(s, t, ROWS, DIM, NULL, m, out), DK_ERR_NULL_POINTER, "q_sample x0 NULL");
    expect(dk_q_sample(s, t, ROWS, DIM, x, NULL, out), DK_ERR_NULL_POINTER, "q_sample eps NULL");
    expect(dk_q_sample(s, t, ROWS, DIM, x, m, NULL), DK_ERR_NULL_POINTER, "q_sample xt NULL");
    expect(dk_q_sample(s, t_over, ROWS, DIM, x, m, out), DK_ERR_TIMESTEP, "q_sample t > T");
    expect(dk_q_sample(s, t_neg, ROWS, DIM, x, m, out), DK_ERR_TIMESTEP, "q_sample t < 0");
    expect(dk_q_sample(s, t, huge, huge, x, m, out), DK_ERR_SIZE_OVERFLOW, "q_sample rows * dim overflow");
    expect(dk_q_sample(s, t, SIZE_MAX / 2, 0, x, m, out), DK_ERR_SIZE_OVERFLOW, "q_sample rows overflow");
    expect(dk_q_sample(s, t, ROWS, DIM, out + 1, m, out), DK_ERR_OVERLAP, "q_sample x0 overlaps xt");
    expect(dk_q_sample(s, t, ROWS, DIM, x, out + 3, out), DK_ERR_OVERLAP, "q_sample eps overlaps xt");
    /* zero elements: NULL arrays are fine, nothing is read or written */
    expect(dk_q_sample(s, NULL, 0, DIM, NULL, NULL, NULL), DK_OK, "q_sample rows = 0");
    expect(dk_q_sample(s, t, ROWS, 0, NULL, NULL, NULL), DK_OK, "q_sample dim = 0");
    expect(dk_q_sample(s, t_over, ROWS, 0, NULL, NULL, NULL), DK_ERR_TIMESTEP, "q_sample dim = 0, bad t");

    /* dk_p_step */
    const dk_step_opts bad_pred = {(dk_prediction)3, DK_VAR_FIXED_SMALL, 0};
    const dk_step_opts neg_pred = {(dk_prediction)-1, DK_VAR_FIXED_SMALL, 0};
    const dk_step_opts bad_var = {DK_PRED_EPSILON, (dk_variance)2, 0};
    const dk_step_opts neg_clip = {DK_PRED_EPSILON, DK_VAR_FIXED_SMALL, -1.0f};
    const dk_step_opts nan_clip = {DK_PRED_SAMPLE, DK_VAR_FIXED_SMALL, NAN};
    expect(dk_p_step(NULL, t, ROWS, DIM, x, m, z, NULL, out), DK_ERR_NULL_POINTER, "p_step s NULL");
    expect(dk_p_step(s, NULL, ROWS, DIM, x, m, z, NULL, out), DK_ERR_NULL_POINTER, "p_step t NULL");
    expect(dk_p_step(s, t, ROWS, DIM, NULL, m, z, NULL, out), DK_ERR_NULL_POINTER, "p_step xt NULL");
    expect(dk_p_step(s, t, ROWS, DIM, x, NULL, z, NULL, out), DK_ERR_NULL_POINTER, "p_step model_out NULL");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, z, NULL, NULL), DK_ERR_NULL_POINTER, "p_step x_prev NULL");
    expect(dk_p_step(s, t0, ROWS, DIM, x, m, z, NULL, out), DK_ERR_TIMESTEP, "p_step t = 0");
    expect(dk_p_step(s, t_over, ROWS, DIM, x, m, z, NULL, out), DK_ERR_TIMESTEP, "p_step t > T");
    expect(dk_p_step(s, t, huge, huge, x, m, z, NULL, out), DK_ERR_SIZE_OVERFLOW, "p_step overflow");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, z, &bad_pred, out), DK_ERR_PREDICTION, "p_step prediction 3");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, z, &neg_pred, out), DK_ERR_PREDICTION, "p_step prediction -1");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, z, &bad_var, out), DK_ERR_VARIANCE, "p_step variance 2");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, z, &neg_clip, out), DK_ERR_CLIP, "p_step clip < 0");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, z, &nan_clip, out), DK_ERR_CLIP, "p_step clip NaN");
    expect(dk_p_step(s, t, ROWS, DIM, out + 2, m, z, NULL, out), DK_ERR_OVERLAP, "p_step xt overlaps");
    expect(dk_p_step(s, t, ROWS, DIM, x, out + 1, z, NULL, out), DK_ERR_OVERLAP, "p_step model_out overlaps");
    expect(dk_p_step(s, t, ROWS, DIM, x, m, out + 5, NULL, out), DK_ERR_OVERLAP, "p_step z overlaps");
    expect(dk_p_step(s, NULL, 0, DIM, NULL, NULL, NULL, NULL, NULL), DK_OK, "p_step rows = 0");

    /* the timesteps inside the output are rejected too */
    float buf[N + 8];
    const int32_t valid[ROWS] = {1, 1, 2, 2};
    memcpy(buf + N - 2, valid, sizeof valid);
    memcpy(buf, x, (N - 2) * sizeof(float));
    expect(dk_q_sample(s, (const int32_t *)(buf + N - 2), ROWS, DIM, x, m, buf), DK_ERR_OVERLAP,
           "q_sample t overlaps xt");
    dk_check(dk_first_diff(buf, x, N - 2) == N - 2, "q_sample t overlap: output written");

    /* exact aliasing (in place) is allowed */
    float in_place[N];
    memcpy(in_place, x, sizeof in_place);
    dk_check(dk_q_sample(s, t, ROWS, DIM, in_place, m, in_place) == DK_OK, "q_sample in place");
    dk_check(dk_p_step(s, t, ROWS, DIM, in_place, m, z, NULL, in_place) == DK_OK, "p_step in place");
}

static void check_isa_errors(void)
{
    dk_check(dk_isa_select((dk_isa)DK_ISA_COUNT) == DK_ERR_ISA_INVALID, "select ISA 5");
    dk_check(dk_isa_select((dk_isa)-1) == DK_ERR_ISA_INVALID, "select ISA -1");
    dk_check(strcmp(dk_isa_name((dk_isa)99), "unknown") == 0, "name of ISA 99");
    dk_check(!dk_isa_supported((dk_isa)99), "ISA 99 supported");
    const dk_isa before = dk_isa_active();
    for (int i = 0; i < DK_ISA_COUNT; i++)
        if (!dk_isa_supported((dk_isa)i))
            dk_check(dk_isa_select((dk_isa)i) == DK_ERR_ISA_UNSUPPORTED, "select unsupported %s",
                     dk_isa_name((dk_isa)i));
    dk_check(dk_isa_active() == before, "a failed select changed the ISA");
    dk_check(dk_isa_supported(DK_ISA_SCALAR), "scalar unsupported");
}

int main(void)
{
    dk_schedule *s = NULL;
    if (dk_schedule_create(&s, DK_BETA_LINEAR, 10, 1e-4, 0.02) != DK_OK)
        return 1;
    check_status_strings();
    check_schedule_errors();
    check_kernel_errors(s);
    check_noise_errors(s);
    check_isa_errors();
    dk_schedule_destroy(s);
    return dk_test_finish("test_errors");
}
