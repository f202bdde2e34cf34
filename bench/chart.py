#!/usr/bin/env python3
"""Draws diffkern-bench's JSON results as a PNG: GB/s against bytes per
array, one panel per kernel, one line per ISA, the same run's triad as the
memory ceiling.

usage: chart.py BENCH.json OUT.png

Needs matplotlib (Debian: python3-matplotlib); without it, says so and exits
0, so that a missing chart never fails a benchmark run.
"""
import sys

from report import GOAL_KERNEL, human, kernels_and_isas, load


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only: no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        print("chart: matplotlib is missing (apt-get install python3-matplotlib); no chart", file=sys.stderr)
        return 0
    results, ctx = load(sys.argv[1])

    def series(kernel, isa):
        pts = sorted((k[2], r.gbps) for k, r in results.items() if k[:2] == (kernel, isa) and r.gbps)
        return [p[0] for p in pts], [p[1] for p in pts]

    kernels, _, isas = kernels_and_isas(results, ctx)
    if not kernels:
        print("chart: no kernel results; no chart", file=sys.stderr)
        return 1
    cols = 4
    rows = (len(kernels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), sharex=True, squeeze=False)
    # the ceiling: the triad of the default ISA's build (of the bench's own
    # flags in runs without per-ISA triads)
    active = ctx.get("diffkern_isa_active", "")
    triad = series("triad", active)
    if not triad[0]:
        triad = series("triad", "baseline")
    for ax, kernel in zip(axes.flat, kernels):
        for isa in isas:
            x, y = series(kernel, isa)
            if x:
                ax.plot(x, y, marker="o", markersize=3, label=isa)
        if triad[0]:
            ax.plot(*triad, color="black", linestyle="--", linewidth=1, label=f"triad ({active or 'baseline'})")
        if kernel == GOAL_KERNEL:  # the plain scalar loop of the goals
            x, y = series("scalar_philox_loop", "baseline")
            if x:
                ax.plot(x, y, color="gray", linestyle=":", label="scalar Philox loop")
        ax.set_title(kernel)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")  # noise kernels run at a few GB/s, the rest near 100
        ax.grid(True, which="both", alpha=0.3)
        sizes = triad[0] or sorted({k[2] for k in results if k[0] == kernel})
        ax.set_xticks(sizes[::2])
        ax.set_xticklabels([human(s) for s in sizes[::2]], rotation=45, fontsize=7)
        ax.legend(fontsize=7)
    for ax in axes.flat[len(kernels):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("GB/s (arrays read + written)")
    fig.suptitle(f"diffkern {ctx.get('diffkern_version', '?')}, one thread, {ctx.get('date', '')}; "
                 f"ISAs {ctx.get('diffkern_isas_supported', '?')}; built by "
                 f"{ctx.get('diffkern_bench_compiler', '?')}")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=90)
    print(f"chart: {sys.argv[2]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
