"""diffkern.schedulers against diffusers' own DDIMScheduler and DDPMScheduler
outputs (tests/vectors/diffusers_schedulers.json), with variance_noise given:

- timesteps and their previous timesteps exactly, every spacing and offset;
- alphas_cumprod within 1e-6 (diffusers computes it in float32);
- DDIM steps (every prediction, eta 0, 0.5 and 1, clipping,
  use_clipped_model_output, thresholding): prev_sample and
  pred_original_sample within 1e-5 of the values' scale (the largest |value|
  of the case, at least 1); diffkern's schedule is in double, diffusers' in
  float32, and 1e-5 covers their difference at these steps;
- DDPM steps (fixed_small and fixed_large, clipping, v prediction): the same,
  plus diffusers' own float32 rounding of current_beta_t = 1 - abar_t /
  abar_{t-1}, within 2^-24 absolute, so 2^-24 / beta_t relative, which scales
  the x0 term c0 x0 and, halved, the noise term (tests/test_diffusers.c);
- the torch path gives the numpy path's bits; a diffkern.Generator draws
  counter-based noise (the same bits as diffkern.randn at its indices);
  add_noise is q_sample; get_velocity is sqrt(abar) eps - sqrt(1 - abar) x0.

usage: PYTHONPATH=<build>/python python3 tests/python/test_schedulers.py [<diffusers_schedulers.json>]
"""
import json
import math
import os
import sys
import unittest

import numpy as np

import diffkern as dk
from diffkern import Generator
from diffkern.schedulers import DDIMScheduler, DDPMScheduler

try:
    import torch
except ImportError:
    torch = None

VECTORS = os.environ.get("DIFFKERN_VECTORS") or os.path.join(os.path.dirname(__file__), "..", "vectors",
                                                             "diffusers_schedulers.json")


def load():
    with open(VECTORS) as f:
        return json.load(f)


def arr(case, key):
    return np.array(case[key], np.float32).reshape(case["rows"], case["dim"])


class AgainstDiffusers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = load()

    def test_timesteps(self):
        for c in self.data["ddim_timesteps"]:
            s = DDIMScheduler(num_train_timesteps=c["T"], timestep_spacing=c["timestep_spacing"],
                              steps_offset=c["steps_offset"])
            s.set_timesteps(c["steps"])
            self.assertEqual([int(k) for k in s.timesteps], c["timesteps"], c)
            prev = [s._prev[int(k)] - 1 if s._prev[int(k)] > 0 else -1 for k in s.timesteps]
            want = [p if p >= 0 else -1 for p in c["prev_timesteps"]]
            self.assertEqual(prev, want, c)

    def test_alphas_cumprod(self):
        for c in self.data["alphas_cumprod"]:
            s = DDPMScheduler(**c["config"])
            for k, want in zip(c["k"], c["alphas_cumprod"]):
                self.assertLessEqual(abs(s.alphas_cumprod[k] - want), 1e-6, (c["config"], k))

    def check_step(self, case, ddim):
        cls = DDIMScheduler if ddim else DDPMScheduler
        sch = cls(**case["config"])
        kw = {}
        if ddim:
            sch.set_timesteps(case["steps"])
            kw = dict(eta=case["eta"], use_clipped_model_output=case["use_clipped_model_output"])
        noise = arr(case, "variance_noise") if case["variance_noise"] else None
        out = sch.step(arr(case, "model_output"), case["timestep"], arr(case, "sample"), variance_noise=noise, **kw)
        want = arr(case, "prev_sample")
        scale = max(1.0, float(np.abs(want).max()))
        allowance = 1e-5
        k = case["timestep"]
        if not ddim:  # diffusers' float32 current_beta_t (the module's docstring)
            ab, ap = sch.schedule.alpha_bar(k + 1), sch.schedule.alpha_bar(k)
            beta = 1 - ab / ap
            c0 = math.sqrt(ap) * beta / (1 - ab)
            sigma = math.sqrt(beta if case["config"].get("variance_type") == "fixed_large"
                              else beta * (1 - ap) / (1 - ab))
            x0 = np.abs(out.pred_original_sample).max()
            z = np.abs(noise).max() if noise is not None and k > 0 else 0.0
            allowance += 2 * 2.0**-24 / beta * (c0 * x0 + sigma * z / 2) / scale
        err = float(np.abs(out.prev_sample - want).max()) / scale
        self.assertLessEqual(err, allowance, (case["config"], k, kw))
        want0 = arr(case, "pred_original_sample")
        err0 = float(np.abs(out.pred_original_sample - want0).max()) / max(1.0, float(np.abs(want0).max()))
        self.assertLessEqual(err0, 1e-5 if ddim else allowance, (case["config"], k, kw))
        return err / allowance

    def test_ddim_steps(self):
        worst = max(self.check_step(c, True) for c in self.data["ddim_step"])
        print(f"\n  DDIM: {len(self.data['ddim_step'])} cases, worst {worst:.3f} of the bound", end=" ")

    def test_ddpm_steps(self):
        worst = max(self.check_step(c, False) for c in self.data["ddpm_step"])
        print(f"\n  DDPM: {len(self.data['ddpm_step'])} cases, worst {worst:.3f} of the bound", end=" ")


class Behaviour(unittest.TestCase):
    def test_generator_is_counter_based(self):
        sch = DDIMScheduler(clip_sample=False)
        sch.set_timesteps(50)
        rng = np.random.default_rng(1)
        x = rng.standard_normal((2, 8)).astype(np.float32)
        m = rng.standard_normal((2, 8)).astype(np.float32)
        k = int(sch.timesteps[3])
        a = sch.step(m, k, x, eta=1.0, generator=Generator(5, 2, 100)).prev_sample
        z = dk.randn((5, 2, 100), 16).reshape(2, 8)
        b = sch.step(m, k, x, eta=1.0, variance_noise=z).prev_sample
        self.assertTrue(np.array_equal(a, b))
        g = Generator(5, 2, 0)
        sch.step(m, k, x, eta=1.0, generator=g)
        self.assertEqual(g.offset, 16)

    def test_add_noise_and_velocity(self):
        sch = DDPMScheduler()
        rng = np.random.default_rng(2)
        x0 = rng.standard_normal((3, 5)).astype(np.float32)
        eps = rng.standard_normal((3, 5)).astype(np.float32)
        k = np.array([0, 499, 999])
        xt = sch.add_noise(x0, eps, k)
        self.assertTrue(np.array_equal(xt, dk.q_sample(sch.schedule, (k + 1).astype(np.int32), x0, eps)))
        v = sch.get_velocity(x0, eps, k)
        ab = sch.alphas_cumprod[k][:, None]
        self.assertTrue(np.allclose(v, np.sqrt(ab) * eps - np.sqrt(1 - ab) * x0, atol=1e-6))
        self.assertIs(sch.scale_model_input(x0, 3), x0)
        self.assertEqual(sch.order, 1)
        self.assertEqual(sch.init_noise_sigma, 1.0)
        self.assertEqual(sch.config.num_train_timesteps, 1000)

    def test_ddpm_jump(self):
        # DDPM between inference steps 50 apart: diffusers' posterior of the
        # jump, written here in float64, against the scheduler (DDIM eta 1, and
        # fixed_large's noise rescaled); within 1e-5 of the values' scale
        for variance in ("fixed_small", "fixed_large"):
            sch = DDPMScheduler(variance_type=variance, clip_sample=False)
            sch.set_timesteps(20)
            rng = np.random.default_rng(4)
            x = rng.standard_normal((2, 6)).astype(np.float32)
            m = rng.standard_normal((2, 6)).astype(np.float32)
            z = rng.standard_normal((2, 6)).astype(np.float32)
            for k in (int(sch.timesteps[2]), int(sch.timesteps[-1])):
                got = sch.step(m, k, x, variance_noise=z).prev_sample
                kp = k - 1000 // 20
                ab = sch.alphas_cumprod[k]
                ap = sch.alphas_cumprod[kp] if kp >= 0 else 1.0
                beta = 1 - ab / ap
                x0 = (x.astype(np.float64) - math.sqrt(1 - ab) * m) / math.sqrt(ab)
                mean = math.sqrt(ap) * beta / (1 - ab) * x0 + math.sqrt(1 - beta) * (1 - ap) / (1 - ab) * x
                var = beta if variance == "fixed_large" else (1 - ap) / (1 - ab) * beta
                want = mean + (math.sqrt(var) * z if k > 0 else 0)
                scale = max(1.0, float(np.abs(want).max()))
                self.assertLessEqual(float(np.abs(got - want).max()) / scale, 1e-5, (variance, k))

    def test_refusals(self):
        with self.assertRaises(NotImplementedError):
            DDPMScheduler(variance_type="learned_range")
        with self.assertRaises(NotImplementedError):
            DDPMScheduler(beta_schedule="exp")
        with self.assertRaises(ValueError):
            DDIMScheduler(prediction_type="flow")

    @unittest.skipIf(torch is None, "torch is not installed")
    def test_torch_same_bits(self):
        for cls in (DDPMScheduler, DDIMScheduler):
            sch = cls(clip_sample=False)
            sch.set_timesteps(20)
            rng = np.random.default_rng(3)
            x = rng.standard_normal((2, 4, 3)).astype(np.float32)
            m = rng.standard_normal((2, 4, 3)).astype(np.float32)
            z = rng.standard_normal((2, 4, 3)).astype(np.float32)
            k = int(sch.timesteps[5])
            kw = {"eta": 1.0} if cls is DDIMScheduler else {}
            a = sch.step(m, k, x, variance_noise=z, **kw)
            b = sch.step(torch.from_numpy(m), k, torch.from_numpy(x), variance_noise=torch.from_numpy(z), **kw)
            self.assertIsInstance(b.prev_sample, torch.Tensor)
            self.assertTrue(np.array_equal(a.prev_sample, b.prev_sample.numpy()), cls.__name__)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".json"):
        VECTORS = sys.argv.pop(1)
    unittest.main(verbosity=1)
