/* The public functions that work on arrays, one row each: the role of every
 * parameter, in the order of its prototype. tests/api.c makes each row into
 * a call from generic arguments (api_args) and into a table of roles, so the
 * error test, the cross-ISA and oracle tests, the noise tests and the fuzzer
 * cover every function here. tests/check_lists.py fails when a function of
 * include/diffkern.h that takes arrays is missing here.
 *
 * DK_API_ROW(function, twin, roles...)
 *   twin       TWIN(f, i): this function is f with its input i generated as
 *              noise (same bits as dk_randn then f); NO_TWIN otherwise.
 *   SCHED      the schedule              T(min)   t[rows], each in min..T
 *   TPREV      t_prev[rows], each in 0..t[r]
 *   ROWS, DIM  the shape                 N        the element count (flat calls)
 *   IN(i, name), IN_OPT(i, name)         input i (optional: may be NULL)
 *   OUT(i, name), OUT_OPT(i, name)       output i
 *   NOISE_OUT(i, name)                   optional output i that receives the generated noise
 *   MEAN_OUT_OPT(i, name)                optional output i scaled by 1 / rows of the whole call (a
 *                                        gradient of a mean over rows): a split of the rows changes it
 *   ROW_OUT_OPT(i, name)                 optional output i of rows floats, one per row; it overlaps nothing
 *   ROW_NATS(i, name)                    output i of rows doubles, one per row; it overlaps nothing
 *   IN_UNIT(i, name)                     input i, data in [-1, 1] (the discretized decoder refuses others)
 *                                        A function whose outputs are all optional needs one of them.
 *   NOISE                                a dk_noise
 *   OPTS       a const dk_step_opts * (NULL allowed) with every option (its uncond is an input too)
 *   OPTS_FLOW  the same for the SDE and ODE steps, which refuse clipping and thresholding
 *   LOSS_OPTS  a const dk_loss_opts * (NULL allowed)
 *   OPTS_MEAN  a const dk_step_opts * for the DDPM step's mean: no thresholding
 *   DECODER    a dk_decoder
 * No include guard: this file is included once per expansion. */

DK_API_ROW(dk_q_sample, NO_TWIN, SCHED, T(0), ROWS, DIM, IN(0, x0), IN(1, eps), OUT(0, xt))
DK_API_ROW(dk_p_step, NO_TWIN, SCHED, T(1), ROWS, DIM, IN(0, xt), IN(1, model_out), IN_OPT(2, z), OPTS,
           OUT(0, x_prev))
DK_API_ROW(dk_randn, NO_TWIN, NOISE, OUT(0, out), N)
DK_API_ROW(dk_q_sample_randn, TWIN(dk_q_sample, 1), SCHED, T(0), ROWS, DIM, IN(0, x0), NOISE,
           NOISE_OUT(1, eps_out), OUT(0, xt))
DK_API_ROW(dk_p_step_randn, TWIN(dk_p_step, 2), SCHED, T(1), ROWS, DIM, IN(0, xt), IN(1, model_out), NOISE,
           OPTS, OUT(0, x_prev))
DK_API_ROW(dk_ddim_step, NO_TWIN, SCHED, T(1), TPREV, ROWS, DIM, IN(0, xt), IN(1, model_out), IN_OPT(2, z),
           OPTS, OUT(0, x_prev))
DK_API_ROW(dk_ddim_step_randn, TWIN(dk_ddim_step, 2), SCHED, T(1), TPREV, ROWS, DIM, IN(0, xt),
           IN(1, model_out), NOISE, OPTS, OUT(0, x_prev))
DK_API_ROW(dk_sde_step, NO_TWIN, SCHED, T(1), TPREV, ROWS, DIM, IN(0, xt), IN(1, model_out), IN_OPT(2, z),
           OPTS_FLOW, OUT(0, x_prev))
DK_API_ROW(dk_sde_step_randn, TWIN(dk_sde_step, 2), SCHED, T(1), TPREV, ROWS, DIM, IN(0, xt),
           IN(1, model_out), NOISE, OPTS_FLOW, OUT(0, x_prev))
DK_API_ROW(dk_ode_step, NO_TWIN, SCHED, T(1), TPREV, ROWS, DIM, IN(0, xt), IN(1, model_out), OPTS_FLOW,
           OUT(0, x_prev))
DK_API_ROW(dk_loss, NO_TWIN, SCHED, T(1), ROWS, DIM, IN(0, x0), IN(1, eps), IN(2, model_out), LOSS_OPTS,
           ROW_OUT_OPT(1, row_loss), MEAN_OUT_OPT(0, grad))
DK_API_ROW(dk_loss_randn, TWIN(dk_loss, 1), SCHED, T(1), ROWS, DIM, IN(0, x0), NOISE, IN(1, model_out),
           LOSS_OPTS, ROW_OUT_OPT(1, row_loss), MEAN_OUT_OPT(0, grad))
DK_API_ROW(dk_vlb_terms, NO_TWIN, SCHED, T(1), ROWS, DIM, IN_UNIT(0, x0), IN(1, xt), IN(2, model_out),
           OPTS_MEAN, DECODER, ROW_NATS(0, nats))
DK_API_ROW(dk_prior_kl, NO_TWIN, SCHED, ROWS, DIM, IN(0, x0), ROW_NATS(0, nats))
