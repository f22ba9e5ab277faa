"""Train every surrogate model on one split and compare validation accuracy and cost.

    python benchmarks/surrogates_models.py [--data wa-hls4ml-csv] [--path DIR]
        [--split grouped] [--models gnn-gatv2 gnn-gin gnn-sage transformer wa-gnn wa-transformer gbt mlp]
        [--max-epochs 20] [--seed 0] [--json]

Answers the "GATv2, GIN or GraphSAGE - measure which" question of the GNN encoder and puts
our models beside the wa-hls4ml re-implementations and the flat baselines, all trained on the
same training split with the same seed. Reports validation metrics only (R^2 on the raw
scale, SMAPE in the wa-hls4ml form, 90% interval coverage), parameter count, fit seconds and
the CPU prediction rate on the validation designs. Test-split scoring belongs to the
leaderboard.
"""

from __future__ import annotations

import argparse
import json
import time


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="wa-hls4ml-csv")
    ap.add_argument("--path")
    ap.add_argument("--split", default="grouped")
    ap.add_argument("--models", nargs="+", default=["gnn-gatv2", "gnn-gin", "gnn-sage", "transformer",
                                                    "wa-gnn", "wa-transformer", "gbt", "mlp"])
    ap.add_argument("--max-epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from surrogates.models import create
    from surrogates.splits import make_split
    from surrogates.train import resolve_data

    data = resolve_data(args.data, args.path)
    sp = make_split(args.split, data, seed=args.seed)
    train, val = data.take(sp.train), data.take(sp.val)
    rows = []
    for name in args.models:
        cfg = {} if name in ("gbt", "mlp", "fpga") else {"max_epochs": args.max_epochs,
                                                         "progress": False}
        try:
            est = create(name, seed=args.seed, **cfg).fit(train, val)
        except Exception as e:  # noqa: BLE001 - report and go on
            rows.append({"model": name, "error": f"{type(e).__name__}: {e}"})
            continue
        t = time.perf_counter()
        est.predict_arrays(val)
        rate = len(val) / (time.perf_counter() - t)
        for target, m in est.info["val"].items():
            rows.append({"model": name, "target": target, "r2": m["r2"], "smape": m["smape"],
                         "coverage": m.get("coverage"), "params": est.n_parameters(),
                         "fit_s": est.info["fit_seconds"], "pred_per_s": rate})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"data {args.data}, split {sp.name} {sp.sizes()}, seed {args.seed}, "
          f"max_epochs {args.max_epochs}, validation metrics")
    from fusebound.output import print_table
    print_table(rows, ["model", "target", "r2", "smape", "coverage", "params", "fit_s",
                       "pred_per_s"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
