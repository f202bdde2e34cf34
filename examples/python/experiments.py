#!/usr/bin/python3
"""The seed documents' experiments, end to end, with diffkern doing the
diffusion: the forward process on 1D bimodal data, the beta schedules, and
a small MLP denoiser trained on 2D data (Swiss roll, two moons, S-curve)
with diffkern's timestep draws, noising and loss, then sampled with DDPM
and DDIM through diffkern; beside it the same loop written in plain torch.

It prints, per dataset, the energy distance between samples and held-out
data (diffkern and plain torch, DDPM and DDIM), and the wall time of the
diffusion part of each loop (timestep draws, noising, loss and its
gradient, the sampling steps; not the network), at one thread for both.
The figures go to OUT (PNG).

usage: /usr/bin/python3 examples/python/experiments.py [--quick] [--out DIR]
needs: python3-numpy python3-torch python3-sklearn python3-matplotlib, and
the diffkern package (pip install, or PYTHONPATH=<build>/python).
"""
import argparse
import math
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import make_moons, make_s_curve, make_swiss_roll  # noqa: E402

import diffkern as dk  # noqa: E402
import diffkern.torch as dkt  # noqa: E402

T = 200  # the 2D experiments' steps; DDPM's linear betas scaled by 1000 / T (Nichol & Dhariwal 2021)


# ---- the forward process and the schedules ----

def bimodal(n, rng):
    """0.5 N(-2, 0.3^2) + 0.5 N(2, 0.3^2)."""
    return (np.where(rng.random(n) < 0.5, -2.0, 2.0) + 0.3 * rng.standard_normal(n)).astype(np.float32)


def figure_forward(out_dir, n):
    s = dk.Schedule("linear", 200, 1e-4 * 5, 0.02 * 5)
    x0 = bimodal(n, np.random.default_rng(0))
    fig, axes = plt.subplots(1, 6, figsize=(15, 2.6), sharey=True)
    for ax, t in zip(axes, (0, 20, 50, 100, 150, 199)):
        xt = dk.q_sample_randn(s, np.full(n, t, np.int32), x0, (1, t, 0))  # one value per row
        ax.hist(xt, bins=80, range=(-4, 4), density=True, color="tab:blue")
        ax.set_title(f"t = {t}, abar = {s.alpha_bar(t):.3f}")
    fig.suptitle("The forward process on 0.5 N(-2, 0.3^2) + 0.5 N(2, 0.3^2), linear schedule, T = 200")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "forward.png"), dpi=90)
    plt.close(fig)


def figure_schedules(out_dir):
    T_ = 1000
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for kind, b0, b1 in (("linear", 1e-4, 0.02), ("cosine", 0, 0), ("sigmoid", 1e-4, 0.02)):
        s = dk.Schedule(kind, T_, b0, b1)
        t = np.arange(1, T_ + 1)
        axes[0].plot(t, [s.beta(int(k)) for k in t], label=kind)
        axes[1].plot(t, [s.alpha_bar(int(k)) for k in t], label=kind)
    axes[0].set_title("beta_t")
    axes[0].set_yscale("log")
    axes[1].set_title("alpha_bar_t")
    for ax in axes:
        ax.set_xlabel("t")
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "schedules.png"), dpi=90)
    plt.close(fig)


# ---- 2D data and the denoiser ----

def dataset(name, n, seed):
    if name == "swiss roll":
        x = make_swiss_roll(n, noise=0.5, random_state=seed)[0][:, [0, 2]] / 7.0
    elif name == "two moons":
        x = make_moons(n, noise=0.05, random_state=seed)[0] - np.array([0.5, 0.25])
    else:
        x = make_s_curve(n, noise=0.05, random_state=seed)[0][:, [0, 2]]
    return np.ascontiguousarray((x - x.mean(0)) / x.std(0), np.float32)


class Denoiser(torch.nn.Module):
    """eps_hat(x_t, t): an MLP on x_t and a sinusoidal embedding of t."""

    def __init__(self, hidden=128, freqs=8):
        super().__init__()
        self.freqs = torch.exp(torch.linspace(0, math.log(T), freqs))
        self.net = torch.nn.Sequential(torch.nn.Linear(2 + 2 * freqs, hidden), torch.nn.SiLU(),
                                       torch.nn.Linear(hidden, hidden), torch.nn.SiLU(),
                                       torch.nn.Linear(hidden, hidden), torch.nn.SiLU(),
                                       torch.nn.Linear(hidden, 2))

    def forward(self, x, t):
        a = t.float()[:, None] / T * self.freqs[None, :]
        return self.net(torch.cat([x, torch.sin(a), torch.cos(a)], dim=1))


class Clock:
    """Wall time of the diffusion part of a loop."""

    def __init__(self):
        self.seconds = 0.0

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self.start


def train_diffkern(data, s, steps, batch, clock, seed):
    torch.manual_seed(seed)
    model = Denoiser()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    rng = np.random.default_rng(seed)
    for step in range(steps):
        x0 = torch.from_numpy(data[rng.integers(0, len(data), batch)])
        noise = (seed, 1, step * batch * 2)
        with clock:
            t = torch.from_numpy(dk.sample_timesteps((seed, 2, step * batch), T, batch))
            xt = dk.q_sample_randn(s, t, x0, noise)
        out = model(xt, t)
        with clock:  # the loss and its gradient: the kernel computes both here
            loss = dkt.diffusion_loss(out, x0, t, noise, s)
        opt.zero_grad()
        loss.backward()  # the kernel's gradient handed to the network's own backward
        opt.step()
    return model


def train_torch(data, ab, steps, batch, clock, seed):
    torch.manual_seed(seed)
    model = Denoiser()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    for step in range(steps):
        x0 = torch.from_numpy(data[rng.integers(0, len(data), batch)])
        with clock:
            t = torch.randint(1, T + 1, (batch,), generator=gen)
            eps = torch.randn(x0.shape, generator=gen)
            a = ab[t][:, None]
            xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        out = model(xt, t)
        with clock:  # the loss only: its gradient runs inside the network's backward, not counted
            loss = torch.nn.functional.mse_loss(out, eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


@torch.no_grad()
def sample_diffkern(model, s, n, ddim, clock, seed, start=None):
    x = torch.from_numpy(dk.randn((seed, 9, 0), n * 2).reshape(n, 2)) if start is None else start.clone()
    if ddim:
        ts, tps = dk.timesteps(T, 50, "leading", 1)
        pairs = zip(ts, tps)
    else:
        pairs = ((t, t - 1) for t in range(T, 0, -1))
    for i, (t, tp) in enumerate(pairs):
        tt = torch.full((n,), int(t), dtype=torch.int32)
        m = model(x, tt)
        with clock:
            if ddim:
                x = dk.ddim_step(s, tt, np.full(n, int(tp), np.int32), x, m, clip=0.0)
            else:
                x = dk.p_step_randn(s, tt, x, m, (seed, 10, i * n * 2))
    return x.numpy()


@torch.no_grad()
def sample_torch(model, ab, n, ddim, clock, seed, start=None):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((n, 2), generator=gen) if start is None else start.clone()
    steps = [(int(t), int(tp)) for t, tp in zip(*dk.timesteps(T, 50, "leading", 1))] if ddim \
        else [(t, t - 1) for t in range(T, 0, -1)]
    for t, tp in steps:
        m = model(x, torch.full((n,), t, dtype=torch.int32))
        with clock:
            a, ap = ab[t], ab[tp]
            x0 = (x - (1 - a).sqrt() * m) / a.sqrt()
            if ddim:
                x = ap.sqrt() * x0 + (1 - ap).sqrt() * m
            else:
                beta = 1 - a / ap
                mean = ap.sqrt() * beta / (1 - a) * x0 + (1 - beta).sqrt() * (1 - ap) / (1 - a) * x
                x = mean + ((1 - ap) / (1 - a) * beta).sqrt() * torch.randn((n, 2), generator=gen) if t > 1 else mean
    return x.numpy()


def energy_distance(a, b):
    a, b = torch.from_numpy(a).double(), torch.from_numpy(b).double()
    return float(2 * torch.cdist(a, b).mean() - torch.cdist(a, a).mean() - torch.cdist(b, b).mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run: few steps and samples")
    ap.add_argument("--out", default="doc/experiments", help="where the figures go")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # both loops on one thread; diffkern's calls use one thread too
    steps, batch, n = (150, 128, 500) if args.quick else (4000, 256, 2000)
    figure_forward(args.out, 2000 if args.quick else 50000)
    figure_schedules(args.out)
    s = dk.Schedule("linear", T, 1e-4 * 1000 / T, 0.02 * 1000 / T)
    ab = torch.tensor([s.alpha_bar(k) for k in range(T + 1)], dtype=torch.float32)
    print(f"{steps} training steps of {batch}, {n} samples, T = {T}, one thread; diffkern on "
          f"{dk.isa_name(dk.isa_active())}")
    print(f"{'dataset':12} {'loop':9} {'DDPM energy':>12} {'DDIM-50 energy':>15} {'data vs data':>13} "
          f"{'diffusion part, s':>18}")
    names = ("swiss roll", "two moons", "s-curve")
    sampler_gap = []
    fig, axes = plt.subplots(len(names), 5, figsize=(17, 3.4 * len(names)))
    for row, name in enumerate(names):
        data, held = dataset(name, 20000, 0), dataset(name, n, 1)
        floor = energy_distance(dataset(name, n, 2), held)
        panels = [("data", held)]
        for loop in ("diffkern", "torch"):
            clock = Clock()
            if loop == "diffkern":
                model = train_diffkern(data, s, steps, batch, clock, 0)
                ddpm = sample_diffkern(model, s, n, False, clock, 0)
                ddim = sample_diffkern(model, s, n, True, clock, 0)
            else:
                model = train_torch(data, ab, steps, batch, clock, 0)
                ddpm = sample_torch(model, ab, n, False, clock, 0)
                ddim = sample_torch(model, ab, n, True, clock, 0)
            print(f"{name:12} {loop:9} {energy_distance(ddpm, held):12.4f} {energy_distance(ddim, held):15.4f} "
                  f"{floor:13.4f} {clock.seconds:18.3f}")
            if loop == "torch":  # the two DDIM samplers on one model from one start: the same chain
                start = torch.from_numpy(dk.randn((7, 7, 0), n * 2).reshape(n, 2))
                a = sample_diffkern(model, s, n, True, Clock(), 0, start)
                b = sample_torch(model, ab, n, True, Clock(), 0, start)
                sampler_gap.append((name, float(np.abs(a - b).max())))
            panels += [(f"{loop}, DDPM {T}", ddpm), (f"{loop}, DDIM 50", ddim)]
        for ax, (title, pts) in zip(axes[row], panels):
            ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5)
            ax.set_title(f"{name}: {title}")
            ax.set_xlim(-3, 3)
            ax.set_ylim(-3, 3)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "samples.png"), dpi=80)
    plt.close(fig)
    for name, gap in sampler_gap:
        print(f"{name}: DDIM-50 with diffkern and with torch, the torch loop's model, one start: "
              f"largest difference {gap:.2g}")
    print(f"figures: {args.out}/forward.png, schedules.png, samples.png")


if __name__ == "__main__":
    main()
