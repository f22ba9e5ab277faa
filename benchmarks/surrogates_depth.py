"""Depth extrapolation of the readouts, on analytic labels: train on shallow, test on deep.

    python benchmarks/surrogates_depth.py [--n 3000] [--max-train-depth 3] [--max-epochs 25]
        [--models gnn transformer wa-gnn wa-transformer gbt]

Controlled experiment, NOT synthesis data: random dense hls4ml designs (1-8 Dense layers,
widths 8-128, reuse factors 1-1024, 4-16-bit weights, xcu250) are labelled by the ``fpga``
analytic estimator (a fixed first-principles function of the design), so the only question is
whether a model trained on designs with <= ``--max-train-depth`` compute layers predicts the
same function on deeper designs. Our structured readout (sum / critical path / max over
layers) should extrapolate; pooled readouts (wa-gnn, wa-transformer) and flat trees are
expected to saturate. Prints R^2 (raw scale) and SMAPE per target on the deeper test designs.
"""

from __future__ import annotations

import argparse

import numpy as np


def make_labelled(n: int, seed: int = 0):
    import fpga
    from surrogates.packed import pack_designs
    rng = np.random.default_rng(seed)
    designs, labels, prov = [], [], []
    for i in range(n):
        depth = int(rng.integers(1, 9))
        widths = rng.choice([8, 16, 32, 64, 128], size=depth + 1).tolist()
        rf = int(rng.choice([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]))
        bits = int(rng.choice([4, 8, 12, 16]))
        layers = [{"name": "in", "type": "Input", "input_shape": [widths[0]],
                   "output_shape": [widths[0]], "precision": {"result": "ap_fixed<16,6>"}}]
        for k in range(depth):
            a, b = widths[k], widths[k + 1]
            layers.append({"name": f"fc{k}", "type": "Dense", "input_shape": [a],
                           "output_shape": [b], "parameters": a * b + b,
                           "reuse_factor": fpga.check_reuse_factor(a, b, rf).used,
                           "precision": {"weight": f"ap_fixed<{bits},1>",
                                         "bias": f"ap_fixed<{bits},1>",
                                         "result": "ap_fixed<16,6>", "accum": "ap_fixed<16,6>"}})
        d = fpga.Design.chain(layers, strategy="resource" if rf > 1 else "latency",
                              part="xcu250-figd2104-2L-e", name=f"rand{i}")
        e = fpga.estimate(d)
        designs.append(d)
        labels.append({t: getattr(e, t) for t in ("lut", "ff", "dsp", "bram", "latency_cycles",
                                                  "ii_cycles")})
        prov.append({t: "hls_estimate" for t in labels[-1]})
    return pack_designs(designs, labels=labels, provenance=prov, source="analytic")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--max-train-depth", type=int, default=3)
    ap.add_argument("--max-epochs", type=int, default=25)
    ap.add_argument("--models", nargs="+", default=["gnn", "transformer", "wa-gnn",
                                                    "wa-transformer", "gbt"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from fusebound.output import print_table
    from surrogates.models import create
    from surrogates.splits import make_split

    data = make_labelled(args.n, args.seed)
    sp = make_split("deeper", data, seed=args.seed, max_depth=args.max_train_depth)
    train, val, test = data.take(sp.train), data.take(sp.val), data.take(sp.test)
    print(f"analytic labels (fpga.estimate), {args.n} random dense designs; train/val depth <= "
          f"{args.max_train_depth} ({len(train)}/{len(val)}), test deeper ({len(test)}, depth "
          f"{int(test.depth.min())}-{int(test.depth.max())})")
    rows = []
    for name in args.models:
        cfg = {} if name in ("gbt", "mlp") else {"max_epochs": args.max_epochs,
                                                 "progress": False}
        est = create(name, seed=args.seed, **cfg).fit(train, val)
        for t, m in est.evaluate(test).items():
            rows.append({"model": name, "target": t, "test_r2": m["r2"], "test_smape": m["smape"],
                         "val_r2": est.info["val"][t]["r2"]})
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
