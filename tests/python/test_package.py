"""The Python package against the C library it wraps (stdlib unittest;
numpy, and torch where installed).

- every public C function of include/diffkern.h is in the package, without dk_;
- results equal the C library's bits, through numpy and torch alike, and
  equal a float64 numpy evaluation of the formula within float rounding;
- outputs given with out= are written in place and returned; inputs are
  used in place (a view into a larger array reads exactly its elements);
- a wrong dtype, a non-contiguous array or a wrong size raises TypeError or
  ValueError naming the argument, and never copies or casts;
- every status raises its own diffkern.Error subclass, with status_str's
  text and the argument at fault, and its `status`;
- the GIL is released during a kernel: another Python thread runs meanwhile.

usage: PYTHONPATH=<build>/python python3 tests/python/test_package.py [<include/diffkern.h>]
"""
import os
import re
import signal
import sys
import threading
import time
import unittest

import numpy as np

import diffkern as dk

try:
    import torch
except ImportError:  # the torch cases are skipped, and say so
    torch = None

HEADER = os.environ.get("DIFFKERN_HEADER") or os.path.join(os.path.dirname(__file__), "..", "..", "include",
                                                           "diffkern.h")
# C functions that are a method or property of Schedule, or need no wrapper.
SCHEDULE = {"schedule_create": "Schedule", "schedule_from_betas": "Schedule.from_betas",
            "schedule_from_alpha_bar": "Schedule.from_alpha_bar",
            "schedule_rescale_zero_snr": "Schedule.rescale_zero_snr", "schedule_steps": "Schedule.steps",
            "schedule_beta": "Schedule.beta", "schedule_alpha_bar": "Schedule.alpha_bar",
            "schedule_posterior_variance": "Schedule.posterior_variance",
            "schedule_destroy": None}  # the garbage collector's


def c_functions():
    with open(HEADER) as f:
        return re.findall(r"DK_API\s+[\w\s\*]+?\bdk_(\w+)\s*\(", f.read())


class Coverage(unittest.TestCase):
    def test_every_c_function(self):
        names = c_functions()
        self.assertGreater(len(names), 25)
        for name in names:
            if name in SCHEDULE:
                target = SCHEDULE[name]
                if target:
                    obj = dk
                    for part in target.split("."):
                        obj = getattr(obj, part)
                continue
            self.assertTrue(hasattr(dk, name), f"dk_{name} has no diffkern.{name}")

    def test_stubs_and_docstrings(self):
        # every public name of the extension has a stub in _diffkern.pyi, and every function a docstring
        import ast
        from diffkern import _diffkern
        stub = os.path.join(os.path.dirname(_diffkern.__file__), "_diffkern.pyi")
        with open(stub) as f:
            tree = ast.parse(f.read())
        stubbed = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        stubbed |= {t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                    for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)}
        for name in dir(_diffkern):
            if name.startswith("_"):
                continue
            self.assertIn(name, stubbed, f"diffkern._diffkern.{name} has no stub")
            obj = getattr(_diffkern, name)
            if callable(obj) and not isinstance(obj, type):
                self.assertTrue(obj.__doc__, f"diffkern.{name} has no docstring")


def arrays(rows=5, dim=7, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 1001, rows, dtype=np.int32)
    x0 = rng.standard_normal((rows, dim)).astype(np.float32)
    eps = rng.standard_normal((rows, dim)).astype(np.float32)
    return t, x0, eps


class Results(unittest.TestCase):
    def setUp(self):
        self.s = dk.Schedule("linear", 1000, 1e-4, 0.02)

    def test_q_sample_formula(self):
        t, x0, eps = arrays()
        xt = dk.q_sample(self.s, t, x0, eps)
        ab = np.array([self.s.alpha_bar(int(k)) for k in t])[:, None]
        want = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps
        scale = np.abs(np.sqrt(ab) * x0) + np.abs(np.sqrt(1 - ab) * eps)
        self.assertTrue(np.all(np.abs(xt - want) <= 3 * 2.0**-24 * scale + 1e-30))

    def test_randn_pair(self):
        # q_sample_randn == randn then q_sample, bit for bit
        t, x0, _ = arrays()
        noise = (7, 3, 11)
        eps = dk.randn(noise, x0.size).reshape(x0.shape)
        a = dk.q_sample(self.s, t, x0, eps)
        eps_out = np.empty_like(x0)
        b = dk.q_sample_randn(self.s, t, x0, noise, eps_out=eps_out)
        self.assertTrue(np.array_equal(a, b))
        self.assertTrue(np.array_equal(eps, eps_out))

    def test_out_in_place(self):
        t, x0, eps = arrays()
        out = np.zeros_like(x0)
        got = dk.q_sample(self.s, t, x0, eps, out=out)
        self.assertIs(got, out)
        self.assertTrue(np.array_equal(out, dk.q_sample(self.s, t, x0, eps)))
        # the output may be an input exactly (in place)
        x = x0.copy()
        dk.q_sample(self.s, t, x, eps, out=x)
        self.assertTrue(np.array_equal(x, out))

    def test_views_used_in_place(self):
        t, x0, eps = arrays(rows=4, dim=6)
        big = np.zeros((8, 6), np.float32)
        big[2:6] = x0
        view = big[2:6]  # contiguous rows of a larger array
        self.assertTrue(np.array_equal(dk.q_sample(self.s, t, view, eps), dk.q_sample(self.s, t, x0, eps)))
        out = np.full((8, 6), 7.0, np.float32)
        dk.q_sample(self.s, t, x0, eps, out=out[2:6])
        self.assertTrue(np.all(out[:2] == 7.0) and np.all(out[6:] == 7.0))

    def test_steps_and_losses_run(self):
        t, x0, eps = arrays()
        xt = dk.q_sample(self.s, t, x0, eps)
        for fn in (dk.p_step, dk.ddim_step, dk.sde_step, dk.ode_step):
            args = (self.s, t) + ((np.maximum(t - 3, 0).astype(np.int32),) if fn is not dk.p_step else ()) + (xt, eps)
            out = fn(*args)
            self.assertEqual(out.shape, xt.shape)
            self.assertEqual(out.dtype, np.float32)
        row_loss, grad = dk.loss(self.s, t, x0, eps, eps)
        self.assertTrue(np.all(row_loss == 0) and np.all(grad == 0))  # the exact prediction
        row_loss, grad = dk.loss_randn(self.s, t, x0, (1, 2, 3), xt, grad=False)
        self.assertIsNone(grad)
        self.assertEqual(row_loss.shape, (5,))
        nats = dk.vlb_terms(self.s, t, x0, xt, eps)
        self.assertEqual(nats.dtype, np.float64)
        self.assertTrue(np.all(nats >= -1e-6))
        self.assertEqual(dk.prior_kl(self.s, x0).shape, (5,))

    def test_timesteps(self):
        t, tp = dk.timesteps(1000, 50, "leading", 1)
        self.assertEqual(t.dtype, np.int32)
        self.assertEqual(int(t[0]), 981 + 1)  # diffusers' 981, 1-based
        draws = dk.sample_timesteps((5, 0, 0), 1000, 10000)
        self.assertTrue(draws.min() >= 1 and draws.max() <= 1000)

    @unittest.skipIf(torch is None, "torch is not installed")
    def test_torch_same_bits(self):
        t, x0, eps = arrays()
        a = dk.q_sample(self.s, t, x0, eps)
        tt, x0t, epst = torch.from_numpy(t), torch.from_numpy(x0), torch.from_numpy(eps)
        b = dk.q_sample(self.s, tt, x0t, epst)
        self.assertIsInstance(b, torch.Tensor)
        self.assertTrue(np.array_equal(a, b.numpy()))
        out = torch.empty_like(x0t)
        self.assertIs(dk.q_sample(self.s, tt, x0t, epst, out=out), out)
        self.assertTrue(np.array_equal(a, out.numpy()))
        # a torch tensor shares its memory with numpy: the output lands there
        self.assertTrue(torch.equal(dk.p_step_randn(self.s, tt, b, epst, (1, 2, 3)),
                                    torch.from_numpy(dk.p_step_randn(self.s, t, a, eps, (1, 2, 3)))))

    @unittest.skipIf(torch is None, "torch is not installed")
    def test_torch_refusals(self):
        t, x0, eps = arrays()
        s = self.s
        with self.assertRaisesRegex(TypeError, "'x0'.*float32"):
            dk.q_sample(s, torch.from_numpy(t), torch.from_numpy(x0).double(), torch.from_numpy(eps))
        with self.assertRaisesRegex(ValueError, "'x0'.*contiguous"):
            dk.q_sample(s, torch.from_numpy(t), torch.from_numpy(x0).t(), torch.from_numpy(eps).t())


class Refusals(unittest.TestCase):
    def setUp(self):
        self.s = dk.Schedule()

    def test_arrays(self):
        t, x0, eps = arrays()
        with self.assertRaisesRegex(TypeError, "'x0'.*float32"):
            dk.q_sample(self.s, t, x0.astype(np.float64), eps)
        with self.assertRaisesRegex(TypeError, "'t'.*int32"):
            dk.q_sample(self.s, t.astype(np.int64), x0, eps)
        with self.assertRaisesRegex(ValueError, "'x0'.*contiguous"):
            dk.q_sample(self.s, t, np.asfortranarray(x0), eps)
        with self.assertRaisesRegex(ValueError, "'eps'"):
            dk.q_sample(self.s, t, x0, eps[:, :3].copy())
        with self.assertRaisesRegex(ValueError, "'out'.*read-only"):
            ro = np.zeros_like(x0)
            ro.flags.writeable = False
            dk.q_sample(self.s, t, x0, eps, out=ro)
        with self.assertRaisesRegex(TypeError, "'s'"):
            dk.q_sample(None, t, x0, eps)

    def test_statuses(self):
        t, x0, eps = arrays()
        cases = [
            (lambda: dk.q_sample(self.s, np.array([0, 1, 2, 3, 1001], np.int32), x0, eps), dk.TimestepError, "t"),
            (lambda: dk.p_step(self.s, t, x0, eps, prediction="bogus"), dk.PredictionError, "prediction"),
            (lambda: dk.p_step(self.s, t, x0, eps, prediction=7), dk.PredictionError, "prediction"),
            (lambda: dk.p_step(self.s, t, x0, eps, clip=-1.0), dk.ClipError, "clip"),
            (lambda: dk.ddim_step(self.s, t, t, x0, eps, eta=2.0), dk.EtaError, "eta"),
            (lambda: dk.ddim_step(self.s, t, t + 1, x0, eps), dk.TimestepPrevError, "t_prev"),
            (lambda: dk.p_step(self.s, t, x0, eps, guidance_scale=3.0), dk.GuidanceError, "guidance_scale"),
            (lambda: dk.loss(self.s, t, x0, eps, eps, weighting="min_snr"), dk.WeightingError, "gamma"),
            (lambda: dk.loss(self.s, t, x0, eps, eps, weighting="p2", gamma=1.0, k=-1.0), dk.WeightingError, "k"),
            (lambda: dk.vlb_terms(self.s, np.ones(5, np.int32), x0 * 9, x0, eps, decoder="discrete_8bit"), dk.DecoderError,
             "x0"),
            (lambda: dk.q_sample(self.s, t, x0, eps, out=x0[:, :]), None, None),  # in place: allowed
            (lambda: dk.randn((1, 2, 2**64 - 3), 8), dk.NoiseRangeError, "noise"),
            (lambda: dk.Schedule("nope"), dk.ScheduleKindError, "kind"),
            (lambda: dk.Schedule("linear", 0), dk.StepsError, "T"),
            (lambda: dk.Schedule.from_betas([0.1, 1.5]), dk.BetaError, "betas"),
            (lambda: dk.Schedule.from_alpha_bar([0.5, 0.9]), dk.AlphaBarError, "alpha_bar"),
            (lambda: dk.timesteps(1000, 10, "bogus"), dk.SpacingError, "spacing"),
            (lambda: dk.isa_select(99), dk.IsaInvalidError, "isa"),
        ]
        for call, cls, argument in cases:
            if cls is None:
                call()
                continue
            with self.assertRaises(cls) as cm:
                call()
            e = cm.exception
            self.assertIsInstance(e, dk.Error)
            self.assertIn(dk.status_str(e.status), str(e))
            self.assertIn(f"argument '{argument}'", str(e))

    def test_overlap(self):
        t, x0, eps = arrays()
        buf = np.zeros(x0.size + 1, np.float32)
        with self.assertRaises(dk.OverlapError):
            dk.q_sample(self.s, t, buf[:-1].reshape(x0.shape), eps, out=buf[1:].reshape(x0.shape))


class Threads(unittest.TestCase):
    def test_num_threads(self):
        # the bits of one thread at any count; bad counts refused
        x = np.empty(1 << 18, np.float32)
        dk.set_num_threads(1)
        self.addCleanup(dk.set_num_threads, 0)
        one = dk.randn((5, 6, 7), out=np.empty_like(x)).copy()
        for n in (2, 3):
            dk.set_num_threads(n)
            self.assertEqual(dk.num_threads(), n)
            np.testing.assert_array_equal(dk.randn((5, 6, 7), out=x), one)
        for bad in (-1, 1025):
            with self.assertRaises(dk.ThreadsError):
                dk.set_num_threads(bad)

    @unittest.skipUnless(hasattr(os, "fork"), "no fork here")
    def test_fork_after_split(self):
        # What PyTorch's DataLoader does: the parent has used the pool, then
        # forks; the child's split call must finish (an alarm turns a hang
        # into a failure) with the parent's bits.
        x = np.empty(1 << 18, np.float32)
        dk.set_num_threads(2)
        self.addCleanup(dk.set_num_threads, 0)
        want = dk.randn((3, 4, 5), out=x).copy()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.alarm(20)
                code = 0 if np.array_equal(dk.randn((3, 4, 5), out=np.empty_like(want)), want) else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertTrue(os.WIFEXITED(status), f"the child died of signal {os.WTERMSIG(status)}")
        self.assertEqual(os.WEXITSTATUS(status), 0, "the child's bits differ")

    def test_gil_released(self):
        # Kernels of tens of milliseconds on a thread; the main thread
        # notes the time at each turn of a loop meanwhile. Released, the GIL
        # lets the loop turn throughout (gaps of microseconds, and at most a
        # switch interval, 5 ms, when the worker's Python code runs); held,
        # the loop would stop for a whole call. One library thread: the pool
        # would take both CPUs of a 2-core machine from the main thread.
        dk.set_num_threads(1)
        self.addCleanup(dk.set_num_threads, 0)
        n = 1 << 25
        out = np.empty(n, np.float32)
        dk.randn((1, 1, 0), out=out)  # the first call pays for the pages
        t0 = time.perf_counter()
        dk.randn((1, 1, 0), out=out)
        call = time.perf_counter() - t0
        started, done = threading.Event(), threading.Event()

        def work():
            started.set()
            for _ in range(4):
                dk.randn((1, 1, 0), out=out)
            done.set()

        worker = threading.Thread(target=work)
        worker.start()
        started.wait()
        last, gap, turns = time.perf_counter(), 0.0, 0
        while not done.is_set():
            now = time.perf_counter()
            gap = max(gap, now - last)
            last = now
            turns += 1
        worker.join()
        # (with the GIL held the loop may not turn at all until the calls end)
        self.assertGreater(turns, 1000, f"the main thread turned {turns} times in 4 calls of {call * 1e3:.1f} ms")
        self.assertLess(gap, call / 2, f"the main thread stopped for {gap * 1e3:.1f} ms; a call takes "
                        f"{call * 1e3:.1f} ms")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".h"):
        HEADER = sys.argv.pop(1)
    if torch is None:
        print("torch is not installed: its cases are skipped")
    unittest.main(verbosity=1)
