"""``fusebound leaderboard``: every surrogate on every split of every dataset on disk."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "leaderboard", help="train and score every surrogate model on every dataset and split",
        description="Train every surrogate model on the training split of every dataset on "
                    "disk (or load checkpoints), score each test split (in-distribution, "
                    "grouped, deeper-than-trained, other out-of-distribution splits, "
                    "exemplar-style records) and write a Markdown leaderboard, CSV/JSON and "
                    "plots. Published wa-hls4ml numbers appear as reference rows labelled "
                    "'published, different data'.")
    p.add_argument("--data", nargs="+", metavar="SOURCE",
                   help="sources: wa-hls4ml-csv, ntorc, wa-hls4ml, openflow, or paths of "
                        "records / .h5 caches (default: every source found on disk)")
    p.add_argument("--path", metavar="DIR",
                   help="hls4ml data folder (default: $FUSEBOUND_HLS4ML_DATA)")
    p.add_argument("--openflow", metavar="DIR",
                   help="open-flow dataset folder (default: $FUSEBOUND_OPENFLOW_DATA or "
                        "datasets/openflow)")
    p.add_argument("--models", nargs="+", metavar="MODEL",
                   help="model names or 'all' (default: gnn transformer gbt mlp fpga wa-gnn "
                        "wa-transformer rule4ml da4ml-factor)")
    p.add_argument("--splits", nargs="+", metavar="SPLIT",
                   help="only these splits: in-distribution, published, grouped, deeper, "
                        "unseen-type, unseen-part")
    p.add_argument("--out", metavar="DIR", help="output folder (leaderboard.md/.csv/.json, "
                                                "plots/, checkpoints/)")
    p.add_argument("--from-checkpoints", metavar="DIR",
                   help="load fitted models from this checkpoint folder (missing ones are "
                        "trained and saved there); default: OUT/checkpoints, so rerunning "
                        "with the same --out resumes")
    p.add_argument("--retrain", action="store_true", help="ignore existing checkpoints")
    p.add_argument("--quick", action="store_true",
                   help="tiny models on <= 400 designs per dataset (seconds to a minute)")
    p.add_argument("--max-designs", type=int, metavar="N",
                   help="at most N designs per dataset (whole architectures)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                   help="run once per seed (OUT/seed-S each) and judge the targets on the "
                        "seed means: OUT/seeds.md, OUT/seeds.json")
    p.add_argument("--jobs", type=int, default=1,
                   help="worker processes fitting models in parallel, one CPU thread each "
                        "(same numbers as --jobs 1)")
    p.add_argument("--max-epochs", type=int, help="epoch budget of every neural model")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from surrogates.leaderboard import ALL_MODELS, LeaderboardConfig, run_leaderboard

    model_config = {}
    if args.max_epochs is not None:
        if args.max_epochs < 1:
            from surrogates.errors import SurrogateError
            raise SurrogateError(f"--max-epochs must be >= 1; got {args.max_epochs}")
        probe = LeaderboardConfig(models=ALL_MODELS, quick=args.quick)
        model_config = {m: {"max_epochs": args.max_epochs} for m in ALL_MODELS
                        if "max_epochs" in probe.config_of(m)}
    if args.max_designs is not None and args.max_designs < 10:
        from surrogates.errors import SurrogateError
        raise SurrogateError(f"--max-designs must be >= 10; got {args.max_designs}")
    common = dict(data=args.data, models=args.models, quick=args.quick, root=args.path,
                  openflow=args.openflow, splits=args.splits, max_designs=args.max_designs,
                  retrain=args.retrain, plots=not args.no_plots, model_config=model_config,
                  progress=not args.no_progress, jobs=args.jobs)
    if args.seeds is not None:
        return _run_seeds(args, common)
    res = run_leaderboard(out_dir=args.out, from_checkpoints=args.from_checkpoints,
                          seed=args.seed, **common)
    if args.json:
        from fusebound.output import print_json
        print_json(res.json_rows())
        return 0
    from fusebound.output import print_table
    rows = [r for r in res.json_rows() if r["status"] == "ok"]
    print_table(rows, columns=["dataset", "split", "model", "target", "r2", "smape",
                               "p75_abs_rel_err", "within_10pct", "n"])
    bad = {(r["dataset"], r["split"], r["model"]): r for r in res.rows
           if r["status"] != "ok"}
    for (ds, sp, m), r in bad.items():
        print(f"{ds}/{sp}/{m}: {r['status']} - {r['error']}")
    for c in res.targets_check:
        verdict = {True: "met", False: "NOT met", None: "not measurable"}[c["met"]]
        print(f"target {c['dataset']}/{c['split']}: {verdict}"
              + (f" (best: {c['best_model']})" if c.get("best_model") else ""))
    if res.files:
        print(f"wrote {res.files['markdown']}, {res.files['csv']}, {res.files['json']}",
              file=sys.stderr)
    return 0


def _run_seeds(args: argparse.Namespace, common: dict) -> int:
    from surrogates.errors import SurrogateError
    from surrogates.leaderboard.seeds import run_seeds
    if args.from_checkpoints:
        raise SurrogateError("--seeds keeps one checkpoint folder per seed under --out "
                             "(OUT/seed-S/checkpoints); --from-checkpoints cannot be combined "
                             "with it")
    if args.seed != 0:
        raise SurrogateError("give either --seed or --seeds, not both")
    res = run_seeds(args.seeds, out_dir=args.out, **common)
    if args.json:
        from fusebound.output import print_json
        print_json({"seeds": res["seeds"], "rows": res["rows"],
                    "targets_check": res["targets_check"]})
        return 0
    from fusebound.output import print_table
    print_table(res["rows"], columns=["dataset", "split", "model", "target", "r2", "r2_std",
                                      "smape", "smape_std", "n_seeds"])
    for c in res["targets_check"]:
        verdict = {True: "met", False: "NOT met", None: "not measurable"}[c["met"]]
        print(f"target {c['dataset']}/{c['split']} (seed means): {verdict}"
              + (f" (best: {c['best_model']})" if c.get("best_model") else ""))
    if res["files"]:
        print(f"wrote {res['files']['markdown']}, {res['files']['json']}", file=sys.stderr)
    return 0
