"""Model choices on validation data only (never a test split): compare model configs.

    python benchmarks/surrogates_validation.py --data openflow --protocol depth \\
        --configs gnn 'gnn:{"skip": false}' --seeds 0 1
    python benchmarks/surrogates_validation.py --data wa-hls4ml-csv --protocol val \\
        --configs gnn 'gnn:{"skip": false}' --seeds 0 1
    python benchmarks/surrogates_validation.py --data openflow --protocol depth \\
        --configs gnn --seeds 0 1 --openflow-sparsity mask      # the reader's old feature

Protocols:

* ``val``: the leaderboard's split of ``--split`` (default in-distribution); models train on its
  training part and are scored on its validation part.
* ``depth``: the designs of the ``deeper`` split's training part only (its test part, the
  deeper designs, is never read): train on depth < k, score on depth k, where k is the deepest
  training depth. A stand-in for "deeper than trained" that model selection may use.

Each config is ``MODEL`` or ``MODEL:JSON`` (JSON overrides the leaderboard's full config, which
includes its step budget). ``--openflow-sparsity mask`` gives every open-flow layer the
zeroing probability of its design as sparsity (what the reader did before it rebuilt the real
share of zero weights), for the ablation quoted in the README. Prints R^2 and SMAPE per target
for each config and seed, then the means over seeds.
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def _datasets(name: str, split: str, protocol: str):
    from surrogates.leaderboard.datasets import SPLIT_KINDS, plan_datasets
    from surrogates.splits import make_split

    plans, _ = plan_datasets([name], split_names=["deeper" if protocol == "depth" else split])
    plan = next(p for p in plans if p.name == name)
    kind = SPLIT_KINDS["deeper" if protocol == "depth" else split]
    sp = make_split(kind, plan.data, seed=0)
    if protocol == "val":  # early stopping and scoring on the same validation part
        va = plan.data.take(sp.val)
        return plan, plan.data.take(sp.train), va, va, "the validation part"
    inside = plan.data.take(np.sort(np.concatenate([sp.train, sp.val])))
    k = int(sp.params["max_depth"])
    sub = make_split("deeper", inside, seed=0, max_depth=k - 1)  # its 'test' = depth k
    return (plan, inside.take(sub.train), inside.take(sub.val), inside.take(sub.test),
            f"depth {k}, trained on depth < {k}")


def _mask_sparsity() -> None:
    """Ablation: open-flow layers get the design's zeroing probability as sparsity."""
    import fpga.openflow.dataset as ofd

    ofd.layer_zero_shares = lambda row, spec=None: None


def _declared_in_bits() -> None:
    """Ablation: open-flow layers get the declared width of their input as ``in_bits``."""
    import fpga.openflow.dataset as ofd

    ofd.layer_input_bits = lambda row, spec=None: None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="openflow")
    ap.add_argument("--split", default="in-distribution")
    ap.add_argument("--protocol", choices=("val", "depth"), default="val")
    ap.add_argument("--configs", nargs="+", default=["gnn"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--openflow-sparsity", choices=("real", "mask"), default="real")
    ap.add_argument("--openflow-in-bits", choices=("real", "declared"), default="real")
    args = ap.parse_args(argv)

    from surrogates.leaderboard.core import FULL_CONFIG, step_budget
    from surrogates.models.base import available, create

    trainable = sorted(set(FULL_CONFIG) & set(available()))
    configs = {}
    for spec in args.configs:  # checked before any data is read
        model, _, extra = spec.partition(":")
        if model not in trainable:
            ap.error(f"model of config {spec!r} must be one of {trainable}")
        try:
            over = json.loads(extra) if extra else {}
        except json.JSONDecodeError as e:
            ap.error(f"config {spec!r}: the part after ':' must be a JSON object ({e})")
        if not isinstance(over, dict):
            ap.error(f"config {spec!r}: the part after ':' must be a JSON object")
        configs[spec] = (model, over)
    if args.openflow_sparsity == "mask":
        _mask_sparsity()
    if args.openflow_in_bits == "declared":
        _declared_in_bits()

    plan, tr, va, scored, what = _datasets(args.data, args.split, args.protocol)
    print(f"{args.data}: train {len(tr)} designs (early stopping on {len(va)}), scored on "
          f"{len(scored)} ({what}); "
          f"open-flow sparsity: {args.openflow_sparsity}, in_bits: {args.openflow_in_bits}")
    summary: dict = {}
    for spec, (model, over) in configs.items():
        for seed in args.seeds:
            cfg = dict(FULL_CONFIG[model], progress=False)
            cfg.update(over)
            cfg = step_budget(cfg, len(tr))
            est = create(model, targets=plan.targets, seed=seed, provenance=plan.provenance,
                         **cfg).fit(tr, va)
            ev = est.evaluate(scored)
            r2 = {t: ev[t]["r2"] for t in plan.targets}
            smape = {t: ev[t]["smape"] for t in plan.targets}
            summary.setdefault(spec, []).append((r2, smape))
            print(f"{spec:32s} seed {seed}  R^2 "
                  + " ".join(f"{t}={v:.3f}" for t, v in r2.items()) + "  SMAPE "
                  + " ".join(f"{t}={v:.2f}" for t, v in smape.items()), flush=True)
    print("\nmeans over seeds", args.seeds)
    for spec, runs in summary.items():
        print(f"{spec:32s} R^2 " + " ".join(
            f"{t}={np.mean([r[0][t] for r in runs]):.3f}" for t in plan.targets) + "  SMAPE "
            + " ".join(f"{t}={np.mean([r[1][t] for r in runs]):.2f}" for t in plan.targets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
