#!/usr/bin/env python3
"""Prints diffkern-bench's JSON results as a report (stdlib only).

usage: report.py BENCH.json [--peers PEERS.json] [--peers-threads PEERS_THREADS.json]

Sections: the machine; every kernel x ISA x size; the goals of the fused
noise kernels; the goals of the sampler kernels and calls; training (the
loss and bound goals, and eps stored or regenerated); the threads table
with its scaling goals; the peers (numpy, torch) of bench/peers.py, one
thread and at their default thread counts, when the files are given and
exist.

The kernels and ISAs come from the bench's JSON context (diffkern_kernels,
diffkern_isas, in the library's order), so this file has no list of its own
and reports whatever subset of ISAs a host ran.

GB/s is 1e9 bytes/s of (arrays read + written) x bytes per array, from CPU
time as the bench counts it (wall time for the threads benchmark). ns/elem is
per float of one array. "of triad" is GB/s over the same run's triad at the
same size: about 1 is the memory limit. "vs scalar" is the scalar ISA's time
over this ISA's time. With --benchmark_repetitions the median is used.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import sys
from collections import defaultdict

GOAL_BYTES = 64 << 20  # 16M floats per array, where the goals are set
GOAL_KERNEL = "q_sample_randn"  # x0 -> xt and eps, the noise drawn in the call
# ISA -> (largest q_sample_randn time over the time of the triad of the same
# ISA, smallest speed-up over the scalar Philox + libm loop): issue 12's.
GOALS = {"avx2": (2.5, 9.0), "avx512": (1.3, 15.0)}
# The sampler goals. Step kernels without noise: at least this fraction of the
# speed of the plain loop of the same arrays (bench/baselines.cc; bench/pairs.cc
# pairs each kernel with its loop).
STEP_MIN_SPEED = 0.9
# Public calls (bench/api.cc): the largest time ratio over the call each is
# timed against (bench/pairs.cc pairs them).
CALL_GOALS = {
    "api_p_step_v_threshold": 2.0,
    "api_p_step_randn_v_clip": 1.15,
    "api_ddim_step_randn": 1.15,
    "api_sde_step_randn": 1.15,
    "api_ddim_step_randn_guided": 1.15,
}

# Training (bench/api.cc): at least this fraction of the speed of the plain
# loop of the same traffic, paired with it (bench/pairs.cc).
TRAIN_GOALS = {"api_loss": ("fused_loop", 0.9), "api_vlb_terms": ("reduce_loop3", 0.9)}
TRADE_OFF = ("api_train_regen", "api_train_stored")  # eps regenerated, eps stored
TRADE_OFF_BYTES = (64 << 10, 64 << 20)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                # x86 says "model name"; some ARM kernels say "Hardware" or "Model".
                if key.strip() in ("model name", "Hardware", "Model"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def human(nbytes):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift} {unit}"
    return f"{nbytes} B"


class Result:
    """One benchmark: rates from the median run, or an error message."""

    def __init__(self, runs, error=None):
        self.error = error
        self.gbps = self.ns = None
        self.counters = {}
        if runs:
            self.gbps = statistics.median(r["bytes_per_second"] for r in runs) / 1e9
            self.ns = 1e9 / statistics.median(r["items_per_second"] for r in runs)
            self.counters = runs[0]


def load(path):
    """({(kernel, isa, n): Result}, JSON context); n is bytes per array, or
    the thread count for the threads_* benchmarks."""
    with open(path) as f:
        data = json.load(f)
    runs, errors = defaultdict(list), {}
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue  # aggregates of --benchmark_repetitions: we take the median
        parts = b.get("run_name", b["name"]).split("/")
        while parts[-1] in ("real_time", "manual_time") or ":" in parts[-1]:
            parts.pop()  # Google Benchmark's additions: "real_time", "min_time:0.500"
        if len(parts) != 3 or not parts[2].isdigit():
            continue
        key = (parts[0], parts[1], int(parts[2]))
        if b.get("error_occurred"):
            errors[key] = b.get("error_message", "error")
        elif "bytes_per_second" in b and "items_per_second" in b:
            runs[key].append(b)
    results = {k: Result(v) for k, v in runs.items()}
    results.update({k: Result([], e) for k, e in errors.items() if k not in results})
    return results, data.get("context", {})


def load_pairs(path):
    """{(subject, reference, isa, bytes): median time ratio} of the paired
    benchmarks (bench/pairs.cc), named pair:<subject>:<reference>/<isa>/<bytes>."""
    with open(path) as f:
        data = json.load(f)
    pairs = {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if not name.startswith("pair:") or b.get("error_occurred") or "ratio" not in b:
            continue
        parts = name.split("/")
        _, subject, reference = parts[0].split(":")
        pairs[(subject, reference, parts[1], int(parts[2]))] = b["ratio"]
    return pairs


def ordered(names, context_list):
    """names in the order of the context's comma-separated list, then any
    others in their own order."""
    order = [n for n in (context_list or "").split(",") if n]
    return [n for n in order if n in names] + [n for n in names if n not in order]


def kernels_and_isas(results, ctx):
    """(library kernels, baselines, ISAs) present in the results, in report order."""
    seen = list(dict.fromkeys(k[0] for k in results if not k[0].startswith("threads_")))
    baselines = [n for n in seen if any(k[0] == n and k[1] == "baseline" for k in results)]
    kernels = ordered([n for n in seen if n not in baselines], ctx.get("diffkern_kernels"))
    isas = ordered(list(dict.fromkeys(k[1] for k in results if k[1] != "baseline"
                                      and not k[0].startswith("threads_"))), ctx.get("diffkern_isas"))
    return kernels, baselines, isas


def table(header, rows, left=1):
    """Aligned text: the first `left` columns left-aligned, the rest right.
    Short rows are padded with empty cells."""
    rows = [[str(v) for v in r] + [""] * (len(header) - len(r)) for r in rows]
    widths = [max(len(r[c]) for r in rows + [header]) for c in range(len(header))]
    lines = []
    for r in [header] + rows:
        lines.append("  ".join(v.ljust(w) if c < left else v.rjust(w)
                               for c, (v, w) in enumerate(zip(r, widths))).rstrip())
    return "\n".join(lines)


def indent(text):
    return "\n".join("  " + line for line in text.splitlines())


def print_machine(ctx):
    caches = ", ".join(
        f"L{c['level']}{'d' if c['type'] == 'Data' else ''} {human(c['size'])}"
        for c in ctx.get("caches", []) if c.get("type") != "Instruction")
    load_avg = ctx.get("load_avg")
    print(f"machine:   {cpu_model()} ({platform.machine()}), "
          f"{ctx.get('diffkern_cpus') or len(os.sched_getaffinity(0))} cores; caches {caches or '?'}")
    print(f"diffkern:  {ctx.get('diffkern_version', '?')}, ISAs detected: "
          f"{ctx.get('diffkern_isas_supported', '?')}; benchmarked: {ctx.get('diffkern_isas_benched', '?')}; "
          f"default {ctx.get('diffkern_isa_active', '?')}")
    print(f"built by:  {ctx.get('diffkern_bench_compiler', '?')}")
    date = ctx.get("date") or datetime.datetime.now().isoformat(timespec="seconds")
    print(f"run:       {date}" + (f", load average at start {load_avg[0]:.2f}" if load_avg else ""))
    print()


def print_kernels(results, ctx):
    print("Kernels, one thread. GB/s counts every array read or written; ns/elem is per")
    print("float; 'of triad' = GB/s / the GB/s of the triad of the same ISA (compiled with that")
    print("kernel build's flags) at that size; 'vs scalar' = speed-up over the scalar ISA.")
    print("<kernel>-<arrays>: without those optional arrays.")
    kernels, baselines, isas = kernels_and_isas(results, ctx)
    rows = []
    for kernel in kernels + baselines:
        sizes = sorted({k[2] for k in results if k[0] == kernel})
        for size in sizes:
            scalar = results.get((kernel, "scalar", size))
            first = True
            for isa in isas + ["baseline"]:
                r = results.get((kernel, isa, size))
                if r is None:
                    continue
                label = [kernel, human(size)] if first else ["", ""]
                first = False
                if r.error:
                    rows.append(label + [isa, "error: " + r.error, "", "", ""])
                    continue
                triad = isa_triad(results, isa, size)
                of_triad = f"{r.gbps / triad.gbps:.2f}" if triad and triad.gbps else "-"
                vs_scalar = f"{scalar.ns / r.ns:.1f}x" if scalar and scalar.ns and isa != "scalar" else "-"
                rows.append(label + [isa, f"{r.gbps:.2f}", f"{r.ns:.3f}", of_triad, vs_scalar])
        if sizes:
            rows.append([""] * 7)
    print(table(["kernel", "bytes/array", "isa", "GB/s", "ns/elem", "of triad", "vs scalar"],
                rows[:-1], left=3))
    print()


def isa_triad(results, isa, size):
    """The triad of that ISA's build at that size; the bench's own (baseline
    x86-64) triad for the baselines and for runs without per-ISA triads."""
    return results.get(("triad", isa, size)) or results.get(("triad", "baseline", size))


def goal_size(results):
    """GOAL_BYTES when the run has it, else the largest size with everything
    the goals need (a --quick run), else None."""
    def complete(size):
        return all(results.get(k) and results[k].ns for k in
                   [("triad", "baseline", size), ("scalar_philox_loop", "baseline", size)])
    sizes = sorted({k[2] for k in results if k[0] == GOAL_KERNEL}, reverse=True)
    if GOAL_BYTES in sizes and complete(GOAL_BYTES):
        return GOAL_BYTES
    return next((s for s in sizes if complete(s)), None)


# q_sample with its streaming stores: at least this multiple of the
# bandwidth of the triad of its ISA at 64 MiB (issue 12), on these ISAs.
STREAM_GOAL, STREAM_GOAL_ISAS = 1.2, ("avx2", "avx512")


def print_goals(results, pairs):
    """The noise and streaming goals at 64 MiB, from the pairs timed in
    alternation where the run has them (bench/pairs.cc), else from the rows."""
    size = goal_size(results)
    print(f"Goals: {GOAL_KERNEL} with eps_out (x0 -> xt, eps), and q_sample, at 16M floats per array")
    if size is None:
        print(f"  not measured: the run has no {GOAL_KERNEL}, triad and scalar_philox_loop of one size\n")
        return
    if size != GOAL_BYTES:
        print(f"  (this run stops below 64 MiB: figures at {human(size)}, not the goals' size)")
    base = results[("scalar_philox_loop", "baseline", size)].ns
    print(f"  scalar Philox + libm loop {base:.3f} ns/elem at {human(size)} per array. Against the triad of")
    print("  the same ISA; 'paired': the median ratio of the two timed in alternation (bench/pairs.cc)")

    def verdict(ok):  # no verdict on figures of another size
        return ("PASS" if ok else "MISS") if size == GOAL_BYTES else "n/a"

    rows = []
    for isa, (max_ratio, min_speedup) in GOALS.items():
        r = results.get((GOAL_KERNEL, isa, size))
        if not r or not r.ns:
            rows.append([isa, "-", "-", "-", f"<= {max_ratio}", "not measured here", "-", f">= {min_speedup:g}x"])
            continue
        triad = isa_triad(results, isa, size).ns
        ratio = pairs.get((GOAL_KERNEL, "triad", isa, size)) or r.ns / triad
        loop = pairs.get((GOAL_KERNEL, "scalar_philox_loop", isa, size))
        speedup = 1 / loop if loop else base / r.ns
        paired = "paired" if (GOAL_KERNEL, "triad", isa, size) in pairs else "rows"
        rows.append([isa, f"{r.ns:.3f}", f"{triad:.3f}", f"{ratio:.2f}", f"<= {max_ratio}",
                     verdict(ratio <= max_ratio), f"{speedup:.1f}x", f">= {min_speedup:g}x",
                     verdict(speedup >= min_speedup), paired])
    print(indent(table(["isa", "ns/elem", "triad", "time/triad", "goal", "", "vs loop", "goal", "", ""], rows)))
    rows = []
    for isa in STREAM_GOAL_ISAS:
        r, triad = results.get(("q_sample", isa, size)), isa_triad(results, isa, size)
        if not r or not r.gbps or not triad:
            rows.append([isa, "-", "-", "-", f">= {STREAM_GOAL}", "not measured here"])
            continue
        ratio = pairs.get(("q_sample", "triad", isa, size))
        share = 1 / ratio if ratio else r.gbps / triad.gbps  # the same arrays: bandwidth = 1 / time
        rows.append([isa, f"{r.gbps:.2f}", f"{triad.gbps:.2f}", f"{share:.2f}", f">= {STREAM_GOAL}",
                     verdict(share >= STREAM_GOAL), "paired" if ratio else "rows"])
    print("  q_sample (streaming stores) against the triad's bandwidth:")
    print(indent(table(["isa", "GB/s", "triad GB/s", "of triad", "goal", "", ""], rows)))
    print()


# The goals hold the vectorized builds to the memory limit; the scalar
# builds are not vectorized, by design, and get no verdict.
NO_VERDICT_ISAS = ("scalar",)


def print_sampler_goals(results, ctx, pairs):
    _, _, isas = kernels_and_isas(results, ctx)
    isas = [i for i in isas if i not in NO_VERDICT_ISAS]
    # 64 MiB, or the largest size with pairs (a --quick run)
    sizes = sorted({k[3] for k in pairs}, reverse=True)
    size = GOAL_BYTES if GOAL_BYTES in sizes else next(iter(sizes), None)
    print("Sampler goals at 64 MiB per array, one thread: each pair timed in alternation")
    print("(bench/pairs.cc), the median ratio of its iterations; no pairs for the scalar builds,")
    print("which are not vectorized")
    if size is None:
        print("  not measured: the run has no pairs\n")
        return
    if size != GOAL_BYTES:
        print(f"  (this run stops below 64 MiB: figures at {human(size)}, not the goals' size)")

    def cell(value, ok):
        return f"{value:.2f} " + ("n/a" if size != GOAL_BYTES else "ok" if ok else "MISS")

    def rows_of(keep, value, goal):
        rows = []
        for subject, reference in dict.fromkeys((k[0], k[1]) for k in pairs if k[3] == size):
            if not keep(subject):
                continue
            row = [subject, reference]
            for isa in isas:
                r = pairs.get((subject, reference, isa, size))
                row.append("-" if r is None else cell(value(r), goal(subject, value(r))))
            rows.append(row)
        return rows

    rows = rows_of(lambda s: s.startswith("step"), lambda r: 1 / r, lambda s, v: v >= STEP_MIN_SPEED)
    print(f"  step kernels without noise: speed over the plain loop of the same arrays, goal >= {STEP_MIN_SPEED}")
    print(indent(table(["kernel", "vs"] + isas, rows, left=2)))
    rows = rows_of(lambda s: s in CALL_GOALS, lambda r: r, lambda s, v: v <= CALL_GOALS[s])
    for row in rows:
        row.insert(2, f"<= {CALL_GOALS[row[0]]}")
    print("  public calls (rows of 4096): time over the call it is read against")
    print(indent(table(["call", "vs", "goal"] + isas, rows, left=3)))
    print()


def print_training(results, ctx, pairs):
    _, _, isas = kernels_and_isas(results, ctx)
    isas = [i for i in isas if i not in NO_VERDICT_ISAS]
    print("Training at 64 MiB per array, one thread, rows of 4096 (v prediction, min-SNR-5, t = 500):")
    print("each call paired with the plain loop of its traffic (bench/pairs.cc), speed = 1 / median time ratio")
    rows = []
    for call, (loop, goal) in TRAIN_GOALS.items():
        row = [call, loop, f">= {goal}"]
        for isa in isas:
            r = pairs.get((call, loop, isa, GOAL_BYTES))
            row.append("-" if r is None else f"{1 / r:.2f} " + ("ok" if 1 / r >= goal else "MISS"))
        rows.append(row)
    print(indent(table(["call", "vs", "goal"] + isas, rows, left=3)))
    print()
    print("Eps stored or regenerated: dk_q_sample_randn writing eps then dk_loss reading it, against")
    print("dk_q_sample_randn without eps then dk_loss_randn (eps made again from the same indices).")
    print("ns per element of one array; ratio: the paired median of regenerated over stored time.")
    print("Regenerating saves the eps array: 4 bytes per element (one array's size).")
    rows = []
    for size in TRADE_OFF_BYTES:
        for isa in isas:
            regen, stored = (results.get((name, isa, size)) for name in TRADE_OFF)
            r = pairs.get((TRADE_OFF[0], TRADE_OFF[1], isa, size))
            if not (regen and regen.ns and stored and stored.ns) and r is None:
                continue
            winner = "-" if r is None else "regenerated" if r < 1 else "stored"
            rows.append([human(size), isa, f"{stored.ns:.3f}" if stored and stored.ns else "-",
                         f"{regen.ns:.3f}" if regen and regen.ns else "-", "-" if r is None else f"{r:.2f}",
                         winner, human(size)])
    if rows:
        print(table(["bytes/array", "isa", "stored", "regenerated", "ratio", "faster", "memory saved"], rows,
                    left=2))
    else:
        print("  not measured in this run")
    print()


# The scaling goals at 2 threads (issue 12): the noise calls at least 1.8x
# their one-thread speed; the memory-bound ones at least 0.9x the bandwidth
# of the triad split over as many threads.
NOISE_SPEEDUP_GOAL, TRIAD_SHARE_GOAL = 1.8, 0.9
# The plain loop of each memory-bound call's traffic, split the same way.
THREADS_LOOP = {"threads_q_sample": "threads_triad", "threads_p_step": "threads_fused_loop",
                "threads_loss": "threads_fused_loop", "threads_vlb_terms": "threads_reduce_loop3"}


def print_threads(results, pairs):
    keys = [k for k in results if k[0].startswith("threads_")]  # in run order
    if not keys:
        return
    first = results[keys[0]].counters
    size = first.get("bytes_per_array")
    print("Threads: each public call over one [rows x 4096] batch with mixed timesteps, split by the")
    print("library's pool (dk_set_num_threads), wall time" + (f", {human(int(size))} per array" if size else "")
          + "; the plain loops split over as many")
    print("threads. Goals at 2 threads: noise calls >= %.1fx one thread; the others >= %.1fx the triad's GB/s."
          % (NOISE_SPEEDUP_GOAL, TRIAD_SHARE_GOAL))
    print("'vs loop': GB/s over the plain loop of the same arrays at the same thread count (q_sample: the")
    print("triad; p_step and loss: fused_loop, 4 arrays; vlb_terms: reduce_loop3, 3 read). The verdicts")
    print("read the pairs timed in alternation where the run has them (a noise call at 2 threads against")
    print("itself at 1; a memory-bound one against the triad at 2), else the rows.")
    by_threads = {(k[0], k[2]): results[k] for k in keys if results[k].gbps}
    rows = []
    for kernel in dict.fromkeys(k[0] for k in keys):
        mine = [k for k in keys if k[0] == kernel]
        one = next((results[k] for k in mine if k[2] == 1 and results[k].ns), None)
        for k in sorted(mine, key=lambda k: k[2]):
            r = results[k]
            name = kernel[len("threads_"):]
            if r.error:
                rows.append([name, k[1], k[2], "-", "-", "-", "-", "-", "NO: " + r.error])
                continue
            speedup = one.ns / r.ns if one else None
            base = by_threads.get(("threads_triad", k[2]))
            share = r.gbps / base.gbps if base and k[1] != "baseline" else None
            loop = by_threads.get((THREADS_LOOP.get(kernel), k[2]))
            vs_loop = r.gbps / loop.gbps if loop else None
            bits = r.counters.get("bits_identical")
            same = "yes" if bits == 1 else "-" if bits == -1 else "no"
            goal = ""
            if k[2] == 2 and k[1] != "baseline":
                noise = r.counters.get("noise") == 1
                speedup_2 = share_2 = None
                paired = pairs.get((kernel, "one_thread" if noise else "threads_triad", k[1], 2))
                if paired and noise:
                    speedup_2, how = 1 / paired, "paired"
                elif paired:  # bandwidth: the same bytes per element over time
                    share_2, how = r.counters.get("arrays", 3) / 3 / paired, "paired"
                else:
                    speedup_2, share_2, how = speedup, share, "rows"
                if noise and speedup_2 is not None:
                    goal = (f"{'met' if speedup_2 >= NOISE_SPEEDUP_GOAL else 'MISSED'} {speedup_2:.2f}x "
                            f"(>= {NOISE_SPEEDUP_GOAL}x, {how})")
                elif not noise and share_2 is not None:
                    goal = (f"{'met' if share_2 >= TRIAD_SHARE_GOAL else 'MISSED'} {share_2:.2f} "
                            f"(>= {TRIAD_SHARE_GOAL}x triad, {how})")
            rows.append([name, k[1], k[2], f"{1e3 / r.ns:.0f}", f"{r.gbps:.1f}",
                         f"{speedup:.2f}x" if speedup else "-", f"{share:.2f}" if share else "-",
                         f"{vs_loop:.2f}" if vs_loop else "-", same, goal])
    print(table(["call", "isa", "threads", "Mitems/s", "GB/s", "vs 1 thread", "vs triad", "vs loop",
                 "bits identical", "goal at 2"], rows, left=2))
    print()


def print_peers(results, ctx, peers_path, threaded=False):
    """The peers against diffkern doing the same work: one thread each, or
    (threaded) the peers at their own thread counts against diffkern's
    threads table at its default (one thread per CPU), 64 MiB only."""
    try:
        with open(peers_path) as f:
            peers = json.load(f)
    except (OSError, ValueError):
        return
    isa = ctx.get("diffkern_isa_active", "?")
    pctx = peers.get("context", {})
    versions = ", ".join(f"{k} {v}" for k, v in pctx.get("versions", {}).items())
    cpus = int(ctx.get("diffkern_cpus") or 1)
    if threaded:
        counts = pctx.get("threads", {})
        print(f"Peers at their default thread counts ({versions or 'none found'}; threads: "
              + ", ".join(f"{k} {v}" for k, v in counts.items()) + ").")
        print(f"Each is compared with diffkern at its default ({cpus} threads) doing the same work in the threads")
        print("table (a batch of rows with mixed timesteps; the peers use one timestep).")
    else:
        print(f"Peers, one thread ({versions or 'none found'}).")
        print(f"Each is compared with the diffkern benchmark doing the same work on {isa}, the default ISA.")
    print("form: 'idiomatic' allocates its results in every call, 'preallocated' writes into arrays made once")
    print("(out=, in place), as diffkern's benchmarks do; their gap is the cost of fresh pages (first_touch).")
    # the threads table's call doing each peer work
    threaded_call = {"q_sample_randn": "q_sample_randn", "q_sample": "q_sample", "step_randn-u": "p_step_randn",
                     "step-u": "p_step"}
    rows = []
    for p in peers.get("results", []):
        kernel = p["work"]  # peers.py names its work after the diffkern kernel doing it
        if threaded:
            if p["bytes_per_array"] != 64 << 20 or kernel not in threaded_call:
                continue
            kernel = "threads_" + threaded_call[kernel]
            mine = results.get((kernel, isa, cpus))
        else:
            mine = results.get((kernel, isa, p["bytes_per_array"]))
        theirs = p["ns_per_element"]
        ours = verdict = "-"
        if mine and mine.ns:
            ours, ratio = f"{mine.ns:.3f}", theirs / mine.ns
            verdict = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
        rows.append([p["library"], p.get("form", "idiomatic"), p["code"], human(p["bytes_per_array"]),
                     f"{theirs:.3f}", kernel, ours, verdict])
    if rows:
        print(table(["peer", "form", "code", "bytes/array", "ns/elem", "diffkern", "ns/elem", "diffkern is"], rows,
                    left=3))
    else:
        print("  nothing to compare in this run")
    if not threaded:
        touched = []
        for nbytes in sorted({p["bytes_per_array"] for p in peers.get("results", [])}):
            row = results.get(("first_touch", "baseline", nbytes))
            if row and row.ns:
                touched.append(f"{row.ns:.3f} ns/elem at {human(nbytes)}")
        if touched:
            print("  first_touch, one fresh array mapped, written once and unmapped: " + ", ".join(touched))
    for note in pctx.get("skipped", []):
        print(f"  skipped: {note}")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("bench_json")
    ap.add_argument("--peers", help="bench/peers.py output; skipped when missing")
    ap.add_argument("--peers-threads", help="bench/peers.py --default-threads output; skipped when missing")
    args = ap.parse_args()
    results, ctx = load(args.bench_json)
    print_machine(ctx)
    print_kernels(results, ctx)
    pairs = load_pairs(args.bench_json)
    print_goals(results, pairs)
    print_sampler_goals(results, ctx, pairs)
    print_training(results, ctx, pairs)
    print_threads(results, pairs)
    if args.peers:
        print_peers(results, ctx, args.peers)
    if args.peers_threads:
        print_peers(results, ctx, args.peers_threads, threaded=True)


if __name__ == "__main__":
    sys.exit(main())
