"""Speed of the vectorised attainable-curve evaluator (io_bounds.curves.einsum_curve).

Target: the full Orojenesis-style curve of a 16384 x 1024 x 1024 GEMM (every divisor tiling x
every loop order that matters) in a few seconds on 2 cores.

Baseline, in the same process: ``naive_einsum_curve``, scalar Python loops over tilings x all
3! loop orders (one scalar model evaluation each), run on a subset of the same tilings and
extrapolated per tiling. The subset's per-tiling best traffic must equal the vectorised
result (checked here), so the ratio compares equal work.

A second line does the same for a 7-rank convolution (5040 loop orders per tiling).

Usage: ``python benchmarks/attainable_speed.py [--repeat 3] [--subset 150] [--conv-subset 3]``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time

import numpy as np


def main(argv=None) -> int:
    from io_bounds.curves import (divisors, einsum_curve, evaluate_tilings,
                                  naive_einsum_curve, tiling_traffic)
    from io_bounds.nest import gemm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--subset", type=int, default=150, help="tilings for the naive baseline")
    ap.add_argument("--conv-subset", type=int, default=3,
                    help="tilings for the naive baseline of the convolution")
    ap.add_argument("--M", type=int, default=16384)
    ap.add_argument("--N", type=int, default=1024)
    ap.add_argument("--K", type=int, default=1024)
    args = ap.parse_args(argv)

    nest = gemm(args.M, args.N, args.K)
    einsum_curve(nest)  # warm-up (imports)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        curve = einsum_curve(nest)
        times.append(time.perf_counter() - t0)
    vec = statistics.median(times)
    n_tilings = curve.attrs["tilings_evaluated"]

    combos = list(itertools.product(*[divisors(nest.sizes[r]).tolist() for r in nest.ranks]))
    rng = np.random.default_rng(0)
    pick = rng.choice(len(combos), size=min(args.subset, len(combos)), replace=False)
    subset = [dict(zip(nest.ranks, combos[i])) for i in pick]
    t0 = time.perf_counter()
    naive_best = []
    orders = list(itertools.permutations(nest.ranks))
    for tiles in subset:
        naive_best.append(min(tiling_traffic(nest, tiles, o)["traffic_words"] for o in orders))
    naive = time.perf_counter() - t0
    naive_per_tiling = naive / len(subset)
    _, vec_best, _, _ = evaluate_tilings(nest, np.array([[t[r] for r in nest.ranks]
                                                         for t in subset]))
    if not np.array_equal(vec_best, np.array(naive_best, dtype=float)):
        print("MISMATCH between vectorised and naive evaluators", file=sys.stderr)
        return 1
    # also the whole naive curve pipeline on a small GEMM agrees
    small = gemm(48, 40, 36)
    a, b = einsum_curve(small), naive_einsum_curve(small)
    assert a["traffic_words"].tolist() == b["traffic_words"].tolist()

    # a 7-rank convolution (ResNet 3x3 layer): 7! = 5040 loop orders per tiling for the naive
    # evaluator, a handful of reuse signatures for the vectorised one
    from io_bounds.nest import conv2d

    conv = conv2d(1, 64, 64, 56, 56, 3, 3)
    einsum_curve(conv)
    t0 = time.perf_counter()
    ccurve = einsum_curve(conv)
    conv_vec = time.perf_counter() - t0
    ccombos = list(itertools.product(*[divisors(conv.sizes[r]).tolist() for r in conv.ranks]))
    csub = [dict(zip(conv.ranks, ccombos[i])) for i in
            rng.choice(len(ccombos), size=args.conv_subset, replace=False)]
    corders = list(itertools.permutations(conv.ranks))
    t0 = time.perf_counter()
    cbest = [min(tiling_traffic(conv, t, o)["traffic_words"] for o in corders) for t in csub]
    conv_naive = (time.perf_counter() - t0) / len(csub) * ccurve.attrs["tilings_evaluated"]
    _, cvec, _, _ = evaluate_tilings(conv, np.array([[t[r] for r in conv.ranks] for t in csub]))
    if not np.array_equal(cvec, np.array(cbest, dtype=float)):
        print("MISMATCH on the convolution subset", file=sys.stderr)
        return 1

    extrapolated = naive_per_tiling * n_tilings
    print(f"GEMM {args.M}x{args.N}x{args.K}: {n_tilings:,} tilings x "
          f"{curve.attrs['loop_order_signatures']} loop-order signatures "
          f"({len(orders)} orders), {len(curve)} Pareto points")
    print(f"vectorised full curve: {vec:.3f} s (median of {args.repeat})")
    print(f"naive scalar loops:    {naive_per_tiling * 1e3:.3f} ms per tiling on "
          f"{len(subset)} tilings -> {extrapolated:.2f} s extrapolated to the full curve")
    print(f"speed-up (naive / vectorised, same process): {extrapolated / vec:.1f}x")
    print(f"end point = compulsory: {curve['traffic_words'].iat[-1]:,.0f} words "
          f"({curve.attrs['compulsory_words']:,.0f})")
    print(f"conv2d 64x64x56x56 3x3: {ccurve.attrs['tilings_evaluated']:,} tilings, "
          f"{len(corders)} orders -> {ccurve.attrs['loop_order_signatures']} signatures; "
          f"vectorised {conv_vec:.3f} s, naive extrapolated {conv_naive:.0f} s from "
          f"{len(csub)} tilings: {conv_naive / conv_vec:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
