"""Error of fpga's analytic estimator on held-out N-TORC groups (reported, not asserted).

N-TORC rows repeat heavily, so the split is by group (layer type, sizes, reuse factor), never by
row: a seeded random 70/30 split of the distinct groups. The estimator's few coefficients are
fitted (non-negative least squares on relative error) on the training groups only - optionally
together with the training architectures of the wa-hls4ml 3-layer CSV (split by
``model_string``) - and the error is measured on the held-out N-TORC groups, next to the
hand-set analytic coefficients. ``--write PATH`` saves the fitted coefficients with the config
that made them (the file ``fpga/estimator_coefficients.json`` shipped as the default).

    python benchmarks/estimator_ntorc.py --data ../shared/data/hls4ml [--json] [--write F]

Metrics (spec/hls4ml_data.md): SMAPE = 200/n sum |y-yhat|/(|y|+|yhat|+1) %, R^2 on the raw
scale, and the 75th percentile of |100 (y-yhat)/(y+1)|.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import fpga
from fpga.estimator import ANALYTIC_COEFFICIENTS, estimate, fit_coefficients

TARGETS = ("lut", "ff", "dsp", "bram", "latency_cycles")


def metrics(y, yhat):
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    smape = 200.0 * np.mean(np.abs(y - yhat) / (np.abs(y) + np.abs(yhat) + 1.0))
    ss_tot = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - np.sum((y - yhat) ** 2) / ss_tot if ss_tot > 0 else float("nan")
    p75 = float(np.percentile(np.abs(100.0 * (y - yhat) / (y + 1.0)), 75))
    return {"smape_pct": float(smape), "r2": float(r2), "p75_abs_rel_err_pct": p75,
            "n": int(len(y))}


def split_groups(records, key, test_fraction, seed):
    groups = sorted({key(r) for r in records})
    rng = random.Random(seed)
    rng.shuffle(groups)
    n_test = max(1, int(round(test_fraction * len(groups))))
    test = set(groups[:n_test])
    return ([r for r in records if key(r) not in test], [r for r in records if key(r) in test],
            len(groups) - n_test, n_test)


def _group(r):
    return r.meta.get("group") or r.meta.get("model_string") or r.design.name


def evaluate(records, coefs):
    by_type = defaultdict(lambda: defaultdict(lambda: ([], [])))
    for rec in records:
        est = estimate(rec.design, coefficients=coefs).labels
        kind = rec.meta.get("layer_type", "all")
        for t in TARGETS:
            if t in rec.labels:
                for k in (kind, "all"):
                    by_type[k][t][0].append(rec.labels[t])
                    by_type[k][t][1].append(est[t])
    return {k: {t: metrics(*v) for t, v in d.items()} for k, d in by_type.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("FUSEBOUND_HLS4ML_DATA"),
                    help="hls4ml data folder (default: $FUSEBOUND_HLS4ML_DATA)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-fraction", type=float, default=0.3)
    ap.add_argument("--no-wa-csv", action="store_true",
                    help="fit on N-TORC training groups only")
    ap.add_argument("--write", help="save the fitted coefficients (with their config) here")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if not args.data:
        ap.error("pass --data or set FUSEBOUND_HLS4ML_DATA")
    data = Path(args.data)
    t0 = time.perf_counter()
    ntorc = list(fpga.read_records(data / "ntorc"))
    train, test, n_train_g, n_test_g = split_groups(ntorc, lambda r: r.meta["group"],
                                                    args.test_fraction, args.seed)
    fit_records = list(train)
    wa_info = None
    csv_path = data / "wa_hls4ml" / "csv_exports" / "3layer.csv"
    if not args.no_wa_csv and csv_path.exists():
        wa = list(fpga.read_records(csv_path))
        wa_train, wa_test, a, b = split_groups(wa, lambda r: r.meta["model_string"],
                                               args.test_fraction, args.seed)
        fit_records += wa_train
        wa_info = {"train_architectures": a, "test_architectures": b, "wa_test": wa_test}
    # model selection (fitted vs analytic, per target) on a validation split of the training
    # groups only; then the chosen targets are refitted on all training records
    fit_part, val_part, _, _ = split_groups(fit_records, _group, 0.2, args.seed + 1)
    chosen = fit_coefficients(fit_part, validation=val_part)["chosen"]
    fitted = fit_coefficients(fit_records)
    for t, how in chosen.items():
        if how != "fitted":
            fitted["coefficients"][t] = dict(ANALYTIC_COEFFICIENTS[t])
    fitted["chosen"] = chosen
    result = {
        "config": {"data": str(data), "seed": args.seed, "test_fraction": args.test_fraction,
                   "split": "by group (layer type, sizes, reuse factor); wa CSV by model_string",
                   "fit_on": ["ntorc train groups"] + ([] if wa_info is None else
                                                       ["wa_hls4ml 3layer.csv train archs"]),
                   "ntorc_train_groups": n_train_g, "ntorc_test_groups": n_test_g,
                   "ntorc_train_records": len(train), "ntorc_test_records": len(test),
                   "fit_records": len(fit_records)},
        "heldout_ntorc": {"analytic": evaluate(test, ANALYTIC_COEFFICIENTS),
                          "fitted": evaluate(test, fitted["coefficients"])},
    }
    if wa_info is not None:
        result["config"].update(wa_train_architectures=wa_info["train_architectures"],
                                wa_test_architectures=wa_info["test_architectures"])
        result["heldout_wa_csv"] = {"analytic": evaluate(wa_info["wa_test"],
                                                         ANALYTIC_COEFFICIENTS)["all"],
                                    "fitted": evaluate(wa_info["wa_test"],
                                                       fitted["coefficients"])["all"]}
    result["chosen"] = fitted["chosen"]
    result["seconds"] = round(time.perf_counter() - t0, 1)
    if args.write:
        Path(args.write).write_text(json.dumps(
            {"coefficients": fitted["coefficients"], "n_records": fitted["n_records"],
             "label_provenance": fitted["provenance"], "chosen": fitted["chosen"],
             "config": result["config"],
             "heldout_ntorc_fitted_all": result["heldout_ntorc"]["fitted"]["all"]},
            indent=1) + "\n")
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
        return 0
    print(json.dumps(result["config"]))
    print("per target:", json.dumps(result["chosen"]))
    for name in ("heldout_ntorc", "heldout_wa_csv"):
        if name not in result:
            continue
        print(f"\n{name}: SMAPE % / R^2 / p75 |rel err| % (analytic -> fitted)")
        blocks = result[name]
        kinds = blocks["fitted"].keys() if name == "heldout_ntorc" else [None]
        for kind in kinds:
            a = blocks["analytic"][kind] if kind else blocks["analytic"]
            f = blocks["fitted"][kind] if kind else blocks["fitted"]
            for t in TARGETS:
                if t in f:
                    print(f"  {kind or 'all':6s} {t:15s} n={f[t]['n']:5d}  "
                          f"SMAPE {a[t]['smape_pct']:6.1f} -> {f[t]['smape_pct']:6.1f}  "
                          f"R2 {a[t]['r2']:8.2f} -> {f[t]['r2']:6.2f}  "
                          f"p75 {a[t]['p75_abs_rel_err_pct']:7.1f} -> "
                          f"{f[t]['p75_abs_rel_err_pct']:6.1f}")
    print(f"\n{result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
