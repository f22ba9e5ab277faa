"""``fusebound train``, ``fusebound predict`` and ``fusebound data``: the surrogates."""

from __future__ import annotations

import argparse
import sys

TARGET_KEYS = ("lut", "ff", "dsp", "bram", "latency_cycles", "ii_cycles")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a surrogate model on hls4ml synthesis data",
                       description="Train a surrogate (gnn, transformer, wa-gnn, wa-transformer, "
                                   "gbt, mlp, fpga, gnn-gin, gnn-sage) on a data source and split.")
    p.add_argument("--model", default="gnn", help="model name (default gnn)")
    p.add_argument("--data", default="wa-hls4ml-csv",
                   help="source name (wa-hls4ml, wa-hls4ml-csv, ntorc, records, all, openflow), "
                        "a cache file .h5 or a path of records (default wa-hls4ml-csv)")
    p.add_argument("--path", help="folder of the source (default: $FUSEBOUND_HLS4ML_DATA/...; "
                                  "openflow: $FUSEBOUND_OPENFLOW_DATA or datasets/openflow)")
    p.add_argument("--split", default="grouped",
                   help="published, grouped, random, deeper, unseen-type, unseen-part")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--hidden", type=int, help="hidden width of neural models")
    p.add_argument("--layers", type=int, help="message-passing / encoder layers")
    p.add_argument("--label-source", default=None,
                   choices=["hls_estimate", "post_synthesis", "open_synthesis"],
                   help="provenance of the labels to train on (default open_synthesis for "
                        "--data openflow, else hls_estimate)")
    p.add_argument("--limit", type=int, help="read at most N records")
    p.add_argument("--out", help="folder for model.pt, run.json, CSV logs and checkpoints")
    p.add_argument("--accelerator", default="auto")
    p.add_argument("--devices", default="auto")
    p.add_argument("--strategy", default="auto", help="Lightning strategy (ddp, ...)")
    p.add_argument("--num-nodes", type=int, default=1)
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run_train)

    p = sub.add_parser("predict", help="predict LUT/FF/DSP/BRAM/latency/II of hls4ml designs",
                       description="Predict resources, latency and II (with 90% intervals) of "
                                   "designs in JSON/YAML files with a surrogate checkpoint.")
    p.add_argument("designs", nargs="+", metavar="DESIGN.json",
                   help="design file(s): fpga design JSON/YAML or wa-hls4ml record JSON")
    p.add_argument("--part", help="target FPGA part (overrides the designs' part)")
    p.add_argument("--checkpoint", default="default", help="checkpoint file (default: shipped)")
    p.add_argument("--json", action="store_true", help="print per-design JSON")
    p.set_defaults(func=run_predict)

    p = sub.add_parser("data", help="surrogate datasets: sources, info, cache, download",
                       description="Inspect, cache and download surrogate training data.")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION")
    q = dsub.add_parser("info", help="counts, labels, provenance and layer types of a source")
    q.add_argument("source", help="source name, cache .h5 or path")
    q.add_argument("--path")
    q.add_argument("--label-source", default="hls_estimate",
                   choices=["hls_estimate", "post_synthesis"])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_data_info)
    q = dsub.add_parser("cache", help="convert a source to the compact HDF5 cache")
    q.add_argument("source")
    q.add_argument("--path")
    q.add_argument("--out", required=True, help="output .h5 file")
    q.add_argument("--label-source", default="hls_estimate",
                   choices=["hls_estimate", "post_synthesis"])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_data_cache)
    q = dsub.add_parser("split", help="sizes and parameters of a named split of a source")
    q.add_argument("source")
    q.add_argument("--path")
    q.add_argument("--split", default="grouped")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_data_split)
    q = dsub.add_parser("download", help="download a dataset from the Hugging Face hub")
    q.add_argument("name", help="wa-hls4ml")
    q.add_argument("--to", required=True, metavar="DIR")
    q.add_argument("--subset", action="append", help="only files of this subset (repeatable)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=run_data_download)
    p.set_defaults(func=lambda a: (p.print_help(), 0)[1])


def run_train(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table
    from surrogates.train import metrics_rows, train

    cfg = {"max_epochs": args.max_epochs, "progress": not args.no_progress,
           "accelerator": args.accelerator, "devices": args.devices, "strategy": args.strategy,
           "num_nodes": args.num_nodes}
    for k in ("batch_size", "lr", "hidden", "layers"):
        if getattr(args, k) is not None:
            cfg[k] = getattr(args, k)
    if args.model in ("gbt", "mlp", "fpga"):
        from surrogates.errors import SurrogateError
        neural = (("max_epochs", 30), ("batch_size", None), ("lr", None), ("hidden", None),
                  ("layers", None), ("accelerator", "auto"), ("devices", "auto"),
                  ("strategy", "auto"), ("num_nodes", 1))
        given = ["--" + k.replace("_", "-") for k, default in neural if getattr(args, k) != default]
        if given:  # they used to be dropped without a word
            raise SurrogateError(f"{', '.join(given)} of train apply to neural models only; "
                                 f"model {args.model!r} takes none of them")
        cfg = {}
    res = train(args.model, args.data, split=args.split, seed=args.seed, path=args.path,
                label_source=args.label_source, out_dir=args.out, limit=args.limit, **cfg)
    res.pop("estimator", None)
    if args.json:
        print_json(res)
        return 0
    print(f"model {res['model']} on {res['data']} split {res['split']['name']} "
          f"{res['split']['sizes']} seed {res['seed']}, {res['n_parameters']:,} parameters, "
          f"fit {res['fit_seconds']:.1f} s")
    for note in res.get("target_notes") or []:
        print(f"note: {note}")
    print_table(metrics_rows(res), ["split", "target", "r2", "smape", "rmse", "p75_abs_rel_err",
                                    "within_10pct", "coverage", "n"])
    if res.get("checkpoint"):
        print(f"checkpoint: {res['checkpoint']}")
    return 0


def prediction_json(df) -> list[dict]:
    """Per-design dicts: each target with value / low / high (+ utilization_pct)."""
    out = []
    for row in df.to_dict(orient="records"):
        d = {"name": row["name"], "part": row["part"] or None}
        for t in TARGET_KEYS:
            if t in row:
                d[t] = {"value": row[t], "low": row[f"{t}_low"], "high": row[f"{t}_high"]}
                if f"{t}_util_pct" in row:
                    d[t]["utilization_pct"] = row[f"{t}_util_pct"]
        d["out_of_range"] = bool(row["out_of_range"])
        d["ood_reasons"] = [r for r in row["ood_reasons"].split("; ") if r]
        out.append(d)
    return out


def run_predict(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table
    import surrogates

    est = surrogates.load(args.checkpoint)
    df = est.predict(list(args.designs), part=args.part)
    if args.json:
        print_json(prediction_json(df))
        return 0
    rows = []
    for row in df.to_dict(orient="records"):
        r = {"name": row["name"][:40], "part": row["part"]}
        for t in TARGET_KEYS:
            r[t] = row[t]
        r["in_range"] = not row["out_of_range"]
        rows.append(r)
    print_table(rows)
    for row in df.to_dict(orient="records"):
        if row["out_of_range"]:
            print(f"warning: {row['name']}: {row['ood_reasons']}", file=sys.stderr)
    print(f"model {est.name}, labels {est.provenance}; 90% intervals in --json")
    return 0


def _load(args):
    from surrogates.train import resolve_data
    return resolve_data(args.source, getattr(args, "path", None),
                        getattr(args, "label_source", "hls_estimate"), cache=False)


def run_data_info(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table
    from surrogates.data import summarize

    s = summarize(_load(args))
    if args.json:
        print_json(s)
        return 0
    print_table([{"key": k, "value": str(v)} for k, v in s.items()])
    return 0


def run_data_cache(args: argparse.Namespace) -> int:
    import time

    from fusebound.output import print_json

    t = time.perf_counter()
    data = _load(args)
    path = data.save_h5(args.out)
    res = {"out": str(path), "designs": len(data), "seconds": round(time.perf_counter() - t, 3)}
    if args.json:
        print_json(res)
    else:
        print(f"wrote {res['designs']} designs to {res['out']} in {res['seconds']} s")
    return 0


def run_data_split(args: argparse.Namespace) -> int:
    from fusebound.output import print_json

    from surrogates.splits import make_split
    sp = make_split(args.split, _load(args), seed=args.seed)
    if args.json:
        print_json(sp.to_dict())
    else:
        print(f"split {sp.name} seed {sp.seed}: {sp.sizes()} {sp.params}")
    return 0


def run_data_download(args: argparse.Namespace) -> int:
    from fusebound.output import print_json

    from surrogates.download import download
    from surrogates.errors import SurrogateError
    try:
        path = download(args.name, args.to, subsets=args.subset)
    except ImportError as e:  # the download extra is optional
        raise SurrogateError(str(e)) from e
    if args.json:
        print_json({"name": args.name, "path": str(path)})
    else:
        print(f"downloaded {args.name} to {path}")
    return 0
