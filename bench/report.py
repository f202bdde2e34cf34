#!/usr/bin/env python3
"""Prints diffkern-bench's JSON results as a GB/s table (stdlib only).

usage: report.py RESULTS.json

One row per kernel x size. GB/s is 1e9 bytes/s of (arrays read + written) x
bytes per array, from CPU time, as the bench counts it. "loop" is the plain
C++ loop of the reverse step (fused_loop, for the p_step rows); best/triad is the
fastest ISA divided by triad of the same size (about 1 = at the memory limit).
"""
import json
import os
import platform
import statistics
import sys
from collections import defaultdict

ISAS = ["scalar", "sse41", "avx2", "avx512", "neon"]
KERNELS = ["q_sample", "p_step", "p_step_v"]
LOOP_BASELINE = {"p_step": "fused_loop", "p_step_v": "fused_loop"}  # kernel -> its plain-loop baseline


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
    return "unknown CPU"


def human(nbytes):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift} {unit}"
    return f"{nbytes} B"


def load(path):
    """{(kernel, isa, bytes): GB/s or "err"} and the JSON context."""
    with open(path) as f:
        data = json.load(f)
    rates = defaultdict(list)
    errors = set()
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue  # aggregates of --benchmark_repetitions: we take the median below
        parts = b.get("run_name", b["name"]).split("/")
        if len(parts) < 3 or not parts[2].isdigit():
            continue
        key = (parts[0], parts[1], int(parts[2]))
        if b.get("error_occurred"):
            errors.add(key)
        elif "bytes_per_second" in b:
            rates[key].append(b["bytes_per_second"] / 1e9)
    results = {k: statistics.median(v) for k, v in rates.items()}
    results.update({k: "err" for k in errors if k not in results})
    return results, data.get("context", {})


def cell(value):
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{value:.2f}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    results, ctx = load(sys.argv[1])

    print(f"machine: {cpu_model()}, nproc {len(os.sched_getaffinity(0))}, {platform.machine()}")
    caches = ", ".join(
        f"L{c['level']}{'d' if c['type'] == 'Data' else ''} {human(c['size'])}"
        for c in ctx.get("caches", []) if c.get("type") != "Instruction")
    print(f"diffkern {ctx.get('diffkern_version', '?')}, "
          f"default ISA {ctx.get('diffkern_isa_active', '?')}; caches: {caches or '?'}")
    print("GB/s = 1e9 bytes/s of (arrays read + written) x bytes per array, CPU time\n")

    isas = [i for i in ISAS if any(k[1] == i for k in results)]
    sizes = sorted({k[2] for k in results})
    header = ["kernel", "bytes/array"] + isas + ["loop", "memcpy", "triad", "best/triad"]
    rows = []
    for kernel in KERNELS:
        for size in sizes:
            per_isa = [results.get((kernel, i, size)) for i in isas]
            if all(v is None for v in per_isa):
                continue
            loop = LOOP_BASELINE.get(kernel)
            triad = results.get(("triad", "baseline", size))
            numbers = [(v, i) for v, i in zip(per_isa, isas) if isinstance(v, float)]
            ratio = "-"
            if numbers and isinstance(triad, float) and triad > 0:
                best, best_isa = max(numbers)
                ratio = f"{best / triad:.2f} ({best_isa})"
            rows.append([kernel, human(size)] + [cell(v) for v in per_isa] + [
                cell(results.get((loop, "baseline", size))) if loop else "-",
                cell(results.get(("memcpy", "baseline", size))),
                cell(triad), ratio])

    widths = [max(len(str(r[c])) for r in rows + [header]) for c in range(len(header))]
    for r in [header] + rows:
        # Text columns left-aligned, numbers right-aligned.
        print("  ".join(str(v).ljust(w) if c < 2 else str(v).rjust(w)
                        for c, (v, w) in enumerate(zip(r, widths))).rstrip())


if __name__ == "__main__":
    main()
