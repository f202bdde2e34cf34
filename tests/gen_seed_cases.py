#!/usr/bin/env python3
"""Turns ../shared/vectors/seed_cases.json into a C header of test data.

usage: gen_seed_cases.py <seed_cases.json> <output.h>
Only reads and re-prints the numbers: the expected values come from the seed
documents, never from diffkern."""
import json
import sys


def floats(values):
    return "{" + ", ".join(repr(float(v)) for v in values) + "}"


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        cases = json.load(f)["cases"]
    out = ["/* generated from seed_cases.json by gen_seed_cases.py */", "#define SEED_CASE_COUNT %d" % len(cases)]
    for i, c in enumerate(cases):
        n = len(c["x_0"])
        z = c["backward_noise"]
        out.append("static const double seed%d_betas[] = %s;" % (i, floats(c["betas"])))
        for key in ("x_0", "forward_noise", "predicted_noise", "x_t", "x_t_minus_1"):
            out.append("static const float seed%d_%s[] = %s;" % (i, key, floats(c[key])))
        out.append("static const float seed%d_z[] = %s;" % (i, floats(z if z is not None else [0.0] * n)))
    out.append("static const seed_case seed_cases[SEED_CASE_COUNT] = {")
    for i, c in enumerate(cases):
        out.append("    {%d, %d, %d, seed%d_betas, seed%d_x_0, seed%d_forward_noise, seed%d_predicted_noise,"
                   " %s, seed%d_x_t, seed%d_x_t_minus_1}," % (
                       len(c["x_0"]), len(c["betas"]), c["timestep"], i, i, i, i,
                       "seed%d_z" % i if c["backward_noise"] is not None else "NULL", i, i))
    out.append("};")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
