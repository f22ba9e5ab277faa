"""The surrogate benchmark leaderboard: every model, every split, published anchors, rule4ml.

One call trains every model on the training split of every dataset on disk (or loads its
checkpoint), scores it on each test split (in-distribution, grouped, deeper-than-trained,
other out-of-distribution splits, exemplar-style records) and writes a Markdown leaderboard,
CSV / JSON rows and plots::

    from surrogates.leaderboard import run_leaderboard
    res = run_leaderboard(out_dir="lb", quick=True)      # seconds; quick=False: minutes
    res.frame()            # one row per (model, dataset, split, target)
    res.targets_check      # does our best model beat wa-gnn / wa-transformer? why not?

CLI: ``fusebound leaderboard [--data SOURCE ...] [--models all] [--out DIR] [--json]
[--from-checkpoints DIR] [--quick]``; script: ``python benchmarks/leaderboard.py``.
See :mod:`.core` (runs), :mod:`.datasets` (what is scored), :mod:`.anchors` (published
rows, rule4ml, the da4ml baseline) and :mod:`.report` (outputs).
"""

from __future__ import annotations

import contextlib
import logging
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .core import ALL_MODELS, DEFAULT_MODELS, MODEL_KIND, LeaderboardConfig

__all__ = ["run_leaderboard", "LeaderboardConfig", "LeaderboardResult", "DEFAULT_MODELS",
           "ALL_MODELS", "MODEL_KIND", "JSON_KEYS"]

#: Keys every ``--json`` row has (``None`` where a metric does not apply).
JSON_KEYS = ("model", "kind", "dataset", "split", "trained_on", "target", "status", "r2",
             "smape", "rmse", "median_abs_rel_err", "p75_abs_rel_err", "within_10pct",
             "coverage", "n", "train_seconds", "throughput_designs_per_s", "n_parameters",
             "error")


@dataclass
class LeaderboardResult:
    """Rows (one per model, dataset, evaluation set, target; failed / skipped models get one
    row per evaluation set with ``target`` None), the target check, and what made them."""

    rows: list
    targets_check: list
    datasets: list
    splits: list
    config: dict
    seconds: float
    files: dict = field(default_factory=dict)
    plots: list = field(default_factory=list)
    environment: str = ""
    skipped_datasets: list = field(default_factory=list)

    def json_rows(self) -> list[dict]:
        """Rows with exactly :data:`JSON_KEYS` (the ``--json`` output)."""
        return [{k: r.get(k) for k in JSON_KEYS} for r in self.rows]

    def frame(self):
        import pandas as pd
        return pd.DataFrame(self.json_rows())

    def to_dict(self) -> dict:
        from .anchors import published_rows
        return {"config": self.config, "seconds": self.seconds, "environment": self.environment,
                "datasets": self.datasets, "splits": self.splits,
                "skipped_datasets": self.skipped_datasets,
                "targets_check": self.targets_check, "rows": self.json_rows(),
                "published": published_rows(), "plots": self.plots}


@contextlib.contextmanager
def _quiet():
    """Silence Lightning's info logging and library warnings during the run (stdout stays
    clean for ``--json``)."""
    try:  # Lightning sets its loggers' levels on import: import first, then quieten
        import lightning.pytorch  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    names = ["lightning", "lightning.pytorch", "pytorch_lightning", "lightning.fabric"]
    names += [n for n in logging.root.manager.loggerDict if n.startswith(("lightning",
                                                                          "pytorch_lightning"))]
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with contextlib.redirect_stdout(sys.stderr):
                yield
    finally:
        for n, lvl in old.items():
            logging.getLogger(n).setLevel(lvl)


def _environment() -> str:
    import os
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores visible, Python "
            f"{platform.python_version()}")


def run_leaderboard(data=None, models=None, out_dir=None, from_checkpoints=None,
                    quick: bool = False, seed: int = 0, root=None, openflow=None,
                    splits=None, max_designs: int | None = None, retrain: bool = False,
                    plots: bool = True, model_config: dict | None = None,
                    progress: bool = True, jobs: int = 1, cache: bool = True,
                    log=None) -> LeaderboardResult:
    """Run the leaderboard (see the module docstring).

    ``data``: source names / paths (default: every source found under ``root`` or
    ``$FUSEBOUND_HLS4ML_DATA`` plus the open-flow dataset at ``openflow`` or
    ``$FUSEBOUND_OPENFLOW_DATA`` or ``datasets/openflow``). ``models``: names or ``["all"]``
    (default :data:`DEFAULT_MODELS`). ``out_dir``: where ``leaderboard.md``, ``.csv``,
    ``.json``, ``plots/`` and (unless ``from_checkpoints`` is given) ``checkpoints/`` go.
    ``from_checkpoints``: a checkpoint folder to load fitted models from (models missing there
    are trained and saved there). ``quick``: tiny models on <= 400 designs per dataset.
    ``jobs``: worker processes fitting models in parallel (same numbers as ``jobs=1``).
    ``cache``: keep / reuse the compact HDF5 cache of each source (see
    :func:`surrogates.data.load_dataset`).
    """
    from . import report
    from .datasets import plan_datasets
    start = time.perf_counter()
    log = log or (lambda s: print(s, file=sys.stderr))
    out = Path(out_dir) if out_dir is not None else None
    ckpt = from_checkpoints
    if ckpt is not None and not Path(ckpt).is_dir():
        from ..errors import SurrogateError
        raise SurrogateError(f"checkpoint folder of --from-checkpoints must exist; got {ckpt}")
    if ckpt is None and out is not None:
        ckpt = out / "checkpoints"
    cfg = LeaderboardConfig(models=tuple(models or DEFAULT_MODELS), seed=seed, quick=quick,
                            model_config=dict(model_config or {}),
                            checkpoints=str(ckpt) if ckpt else None, retrain=retrain,
                            progress=progress, jobs=jobs)
    with _quiet():
        from .._threads import limit_threads
        with limit_threads(1):
            plans, skipped = plan_datasets(data, root=root, openflow=openflow, quick=quick, seed=seed,
                                  max_designs=max_designs, split_names=splits, cache=cache)
            from .core import run_models
            rows, preds, split_recs = run_models(plans, cfg, log=log, jobs=cfg.jobs)
    checks = report.check_targets(rows, {p.name: p.notes for p in plans})
    res = LeaderboardResult(rows=rows, targets_check=checks,
                            datasets=[p.summary() for p in plans], splits=split_recs,
                            skipped_datasets=skipped,
                            config=cfg.to_dict(), seconds=time.perf_counter() - start,
                            environment=_environment())
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        if plots:
            with _quiet():
                res.plots = [f"plots/{f}" for f in report.plot_all(res, preds, out / "plots")]
        res.seconds = time.perf_counter() - start
        res.files = {"markdown": str(out / "leaderboard.md"), "csv": str(out / "leaderboard.csv"),
                     "json": str(out / "leaderboard.json")}
        (out / "leaderboard.md").write_text(report.markdown(res))
        report.write_csv(res.rows, out / "leaderboard.csv")
        report.write_json(res, out / "leaderboard.json")
    return res
