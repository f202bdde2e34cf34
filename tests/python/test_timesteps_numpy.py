"""dk_timesteps (through diffkern.timesteps) against numpy doing what
diffusers' DDIMScheduler does: its set_timesteps for each timestep_spacing,
and the prev_timestep of its step, over many (T, steps, offset) beyond the
18 cases diffusers itself gave (tests/vectors/diffusers_schedulers.json).
numpy here is the oracle, not a second C implementation: the C code
emulates numpy's arange, linspace and round (half to even), and this test
runs them.

diffusers, 0-based (k), for steps inference steps of a T-step schedule:
  leading   (np.arange(0, steps) * (T // steps)).round()[::-1] + steps_offset
  trailing  np.round(np.arange(T, 0, -(T / steps))) - 1
  linspace  np.linspace(0, T - 1, steps).round()[::-1]
  step:     prev = k - T // steps; alpha_bar_prev = alphas_cumprod[prev] if
            prev >= 0 else final_alpha_cumprod (1 with set_alpha_to_one,
            else alphas_cumprod[0])
diffkern is 1-based: t = k + 1, and t_prev = prev + 1, or 0 (alpha_bar_0 = 1)
or 1 (alpha_bar_1) where prev < 0. A k outside 0..T-1 (a large offset)
indexes past diffusers' schedule; diffkern refuses it (TimestepError).
Trailing spacing: for some (T, steps), 41760 of the 719400 pairs with
T < 1200, numpy's arange gives steps + 1 values, the last k = -1 (T = 999,
steps = 13 gives 998, 921, ..., 76, -1): diffusers then runs one step more,
from alphas_cumprod[-1] (abar_T). diffkern gives the steps timesteps before
it; this test checks that the extra one is always that -1.

usage: PYTHONPATH=<build>/python python3 tests/python/test_timesteps_numpy.py
"""
import random
import unittest

import numpy as np

import diffkern as dk


def numpy_timesteps(T, steps, spacing, offset):
    if spacing == "linspace":
        k = np.linspace(0, T - 1, steps).round()[::-1].copy().astype(np.int64)
    elif spacing == "leading":
        k = (np.arange(0, steps) * (T // steps)).round()[::-1].copy().astype(np.int64)
        k += offset
    else:
        k = np.round(np.arange(T, 0, -(T / steps))).astype(np.int64)
        k -= 1
    return k


def numpy_prev(k, T, steps, final_alpha_one):
    prev = k - T // steps
    return np.where(prev >= 0, prev + 1, 0 if final_alpha_one else 1)


class TimestepsAgainstNumpy(unittest.TestCase):
    extra = 0  # the cases where diffusers' trailing timesteps are one too many

    def check(self, T, steps, spacing, offset, final_alpha_one):
        k = numpy_timesteps(T, steps, spacing, offset)
        where = f"T={T} steps={steps} {spacing} offset={offset} final_alpha_one={final_alpha_one}"
        if len(k) > steps:
            # trailing: numpy's arange in floating point steps past 0 for
            # some (T, steps) (T = 999, steps = 13), and diffusers then has
            # steps + 1 timesteps, the last k = -1 (alphas_cumprod[-1] is
            # abar_T in its step). diffkern gives the first steps.
            self.assertEqual(spacing, "trailing", where)
            np.testing.assert_array_equal(k[steps:], -1, err_msg=where)
            self.extra += 1
            k = k[:steps]
        self.assertEqual(len(k), steps, where)
        if k.min() < 0 or k.max() > T - 1:
            with self.assertRaises(dk.TimestepError, msg=where):
                dk.timesteps(T, steps, spacing, offset, final_alpha_one)
            return 0
        t, t_prev = dk.timesteps(T, steps, spacing, offset, final_alpha_one)
        np.testing.assert_array_equal(t, k + 1, err_msg=where)
        np.testing.assert_array_equal(t_prev, numpy_prev(k, T, steps, final_alpha_one), err_msg=where)
        return 1

    def test_every_steps_count_of_common_schedules(self):
        # every steps in 1..T: the counts where T / steps and the roundings
        # land on halves and just below them
        checked = 0
        for T in (1, 2, 3, 10, 999, 1000):
            for steps in range(1, T + 1):
                for spacing in ("leading", "trailing", "linspace"):
                    checked += self.check(T, steps, spacing, 1 if spacing == "leading" else 0, True)
        self.assertGreater(checked, 6000)
        self.assertGreater(self.extra, 0)  # T = 999, steps = 13 is one

    def test_random(self):
        rng = random.Random(20261205)
        checked = refused = 0
        for _ in range(3000):
            T = rng.choice([rng.randint(1, 64), rng.randint(1, 5000)])
            steps = rng.randint(1, T)
            spacing = rng.choice(["leading", "trailing", "linspace"])
            offset = rng.choice([0, 1, rng.randint(0, 50)]) if spacing == "leading" else 0
            ok = self.check(T, steps, spacing, offset, rng.random() < 0.5)
            checked += ok
            refused += 1 - ok
        self.assertGreater(checked, 2000)
        self.assertGreater(refused, 0)  # the refusal was reached


if __name__ == "__main__":
    unittest.main(verbosity=1)
