"""Batched surrogate prediction throughput on CPU: 10,000 designs in one call vs one by one.

    python benchmarks/predict_throughput.py [--n 10000] [--checkpoint default] [--unbatched 200]

Builds ``--n`` random dense hls4ml designs (2-7 Dense layers, widths 8-128, reuse factors
1-1024, 4-16-bit weights) as ``fpga.Design`` objects, then times
``surrogates.load(ckpt).predict(designs)`` (packing + encoding + model + DataFrame) once
batched and, as the baseline in the same process, one design per call for ``--unbatched``
designs (extrapolated per design). Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def make_designs(n: int, seed: int = 0) -> list:
    import fpga
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        depth = int(rng.integers(2, 8))
        widths = rng.choice([8, 16, 32, 64, 128], size=depth + 1).tolist()
        rf = int(rng.choice([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]))
        bits = int(rng.choice([4, 8, 12, 16]))
        layers = [{"name": "in", "type": "Input", "input_shape": [widths[0]],
                   "output_shape": [widths[0]]}]
        for k in range(depth):
            a, b = widths[k], widths[k + 1]
            layers.append({"name": f"fc{k}", "type": "Dense", "input_shape": [a],
                           "output_shape": [b], "parameters": a * b + b,
                           "reuse_factor": min(rf, a * b),
                           "precision": {"weight": f"ap_fixed<{bits},1>",
                                         "result": "ap_fixed<16,6>"}})
        out.append(fpga.Design.chain(layers, strategy="resource" if rf > 1 else "latency",
                                     part="xcu250-figd2104-2L-e", name=f"rand{i}"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--unbatched", type=int, default=200)
    ap.add_argument("--checkpoint", default="default")
    args = ap.parse_args(argv)

    import surrogates
    from surrogates.predict import to_packed

    est = surrogates.load(args.checkpoint)
    designs = make_designs(args.n)
    est.predict(designs[:16])  # warm-up (imports, first allocations)

    t0 = time.perf_counter()
    packed = to_packed(designs)
    t1 = time.perf_counter()
    df = est.frame(packed)
    t2 = time.perf_counter()
    batched_s = t2 - t0
    assert len(df) == args.n

    m = min(args.unbatched, args.n)
    t3 = time.perf_counter()
    for d in designs[:m]:
        est.predict(d)
    per_design_unbatched = (time.perf_counter() - t3) / m

    print(f"model {est.name} ({est.n_parameters():,} parameters), CPU, torch threads 1")
    print(f"batched:   {args.n} designs in {batched_s:.3f} s "
          f"(pack {t1 - t0:.3f} s, encode+model+frame {t2 - t1:.3f} s) = "
          f"{args.n / batched_s:,.0f} designs/s")
    print(f"unbatched: {per_design_unbatched * 1e3:.2f} ms per design over {m} designs = "
          f"{1 / per_design_unbatched:,.0f} designs/s")
    print(f"ratio batched / unbatched throughput: {per_design_unbatched * args.n / batched_s:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
