#!/usr/bin/env python3
"""Writes tests/vectors/diffusers_linear_alphas_cumprod.json: the float32
alphas_cumprod of diffusers' default schedule (linear 1e-4 .. 0.02, T = 1000)
as diffusers computes it, with torch:
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float32)
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
test_diffusers builds its schedule from these with dk_schedule_from_alpha_bar,
so that a step compares with diffusers' float32 arithmetic on the same
alpha_bar, and checks them against the seven values diffusers_schedulers.json
gives. Run by hand (needs python3-torch); the file is committed.

usage: make_diffusers_alphas.py <out.json>"""
import json
import sys

import torch


def main():
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float32)
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
    with open(sys.argv[1], "w") as f:
        json.dump({"about": __doc__.strip().splitlines()[0] + " (torch " + torch.__version__ + ")",
                   "alphas_cumprod": [float(v) for v in alphas_cumprod]}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
