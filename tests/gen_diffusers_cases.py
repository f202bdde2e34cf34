#!/usr/bin/env python3
"""Turns tests/vectors/diffusers_schedulers.json into a C header of test data.

usage: gen_diffusers_cases.py <diffusers_schedulers.json> <diffusers_linear_alphas_cumprod.json> <output.h>
Only reads and re-prints the numbers: the expected values are diffusers'
own outputs, never diffkern's. The configurations are diffusers' defaults
(DDIMScheduler and DDPMScheduler: T = 1000, linear 1e-4 .. 0.02,
set_alpha_to_one, steps_offset 0, leading spacing, clip_sample_range 1,
dynamic_thresholding_ratio 0.995, sample_max_value 1) but for what each case
sets."""
import json
import sys

SPACING = {"leading": "DK_SPACING_LEADING", "trailing": "DK_SPACING_TRAILING", "linspace": "DK_SPACING_LINSPACE"}
PRED = {"epsilon": "DK_PRED_EPSILON", "sample": "DK_PRED_SAMPLE", "v_prediction": "DK_PRED_V"}
SCHED = {"linear": "DK_BETA_LINEAR", "scaled_linear": "DK_BETA_SCALED_LINEAR", "squaredcos_cap_v2": "DK_BETA_COSINE"}


def floats(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


def ints(values):
    return "{" + ", ".join(str(int(v)) for v in values) + "}"


def main():
    src, alphas, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(src) as f:
        d = json.load(f)
    with open(alphas) as f:
        linear = json.load(f)["alphas_cumprod"]
    out = ["/* generated from diffusers_schedulers.json by gen_diffusers_cases.py */",
           f"static const double diffusers_linear_alpha_bar[{len(linear)}] = {floats(linear)};"]

    rows = []
    for i, c in enumerate(d["ddim_timesteps"]):
        out.append(f"static const int32_t ts{i}_k[] = {ints(c['timesteps'])};")
        out.append(f"static const int32_t ts{i}_prev[] = {ints(c['prev_timesteps'])};")
        rows.append(f"    {{{c['T']}, {c['steps']}, {SPACING[c['timestep_spacing']]}, {c['steps_offset']}, "
                    f"ts{i}_k, ts{i}_prev}},")
    out.append("static const timesteps_case timesteps_cases[] = {\n" + "\n".join(rows) + "\n};")

    rows = []
    for i, c in enumerate(d["alphas_cumprod"]):
        cfg = c["config"]
        out.append(f"static const int32_t ac{i}_k[] = {ints(c['k'])};")
        out.append(f"static const double ac{i}_v[] = {floats(c['alphas_cumprod'])};")
        rows.append(f"    {{{SCHED[cfg['beta_schedule']]}, {cfg.get('beta_start', 0.0001)!r}, "
                    f"{cfg.get('beta_end', 0.02)!r}, {int(cfg.get('rescale_betas_zero_snr', False))}, "
                    f"{len(c['k'])}, ac{i}_k, ac{i}_v}},")
    out.append("static const alphas_case alphas_cases[] = {\n" + "\n".join(rows) + "\n};")

    def step_rows(cases, prefix, ddim):
        rows = []
        for i, c in enumerate(cases):
            cfg = c["config"]
            n = c["rows"] * c["dim"]
            for key in ("sample", "model_output", "prev_sample"):
                out.append(f"static const float {prefix}{i}_{key}[] = {floats(c[key])};")
            noise = c["variance_noise"]
            if noise is not None:
                out.append(f"static const float {prefix}{i}_noise[] = {floats(noise)};")
            rows.append(
                f"    {{{PRED[cfg.get('prediction_type', 'epsilon')]}, "
                f"{float(cfg.get('clip_sample_range', 1.0)) if cfg.get('clip_sample', True) else 0.0!r}f, "
                f"{float(cfg.get('dynamic_thresholding_ratio', 0.995)) if cfg.get('thresholding') else 0.0!r}f, "
                f"{float(cfg.get('sample_max_value', 1.0))!r}f, "
                f"{int(cfg.get('variance_type', 'fixed_small') == 'fixed_large')}, "
                f"{c.get('steps', 0)}, {c['timestep']}, {c.get('prev_timestep', c['timestep'] - 1)}, "
                f"{float(c.get('eta', 0.0))!r}f, {int(bool(c.get('use_clipped_model_output', False)))}, "
                f"{c['rows']}, {c['dim']}, {prefix}{i}_sample, {prefix}{i}_model_output, "
                f"{prefix + str(i) + '_noise' if noise is not None else 'NULL'}, {prefix}{i}_prev_sample}},")
            assert len(c["sample"]) == n
        return rows

    out.append("static const step_case ddim_cases[] = {\n" + "\n".join(step_rows(d["ddim_step"], "ddim", True))
               + "\n};")
    out.append("static const step_case ddpm_cases[] = {\n" + "\n".join(step_rows(d["ddpm_step"], "ddpm", False))
               + "\n};")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
