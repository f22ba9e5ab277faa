"""Speed of ``einsum_cascade.analyze`` on a transformer encoder layer with concrete sizes.

Target: well under 50 ms per analysis at BERT-Base sizes (B=64, H=12, P=M=4096, E=F=64,
D=768, S=3072; 1-pass attention, 24 Einsums). Baselines run in the same process:

* ``naive``: op counting by a per-Einsum loop that visits every point of the iteration space
  (what a closed form replaces), on the same cascade at toy sizes where it is feasible; its
  totals must equal the closed-form counts (checked here).
* ``evaluate``: one numeric evaluation of the same cascade at the same toy sizes.

Usage: ``python benchmarks/analyze_speed.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

import einsum_cascade as ec
from einsum_cascade import expr as ex
from einsum_cascade.reference import random_inputs

BERT = dict(B=64, H=12, P=4096, E=64, F=64, D=768, S=3072)
TOY = dict(B=1, H=2, P=32, E=8, F=8, D=16, S=32, M0=8)


def naive_op_counts(c) -> dict[str, int]:
    """Count operations by visiting every iteration point of every Einsum (slow on purpose;
    same rules as :meth:`Einsum.op_counts`: one op per operator node per point, one
    accumulation per point for the reduction, ``A*B reduce +`` one MAC per point). Handles
    cascades whose Einsums reduce with a single operator (the transformer layer does)."""
    sizes = c.sizes
    totals: dict[str, int] = {}
    for e in c.einsums:
        ext = e.extents(sizes)
        ops = set(e.reductions.values())
        if len(ops) > 1:
            raise ValueError(f"naive counter handles one reduction operator; {e} has {ops}")
        nodes = [n for n in ex.walk(e.expr) if isinstance(n, (ex.Binary, ex.Unary))]
        fused = isinstance(e.expr, ex.Binary) and e.expr.op == "*" and ops == {"+"}
        kinds = [("mac" if fused and n is e.expr else
                  ex.BINARY_OPS[n.op] if isinstance(n, ex.Binary) else ex.unary_kind(n.op))
                 for n in nodes]
        if ops and not fused:
            kinds.append({"+": "add", "max": "max", "min": "min"}[ops.pop()])
        for _ in itertools.product(*(range(ext[v]) for v in e.iteration_ranks)):
            for k in kinds:
                totals[k] = totals.get(k, 0) + 1
    return totals


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()

    get = ec.library.get
    ec.analyze(get("transformer-layer", **BERT))  # import pandas, warm up once
    cold = best_of(lambda: ec.analyze(get("transformer-layer", **BERT)), args.repeat)
    bert = get("transformer-layer", **BERT)
    warm = best_of(lambda: ec.analyze(bert), args.repeat)
    a = ec.analyze(bert)
    print(f"analyze transformer-layer at BERT-Base sizes ({len(bert.einsums)} Einsums, "
          f"{a.ops_total:.3e} ops): {warm * 1e3:.2f} ms on a bound cascade, "
          f"{cold * 1e3:.2f} ms incl. building it from the library "
          f"(median of {args.repeat}; target < 50 ms)")

    toy = get("transformer-layer", **TOY)
    closed = ec.analyze(toy).total_ops
    t_naive = best_of(lambda: naive_op_counts(toy), 3)
    assert naive_op_counts(toy) == closed, (naive_op_counts(toy), closed)
    t_closed = best_of(lambda: ec.analyze(toy), args.repeat)
    inputs = random_inputs(toy, seed=0)
    t_eval = best_of(lambda: toy.evaluate(inputs), 5)
    print(f"toy sizes {TOY}: analyze {t_closed * 1e3:.2f} ms; naive per-point op count "
          f"{t_naive * 1e3:.1f} ms (same totals) -> {t_naive / t_closed:.0f}x; "
          f"evaluate {t_eval * 1e3:.1f} ms -> {t_eval / t_closed:.1f}x")
    points = sum(e.iteration_size(toy.sizes) for e in toy.einsums)
    bert_points = sum(e.iteration_size(bert.sizes) for e in bert.einsums)
    est = t_naive / points * bert_points
    print(f"naive counting at BERT-Base sizes would visit {bert_points:.2e} points: about "
          f"{est / 3600:.0f} h at the measured {points / t_naive:.2e} points/s, "
          f"vs {warm * 1e3:.2f} ms closed form ({est / warm:.1e}x)")

if __name__ == "__main__":
    main()
