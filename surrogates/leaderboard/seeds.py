"""The leaderboard over several seeds: mean and spread of every metric, targets on the means.

One seed changes the split and every model's initialization; on a few hundred or a few
thousand test designs two models can swap places on R^2 by more than they differ. Running the
leaderboard with ``seeds=(0, 1, 2)`` and judging the issue's targets on the seed means (with
the standard deviation beside them) says which differences are real::

    from surrogates.leaderboard.seeds import run_seeds
    res = run_seeds(seeds=(0, 1, 2), out_dir="lb", models=["gnn", "wa-gnn", "wa-transformer"])
    res["targets_check"]    # check_targets on the mean rows

CLI: ``fusebound leaderboard --seeds 0 1 2 --out DIR`` (each seed's full leaderboard goes to
``DIR/seed-S``; ``DIR/seeds.md`` and ``DIR/seeds.json`` hold the summary).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import SurrogateError
from .report import _num

#: Metrics averaged over seeds (each also gets ``<metric>_std``).
AVERAGED = ("r2", "smape", "rmse", "median_abs_rel_err", "p75_abs_rel_err", "within_10pct",
            "coverage", "train_seconds", "throughput_designs_per_s")
_KEY = ("model", "kind", "dataset", "split", "target")


def aggregate_seeds(rows_by_seed: dict) -> list[dict]:
    """Mean / std over seeds of every ``ok`` row, keyed by (model, dataset, split, target).

    ``rows_by_seed``: seed -> leaderboard rows. A key missing or not ``ok`` in some seed is
    averaged over the seeds that have it; ``n_seeds`` says how many. ``n_parameters`` is the
    largest over seeds (they differ only where the data decides a size, e.g. tree counts).
    """
    if not rows_by_seed:
        raise SurrogateError("aggregate_seeds needs the rows of at least one seed; got none")
    groups: dict = {}
    for seed, rows in rows_by_seed.items():
        for r in rows:
            if r.get("status") != "ok" or not r.get("target"):
                continue
            groups.setdefault(tuple(r.get(k) for k in _KEY), []).append((seed, r))
    out = []
    for key, items in groups.items():
        row = dict(zip(_KEY, key))
        row.update(status="ok", n_seeds=len(items), seeds=sorted(s for s, _ in items),
                   n=int(np.mean([r.get("n") or 0 for _, r in items])))
        for m in AVERAGED:
            vals = np.asarray([r[m] for _, r in items if _num(r.get(m))], dtype=np.float64)
            row[m] = float(vals.mean()) if vals.size else None
            row[f"{m}_std"] = float(vals.std(ddof=1)) if vals.size > 1 else None
        params = [r.get("n_parameters") for _, r in items if _num(r.get("n_parameters"))]
        row["n_parameters"] = max(params) if params else None
        out.append(row)
    return sorted(out, key=lambda r: tuple(str(r[k]) for k in _KEY))


def markdown(agg: list[dict], checks: list[dict], seeds) -> str:
    """Seed-mean tables (R^2 and SMAPE, mean +- std) per dataset and split, then the target
    check on the means."""
    from .report import TARGET_UNITS
    lines = [f"# fusebound leaderboard over seeds {', '.join(map(str, seeds))}", "",
             "Each cell: mean +- standard deviation over the seeds (each seed redraws the split "
             "and every model's initialization). The issue's targets are judged on the means. "
             "Per-seed reports: `seed-S/leaderboard.md`.", ""]
    for ds in sorted({r["dataset"] for r in agg}):
        for sp in sorted({r["split"] for r in agg if r["dataset"] == ds}):
            rows = [r for r in agg if r["dataset"] == ds and r["split"] == sp]
            targets = sorted({r["target"] for r in rows}, key=list(TARGET_UNITS).index)
            models = list(dict.fromkeys(r["model"] for r in rows))
            lines += [f"## {ds} / {sp}", ""]
            for metric, label in (("r2", "R^2"), ("smape", "SMAPE (%)")):
                lines += [f"{label}:", "", "| model | " + " | ".join(targets) + " | params |",
                          "|---|" + "---:|" * (len(targets) + 1)]
                for m in models:
                    cells = []
                    for t in targets:
                        r = next((x for x in rows if x["model"] == m and x["target"] == t), None)
                        cells.append(_pm(r, metric))
                    p = next((x["n_parameters"] for x in rows if x["model"] == m), None)
                    lines.append(f"| {m} | " + " | ".join(cells) + f" | {_int(p)} |")
                lines.append("")
    lines += ["## The issue's targets, on the seed means", ""]
    for c in checks:
        verdict = {True: "met", False: "NOT met", None: "not measurable"}[c["met"]]
        best = f" (our best: {c['best_model']})" if c.get("best_model") else ""
        lines.append(f"- **{c['dataset']} / {c['split']}**: {verdict}{best}")
        lines += [f"  - {why}" for why in c.get("reasons", [])]
    return "\n".join(lines) + "\n"


def _pm(r, metric: str) -> str:
    if r is None or r.get(metric) is None:
        return "-"
    s = r.get(f"{metric}_std")
    fmt = "{:.3f}" if metric == "r2" else "{:.2f}"
    return fmt.format(r[metric]) + ("" if s is None else " +- " + fmt.format(s))


def _int(v) -> str:
    return "-" if v is None else f"{int(v):,}"


def run_seeds(seeds, out_dir=None, log=None, **kw) -> dict:
    """:func:`~surrogates.leaderboard.run_leaderboard` once per seed (``out_dir/seed-S``, so
    each seed resumes from its own checkpoints), then the seed summary; returns
    ``{"seeds", "rows", "targets_check", "files", "per_seed"}``."""
    from . import run_leaderboard
    from .report import check_targets
    seeds = list(seeds)
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, int) or s < 0]
    if not seeds or bad or len(set(seeds)) != len(seeds):
        raise SurrogateError(f"seeds must be distinct integers >= 0; got {seeds}")
    out = Path(out_dir) if out_dir is not None else None
    per_seed, notes = {}, {}
    for s in seeds:
        res = run_leaderboard(seed=s, out_dir=None if out is None else out / f"seed-{s}",
                              log=log, **kw)
        per_seed[s] = res
        for d in res.datasets:
            notes.setdefault(d["dataset"], d.get("notes", []))
    agg = aggregate_seeds({s: r.rows for s, r in per_seed.items()})
    checks = check_targets(agg, notes)
    result = {"seeds": seeds, "rows": agg, "targets_check": checks, "files": {},
              "per_seed": per_seed}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        md = out / "seeds.md"
        md.write_text(markdown(agg, checks, seeds))
        js = out / "seeds.json"
        js.write_text(json.dumps({"seeds": seeds, "rows": agg, "targets_check": checks,
                                  "config": per_seed[seeds[0]].config}, indent=1, default=str))
        result["files"] = {"markdown": str(md), "json": str(js)}
    return result
