#!/usr/bin/env python3
"""Times what numpy and torch users write for diffkern's noise kernels.

usage: peers.py --out PEERS.json [--quick] [--default-threads]

One thread, as diffkern-bench's single-thread benchmarks; with
--default-threads, at the thread counts numpy and torch pick by themselves
(torch: one per core; numpy's elementwise code is single-threaded), as
diffkern's threads table runs at its default. Each peer runs
idiomatic code (which allocates its results) on float32 arrays of 64 MiB
(16M floats, the size of the goals) and 64 KiB (in L2); --quick only
the small size. The work, with the bench's schedule (linear, T = 1000,
t = 500) so the coefficients are the same:
  q_sample_randn     xt = a*x0 + b*eps with eps drawn in the call (eps kept)
  q_sample           the same with eps given
  step_randn-u       x_prev = c_out*(xt - c_eps*eps_hat) + sigma*z, z drawn
  step-u             the same with z given
Each work is named after the diffkern benchmark that does it (the linear
step kernel without its guidance input u), and is timed in two forms:
  idiomatic          the expression as written, which allocates its results
                     (and temporaries) in every call
  preallocated       the same arithmetic into arrays made once (out=, in
                     place), as diffkern's benchmarks write into theirs
The gap between them is the allocator's: a fresh array's pages are faulted
in on first touch, which on a VM can cost more than the arithmetic (numpy
asks for transparent huge pages for large arrays, which fault 512 times
less often; torch 1.13 maps them in 4 KiB pages).
A library that is not installed is skipped (and noted in the JSON).
report.py matches each result with the diffkern benchmark of the same work.
"""
import os
import sys

ONE_THREAD = "--default-threads" not in sys.argv
# Before numpy or torch load their thread pools.
if ONE_THREAD:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

T, T_STEP, BETA_START, BETA_END = 1000, 500, 1e-4, 0.02
IDIOMATIC, PREALLOCATED = "idiomatic", "preallocated"  # the two forms of each work


def coefficients():
    """(a, b, c_out, c_eps, sigma) of q_sample and the epsilon p_step at
    T_STEP, as diffkern-bench computes them (README: conventions)."""
    betas = [BETA_START + (BETA_END - BETA_START) * i / (T - 1) for i in range(T)]
    abar = [1.0]
    for beta in betas:
        abar.append(abar[-1] * (1.0 - beta))
    beta, ab, ab_prev = betas[T_STEP - 1], abar[T_STEP], abar[T_STEP - 1]
    sigma = math.sqrt(beta * (1.0 - ab_prev) / (1.0 - ab))
    return math.sqrt(ab), math.sqrt(1.0 - ab), 1.0 / math.sqrt(1.0 - beta), beta / math.sqrt(1.0 - ab), sigma


def seconds_per_call(fn, target, reps):
    """Median over `reps` repetitions of the mean time of one call, each
    repetition making enough calls to last about `target` seconds."""
    fn()  # warm-up: first-touch page faults, lazy initialization
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    calls = max(1, int(target / max(once, 1e-9)))
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def numpy_peers(n, k):
    import numpy as np
    a, b, c_out, c_eps, sigma = (np.float32(v) for v in k)
    rng = np.random.default_rng(42)
    x0, eps, z = (rng.standard_normal(n, dtype=np.float32) for _ in range(3))

    def q_sample_randn():
        e = rng.standard_normal(n, dtype=np.float32)
        return a * x0 + b * e, e

    out, scratch, drawn = (np.empty(n, dtype=np.float32) for _ in range(3))

    def q_sample_randn_out():
        rng.standard_normal(dtype=np.float32, out=drawn)
        np.multiply(x0, a, out=out)
        np.multiply(drawn, b, out=scratch)
        np.add(out, scratch, out=out)

    def q_sample_out():
        np.multiply(x0, a, out=out)
        np.multiply(eps, b, out=scratch)
        return np.add(out, scratch, out=out)

    def step_out(noise):
        np.multiply(eps, c_eps, out=scratch)
        np.subtract(x0, scratch, out=out)
        np.multiply(out, c_out, out=out)
        np.multiply(noise, sigma, out=scratch)
        return np.add(out, scratch, out=out)

    def step_randn_out():
        rng.standard_normal(dtype=np.float32, out=drawn)
        step_out(drawn)

    return np.__version__, [
        ("q_sample_randn", IDIOMATIC, "a*x0 + b*rng.standard_normal(n, dtype=float32)", q_sample_randn),
        ("q_sample", IDIOMATIC, "a*x0 + b*eps", lambda: a * x0 + b * eps),
        ("step_randn-u", IDIOMATIC, "c_out*(xt - c_eps*eps_hat) + sigma*rng.standard_normal(n)",
         lambda: c_out * (x0 - c_eps * eps) + sigma * rng.standard_normal(n, dtype=np.float32)),
        ("step-u", IDIOMATIC, "c_out*(xt - c_eps*eps_hat) + sigma*z", lambda: c_out * (x0 - c_eps * eps) + sigma * z),
        ("q_sample_randn", PREALLOCATED, "standard_normal(out=e), then multiply and add with out=",
         q_sample_randn_out),
        ("q_sample", PREALLOCATED, "multiply(x0, a, out=xt), multiply(eps, b, out=s), add(xt, s, out=xt)",
         q_sample_out),
        ("step_randn-u", PREALLOCATED, "standard_normal(out=z), then the step's ops with out=", step_randn_out),
        ("step-u", PREALLOCATED, "the step's multiply, subtract and add with out=", lambda: step_out(z)),
    ]


def torch_peers(n, k):
    import torch
    if ONE_THREAD:
        torch.set_num_threads(1)
    torch.manual_seed(42)
    a, b, c_out, c_eps, sigma = k
    x0, eps, z = (torch.randn(n, dtype=torch.float32) for _ in range(3))

    def q_sample_randn():
        e = torch.randn_like(x0)
        return x0 * a + e * b, e

    out, drawn = torch.empty(n), torch.empty(n)

    def q_sample_randn_out():
        torch.randn(n, out=drawn)
        torch.mul(x0, a, out=out)
        out.add_(drawn, alpha=b)

    def q_sample_out():
        torch.mul(x0, a, out=out)
        return out.add_(eps, alpha=b)

    def step_out(noise):
        torch.sub(x0, eps, alpha=c_eps, out=out)
        out.mul_(c_out)
        return out.add_(noise, alpha=sigma)

    def step_randn_out():
        torch.randn(n, out=drawn)
        step_out(drawn)

    return torch.__version__, [
        ("q_sample_randn", IDIOMATIC, "x0*a + torch.randn_like(x0)*b", q_sample_randn),
        ("q_sample", IDIOMATIC, "x0*a + eps*b", lambda: x0 * a + eps * b),
        ("step_randn-u", IDIOMATIC, "(xt - eps_hat*c_eps)*c_out + torch.randn_like(xt)*sigma",
         lambda: (x0 - eps * c_eps) * c_out + torch.randn_like(x0) * sigma),
        ("step-u", IDIOMATIC, "(xt - eps_hat*c_eps)*c_out + z*sigma", lambda: (x0 - eps * c_eps) * c_out + z * sigma),
        ("q_sample_randn", PREALLOCATED, "torch.randn(n, out=e); torch.mul(x0, a, out=xt); xt.add_(e, alpha=b)",
         q_sample_randn_out),
        ("q_sample", PREALLOCATED, "torch.mul(x0, a, out=xt); xt.add_(eps, alpha=b)", q_sample_out),
        ("step_randn-u", PREALLOCATED, "torch.randn(n, out=z), then sub(out=), mul_, add_(z, alpha=sigma)",
         step_randn_out),
        ("step-u", PREALLOCATED, "torch.sub(xt, eps_hat, alpha=c_eps, out=o); o.mul_(c_out); o.add_(z, alpha=sigma)",
         lambda: step_out(z)),
    ]


def check_forms(library, peers):
    """The two forms of each work without drawn noise give the same floats
    (to rounding: the preallocated forms order some operations otherwise),
    so that the preallocated code times the same arithmetic. numpy and torch
    both have allclose, each for its own arrays."""
    import importlib
    allclose = importlib.import_module(library).allclose
    forms = {(work, form): fn for work, form, code, fn in peers}
    for work in ("q_sample", "step-u"):
        idiomatic, preallocated = (forms[(work, f)]() for f in (IDIOMATIC, PREALLOCATED))
        if not allclose(idiomatic, preallocated, rtol=1e-6, atol=1e-6):
            sys.exit(f"peers.py: {library} {work}: the preallocated form differs from the idiomatic one")


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="64 KiB only, short timings (smoke run)")
    ap.add_argument("--default-threads", action="store_true", help="the libraries' own thread counts")
    args = ap.parse_args()

    sizes = [64 << 10] if args.quick else [64 << 10, 64 << 20]
    target, reps = (0.01, 3) if args.quick else (0.1, 3)
    k = coefficients()
    results, versions, skipped, threads = [], {}, [], {}
    for library, make in (("numpy", numpy_peers), ("torch", torch_peers)):
        for nbytes in sizes:
            n = nbytes // 4
            try:
                version, peers = make(n, k)
            except ImportError as e:
                skipped.append(f"{library}: not installed ({e})")
                break
            versions[library] = version
            if library == "torch":
                import torch
                threads[library] = torch.get_num_threads()
            else:
                threads[library] = 1  # numpy's ufuncs run on the calling thread
            check_forms(library, peers)
            for work, form, code, fn in peers:
                s = seconds_per_call(fn, target, reps)
                results.append({"library": library, "work": work, "form": form, "code": code,
                                "bytes_per_array": nbytes, "elements": n, "seconds_per_call": s,
                                "ns_per_element": s * 1e9 / n})
                print(f"{library:5s} {work:14s} {form:12s} {nbytes >> 10:6d} KiB  {s * 1e9 / n:8.3f} ns/elem")
    with open(args.out, "w") as f:
        json.dump({"context": {"threads": threads, "default_threads": not ONE_THREAD, "versions": versions,
                               "skipped": skipped}, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
