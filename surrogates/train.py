"""One call from data to a fitted, saved, evaluated surrogate (used by ``fusebound train``).

``train(model, data, split)`` loads the data (a source name, a path, or ``PackedDesigns``),
builds the named split (seeded), fits on ``train`` with early stopping / selection on
``val``, reports validation metrics (incl. 90% interval coverage) and - for information
only, never for selection - test metrics, and writes ``model.pt`` + ``run.json`` (the config
that made it) into ``out_dir``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .errors import SurrogateError
from .packed import PackedDesigns


def resolve_data(data, path=None, label_source: str = "hls_estimate", cache: bool = True,
                 limit: int | None = None, progress: bool = False) -> PackedDesigns:
    """``data`` as PackedDesigns: a PackedDesigns, a cache file (.h5), a source name (with
    ``path`` or ``$FUSEBOUND_HLS4ML_DATA``), ``"openflow"`` (the project's open-flow dataset:
    ``path``, ``$FUSEBOUND_OPENFLOW_DATA`` or ``datasets/openflow``) or a file / folder of
    records. ``label_source`` ``open_synthesis`` reads like ``post_synthesis`` (open-flow
    records carry their own provenance)."""
    from .data import SOURCES, load_dataset
    if isinstance(data, PackedDesigns):
        return data
    read_as = "post_synthesis" if label_source == "open_synthesis" else label_source
    if isinstance(data, (str, Path)) and str(data).endswith(".h5"):
        return PackedDesigns.load_h5(data, with_designs=True)
    if isinstance(data, str) and (data in SOURCES or data == "all"):
        return load_dataset(data, path, label_source=read_as, cache=cache, limit=limit,
                            progress=progress)
    if data == "openflow":
        from .data import openflow_path
        p = openflow_path(path)
        if not p.exists():
            raise SurrogateError(f"the open-flow dataset must exist at {p} (pass --path or set "
                                 "$FUSEBOUND_OPENFLOW_DATA); got no such folder")
        return load_dataset("records", p, label_source=read_as, cache=False, limit=limit,
                            progress=progress)
    if isinstance(data, (str, Path)) and Path(data).exists():
        return load_dataset("records", data, label_source=read_as, cache=cache,
                            limit=limit, progress=progress)
    raise SurrogateError(f"data must be a source name ({sorted(SOURCES) + ['all', 'openflow']}), "
                         f"a cache file (.h5), an existing path or PackedDesigns; got {data!r}")


def default_label_source(data) -> str:
    """``open_synthesis`` for the open-flow dataset, else ``hls_estimate``."""
    return "open_synthesis" if isinstance(data, str) and data == "openflow" else "hls_estimate"


def train(model: str = "gnn", data="wa-hls4ml-csv", split: str = "grouped", seed: int = 0,
          path=None, label_source: str | None = None, out_dir=None,
          split_params: dict | None = None, limit: int | None = None, evaluate_test: bool = True,
          **config) -> dict:
    """Fit ``model`` on ``split`` of ``data``; returns a JSON-able summary (see module doc).
    ``label_source`` (the labels' provenance) defaults to :func:`default_label_source`;
    ``min_steps`` in ``config`` raises ``max_epochs`` (and ``patience``) to at least that many
    optimizer steps on the training split (:func:`surrogates.leaderboard.core.step_budget`)."""
    from .models.base import create
    from .splits import make_split
    start = time.perf_counter()
    label_source = label_source or default_label_source(data)
    packed = resolve_data(data, path, label_source, limit=limit,
                          progress=bool(config.get("progress", False)))
    sp = make_split(split, packed, seed=seed, **(split_params or {}))
    if out_dir is not None:
        config.setdefault("out_dir", str(out_dir))
    if config.get("min_steps"):  # the leaderboard's rule: at least that many optimizer steps
        from .leaderboard.core import step_budget
        config = step_budget(config, len(sp.train))
    # targets the training split can teach: open-flow designs, e.g., all have DSP 0 and II 1
    from .models.base import label_provenance, label_provenances
    from .targets import TARGETS, scorable_targets
    tr = packed.take(sp.train)
    targets, notes = scorable_targets(tr.with_provenance(label_provenance(TARGETS, label_source)))
    notes = [n.replace("not scored", "not trained") for n in notes]
    if not targets:
        present = label_provenances(tr)
        hint = (f" (the data has {', '.join(map(repr, present))} labels: pass that provenance "
                "as label_source / --label-source)" if present and label_source not in present
                else "")
        raise SurrogateError(f"training split must have {label_source!r} labels that vary in "
                             f"at least one target; got {'; '.join(notes)}{hint}")
    est = create(model, targets=targets, seed=seed, provenance=label_source, **config)
    est.fit(tr, packed.take(sp.val))
    result = {"model": model, "data": data if isinstance(data, str) else "PackedDesigns",
              "path": str(path) if path else None, "label_source": label_source,
              "split": sp.to_dict(), "seed": seed, "config": {k: v for k, v in config.items()},
              "n_parameters": est.n_parameters(), "target_notes": notes,
              "val": est.info.get("val"),
              "training": est.info.get("training"), "fit_seconds": est.info.get("fit_seconds")}
    if evaluate_test and len(sp.test):
        result["test"] = est.evaluate(packed.take(sp.test))  # reported only, never selects
    for name, idx in sp.extra.items():
        result[name] = est.evaluate(packed.take(idx))
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        result["checkpoint"] = str(est.save(out / "model.pt"))
        from .output_json import jsonable
        (out / "run.json").write_text(json.dumps(jsonable(result), indent=1))
    result["seconds"] = time.perf_counter() - start
    result["estimator"] = est
    return result


def metrics_rows(result: dict, parts=("val", "test")) -> list[dict]:
    """Flat rows (part, target, r2, smape, ...) of a ``train`` result, for tables."""
    rows = []
    for part in parts:
        for t, m in (result.get(part) or {}).items():
            rows.append({"split": part, "target": t, **m})
    return rows
