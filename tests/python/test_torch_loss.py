"""diffkern.torch.diffusion_loss against the same loss written in torch
(float64 autograd on eps drawn by diffkern.randn at the same indices):
forward and gradient within float32 rounding, every prediction and
weighting, reductions 'mean' and 'none'; and loss.backward() trains a
small linear model. Skipped, and says so, without torch.

usage: PYTHONPATH=<build>/python python3 tests/python/test_torch_loss.py
"""
import sys
import unittest

import numpy as np

import diffkern as dk

try:
    import torch
    import diffkern.torch as dkt
except ImportError:
    torch = None

OPTIONS = [(p, w) for p in ("epsilon", "sample", "v_prediction", "score") for w in ("none", "min_snr", "p2")]


def reference(m, x0, t, eps, s, prediction, weighting, gamma, k):
    """The loss per row in float64 torch, from the formulas (README: Training)."""
    ab = torch.tensor([s.alpha_bar(int(v)) for v in t], dtype=torch.float64)[:, None]
    a, b = ab.sqrt(), (1 - ab).sqrt()
    target = {"epsilon": eps, "sample": x0, "v_prediction": a * eps - b * x0, "score": -eps / b}[prediction]
    snr = ab / (1 - ab)
    eps_like = prediction in ("epsilon", "score")
    if weighting == "min_snr":
        w = torch.where(snr > 0, torch.minimum(snr, torch.tensor(gamma, dtype=torch.float64)) / snr, 1.0) \
            if eps_like else (torch.minimum(snr, torch.tensor(gamma, dtype=torch.float64)) /
                              (snr + 1 if prediction == "v_prediction" else 1))
    elif weighting == "p2":
        w = (k + snr) ** -gamma
    else:
        w = torch.ones_like(ab)
    if prediction == "score":
        w = w * (1 - ab)
    return (w * (m - target) ** 2).mean(dim=1)


@unittest.skipIf(torch is None, "torch is not installed")
class AgainstTorch(unittest.TestCase):
    def setUp(self):
        self.s = dk.Schedule("linear", 1000)
        rows, dim = 6, 40
        rng = np.random.default_rng(7)
        self.t = torch.from_numpy(np.array([1, 2, 10, 500, 999, 1000], np.int32))
        self.x0 = torch.from_numpy(rng.standard_normal((rows, dim)).astype(np.float32))
        self.noise = (11, 3, 64)
        self.eps = torch.from_numpy(dk.randn(self.noise, rows * dim).reshape(rows, dim))
        self.m = torch.from_numpy(rng.standard_normal((rows, dim)).astype(np.float32))

    def run_case(self, prediction, weighting, reduction, grad_out=None):
        gamma, k = (5.0, 0.0) if weighting == "min_snr" else (1.0, 1.0)
        m = self.m.clone().requires_grad_(True)
        loss = dkt.diffusion_loss(m, self.x0, self.t, self.noise, self.s, prediction, weighting, gamma, k,
                                  reduction=reduction)
        m64 = self.m.double().requires_grad_(True)
        rows = reference(m64, self.x0.double(), self.t, self.eps.double(), self.s, prediction, weighting, gamma, k)
        want = rows.mean() if reduction == "mean" else rows
        g = torch.ones(()) if reduction == "mean" else grad_out
        loss.backward(g)
        want.backward(g.double())
        scale = float(want.abs().max()) + 1e-30
        self.assertLessEqual(float((loss.double() - want).abs().max()) / scale, 1e-5, (prediction, weighting))
        gscale = float(m64.grad.abs().max()) + 1e-30
        self.assertLessEqual(float((m.grad.double() - m64.grad).abs().max()) / gscale, 1e-5,
                             (prediction, weighting, reduction))

    def test_mean(self):
        for p, w in OPTIONS:
            self.run_case(p, w, "mean")

    def test_none(self):
        g = torch.linspace(-1, 2, 6)
        for p, w in OPTIONS:
            self.run_case(p, w, "none", g)

    def test_trains(self):
        # a linear model eps_hat = a[t] x_t on x0 ~ N(0, 0.5^2): the loss falls
        s = dk.Schedule("linear", 100, 1e-3, 0.2)
        a = torch.zeros(101, requires_grad=True)
        opt = torch.optim.SGD([a], lr=20.0)
        losses = []
        for step in range(300):
            x0 = torch.from_numpy(dk.randn((1, 1, step * 4096), 4096).reshape(64, 64) * np.float32(0.5))
            t = torch.from_numpy(dk.sample_timesteps((1, 2, step * 64), 100, 64))
            noise = (1, 3, step * 4096)
            xt = dk.q_sample_randn(s, t, x0, noise)
            out = (a[t.long()][:, None] * xt).contiguous()
            loss = dkt.diffusion_loss(out, x0, t, noise, s)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
        self.assertLess(np.mean(losses[-20:]), 0.5 * np.mean(losses[:5]))


if __name__ == "__main__":
    if torch is None:
        print("torch is not installed: the diffkern.torch cases are skipped")
    unittest.main(verbosity=1)
