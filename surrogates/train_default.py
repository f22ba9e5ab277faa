"""Build the shipped default checkpoint: ``python -m surrogates.train_default [--root DIR]``.

Data: every source under the hls4ml data root (``$FUSEBOUND_HLS4ML_DATA`` or ``--root``;
in this workplace ``../shared/data/hls4ml``) with C-synthesis (``hls_estimate``) labels:
wa-hls4ml 3-layer CSV export, wa-hls4ml fixture records, N-TORC per-layer designs (exact
repeats dropped). Split: ``grouped`` (by architecture), seed 0. Model: ``gnn`` (GATv2
encoder, structured readout, quantile heads). Writes ``checkpoints/default.pt`` and
``checkpoints/default.json`` (data, split sizes, config, validation and test metrics).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).parent / "checkpoints"
CONFIG = {"hidden": 48, "layers": 3, "heads": 4, "max_epochs": 40, "patience": 8,
          "batch_size": 128, "lr": 3e-3}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", help="hls4ml data root (default $FUSEBOUND_HLS4ML_DATA)")
    ap.add_argument("--out", default=str(HERE / "default.pt"))
    ap.add_argument("--max-epochs", type=int, default=CONFIG["max_epochs"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from .data import load_dataset, summarize
    from .output_json import jsonable
    from .train import train

    data = load_dataset("all", args.root, label_source="hls_estimate", dedupe=True,
                        progress=True)
    cfg = dict(CONFIG, max_epochs=args.max_epochs, progress=True)
    res = train("gnn", data, split="grouped", seed=args.seed, **cfg)
    est = res.pop("estimator")
    out = Path(args.out)
    est.save(out)
    card = {"checkpoint": out.name, "model": "gnn", "label_provenance": est.label_provenance(),
            "data": {k: v for k, v in summarize(data).items() if k != "skipped"},
            "sources": list(data.sources), "split": res["split"], "seed": args.seed,
            "config": {k: v for k, v in cfg.items() if k != "progress"},
            "n_parameters": res["n_parameters"], "fit_seconds": res["fit_seconds"],
            "training": res["training"], "val": res["val"], "test": res.get("test"),
            "size_bytes": out.stat().st_size,
            "command": "python -m surrogates.train_default --root ../shared/data/hls4ml"}
    out.with_suffix(".json").write_text(json.dumps(jsonable(card), indent=1) + "\n")
    for part in ("val", "test"):
        for t, m in (res.get(part) or {}).items():
            print(f"{part:5s} {t:15s} r2 {m['r2']:.3f} smape {m['smape']:.1f}% "
                  f"p75 {m['p75_abs_rel_err']:.1f}% coverage {m.get('coverage', float('nan')):.2f}")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
