"""Which datasets the leaderboard scores on, and which splits of each.

A :class:`DatasetPlan` names one dataset on disk, the label provenance models train on, the
targets that can be scored (labelled and not constant in training), the training splits
(each trains every model once) and extra evaluation sets (records from elsewhere scored by
the models of one training split). Splits that cannot be made on a dataset are kept as
notes ("deeper: every design has 3 layers") so the report can say why a row is missing.

Sources (``--data``):

=================  =========================================================================
``wa-hls4ml-csv``  CSV exports (10,001 three-layer dense designs, C-synthesis labels)
``ntorc``          N-TORC per-layer data (deduplicated; single layers; no II label)
``wa-hls4ml``      wa-hls4ml JSON records: the full dataset (published split, post-synthesis
                   labels) when it has training records; the fixture files otherwise, which
                   are then scored as exemplar-style records by the CSV-trained models
``openflow``       the project's open-flow dataset (``datasets/openflow``; open-synthesis
                   labels; 1-6 layers, so it has a deeper-than-trained split)
path / ``.h5``     any folder of records or a cache file
=================  =========================================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data import OPENFLOW_ENV, openflow_path
from ..errors import SurrogateError
from ..packed import PackedDesigns
from ..targets import RESOURCE_TARGETS, scorable_targets

KNOWN_SOURCES = ("wa-hls4ml-csv", "ntorc", "wa-hls4ml", "openflow")
#: split name in reports -> (surrogates split registry name, kind)
SPLIT_KINDS = {"in-distribution": "random", "published": "published", "grouped": "grouped",
               "deeper": "deeper", "unseen-type": "unseen-type", "unseen-part": "unseen-part"}


@dataclass
class DatasetPlan:
    """One dataset of the leaderboard (see the module docstring)."""

    name: str
    data: PackedDesigns
    provenance: str
    targets: tuple[str, ...]
    splits: list[str]                       # report names, keys of SPLIT_KINDS
    extra_eval: dict = field(default_factory=dict)   # name -> (split trained on, PackedDesigns)
    notes: list[str] = field(default_factory=list)
    split_params: dict = field(default_factory=dict)  # report split name -> params
    lookup: dict = field(default_factory=dict)        # per-design side data (da4ml estimates)

    def summary(self) -> dict:
        return {"dataset": self.name, "designs": len(self.data), "provenance": self.provenance,
                "targets": list(self.targets), "splits": list(self.splits),
                "extra_eval": {k: {"trained_on": v[0], "designs": len(v[1])}
                               for k, v in self.extra_eval.items()},
                "depth": [int(self.data.depth.min()), int(self.data.depth.max())],
                "notes": list(self.notes)}


def _hls_root(root) -> Path | None:
    from ..data import DATA_ENV
    if root is not None:
        return Path(root)
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else None


def available_sources(root=None, openflow=None) -> dict[str, Path]:
    """Sources found on disk: name -> path."""
    from ..data import SOURCES
    out = {}
    r = _hls_root(root)
    if r is not None:
        for name in ("wa-hls4ml-csv", "ntorc", "wa-hls4ml"):
            p = r / SOURCES[name][1]
            if p.exists():
                out[name] = p
    of = openflow_path(openflow)
    if (of / "space.yaml").exists():
        out["openflow"] = of
    return out


def _subsample(data: PackedDesigns, n: int | None, seed: int) -> PackedDesigns:
    """At most ``n`` designs, whole architectures at a time (seeded), for quick runs."""
    if n is None or len(data) <= n:
        return data
    rng = np.random.default_rng(seed)
    uniq = np.unique(data.arch)
    order = rng.permutation(len(uniq))
    counts = {a: c for a, c in zip(*np.unique(data.arch, return_counts=True))}
    keep, total = [], 0
    for k in order:
        keep.append(uniq[k])
        total += counts[uniq[k]]
        if total >= n:
            break
    idx = np.flatnonzero(np.isin(data.arch, keep))
    if len(idx) > 2 * n:  # one huge architecture: cut it (quick mode only)
        idx = np.sort(rng.choice(idx, n, replace=False))
    return data.take(idx)


def _split_ok(name: str, data: PackedDesigns, seed: int) -> str | None:
    """None when split ``name`` can be made on ``data``, else why not."""
    from ..splits import make_split
    try:
        sp = make_split(SPLIT_KINDS[name], data, seed=seed)
    except SurrogateError as e:
        return str(e)
    if len(sp.test) < 2:
        return f"its test part has {len(sp.test)} design(s)"
    return None


def _load(name: str, path: Path, label_source: str, cache: bool, limit: int | None):
    from ..data import load_dataset
    if name == "openflow":
        return load_dataset("records", path, label_source="post_synthesis", cache=False,
                            limit=limit)
    if name == "ntorc":
        return load_dataset("ntorc", path, cache=cache, limit=limit, dedupe=True)
    if name in ("wa-hls4ml-csv", "wa-hls4ml"):
        return load_dataset(name, path, label_source=label_source, cache=cache, limit=limit)
    p = Path(path)
    if p.suffix == ".h5":
        return PackedDesigns.load_h5(p, with_designs=True)
    return load_dataset("records", p, label_source=label_source, cache=cache, limit=limit)


def _provenance(data: PackedDesigns) -> str:
    """The label provenance most resource labels of ``data`` carry (any label's, when no
    resource is labelled)."""
    from ..models.base import label_provenances
    found = label_provenances(data, RESOURCE_TARGETS) or label_provenances(data)
    if not found:
        raise SurrogateError("dataset must have at least one label; got none")
    return found[0]


def _openflow_lookup(path: Path) -> dict:
    """design_id -> da4ml estimates (``da4ml_cost`` in LUT-ish adder bits, ``da4ml_latency`` in
    adder delays, ``da4ml_reg_bits``) and the switches that turn them into cycles / registers."""
    import fpga
    out = {}
    for rec in fpga.read_records(path, source="openflow"):
        m = rec.meta
        out[rec.design.name] = {"da4ml_cost": m.get("da4ml_cost"),
                                "da4ml_latency": m.get("da4ml_latency"),
                                "da4ml_reg_bits": m.get("da4ml_reg_bits"),
                                "mode": m.get("mode"), "latency_cutoff": m.get("latency_cutoff")}
    return out


def _check_split_names(split_names) -> None:
    """Reject unknown split names before any data is loaded."""
    bad = [s for s in (split_names or []) if s not in SPLIT_KINDS]
    if bad:
        raise SurrogateError(f"leaderboard splits must be among {list(SPLIT_KINDS)}; got {bad}")


def plan_datasets(sources=None, root=None, openflow=None, quick: bool = False, seed: int = 0,
                  cache: bool = True, max_designs: int | None = None,
                  split_names=None) -> tuple[list[DatasetPlan], list[dict]]:
    """Load every requested source (default: all found on disk) and decide its splits;
    returns the plans and the datasets left out (with the reason).

    ``quick`` keeps at most ``max_designs`` (default 400) designs per dataset and only the
    in-distribution and deeper splits; ``split_names`` restricts the splits (report names).
    """
    _check_split_names(split_names)
    found = available_sources(root, openflow)
    if sources is None or list(sources) in ([], ["all"]):
        if not found:
            from ..data import DATA_ENV
            raise SurrogateError(f"leaderboard data must exist: set {DATA_ENV} (hls4ml data "
                                 f"folder) or {OPENFLOW_ENV}, or pass --data; found none")
        wanted = list(found.items())
    else:
        wanted = []
        for s in sources:
            if s in found:
                wanted.append((s, found[s]))
            elif s in KNOWN_SOURCES:
                raise SurrogateError(f"data source {s!r} must be on disk; it was not found "
                                     f"(found: {sorted(found) or 'none'})")
            elif Path(s).exists():
                wanted.append((Path(s).stem if Path(s).suffix == ".h5" else Path(s).name,
                               Path(s)))
            else:
                raise SurrogateError(f"data source must be one of {list(KNOWN_SOURCES)} or an "
                                     f"existing path; got {s!r}")
    if quick and max_designs is None:
        max_designs = 400
    limit = None if max_designs is None else max(4 * max_designs, 2000)
    plans: list[DatasetPlan] = []
    skipped: list[dict] = []
    fixtures = None
    for name, path in wanted:
        label_source = "hls_estimate"
        if name == "wa-hls4ml":
            data = _load(name, path, "post_synthesis", cache, limit)
            has_train = bool(np.any(data.split_names() == "train"))
            if not has_train:  # fixture files only: exemplar-style evaluation records
                fixtures = (path, _load(name, path, "hls_estimate", cache, limit), data)
                continue
        else:
            data = _load(name, path, label_source, cache, limit)
        data = _subsample(data, max_designs, seed)
        try:
            plans.append(_plan_one(name, data, seed, quick, split_names, path))
        except SurrogateError as e:  # too small / unlabelled: reported, the rest goes on
            skipped.append({"dataset": name, "designs": len(data), "reason": str(e)})
    if fixtures is not None:
        path, hls, post = fixtures
        for p in plans:
            if p.name == "wa-hls4ml-csv" and p.provenance == "hls_estimate":
                on = "grouped" if "grouped" in p.splits else p.splits[0]
                p.extra_eval["wa-fixtures"] = (on, hls)
                ex = post.take(np.flatnonzero(post.split_names() == "exemplar"))
                if len(ex):
                    p.extra_eval["exemplar"] = (on, ex)
                p.notes.append(f"wa-fixtures / exemplar: the {len(hls)} + {len(ex)} real wa-hls4ml "
                               f"fixture records ({path}) scored by the models trained on the "
                               f"'{on}' split; exemplar records have HLS labels for latency / "
                               f"II only")
        if not any("wa-fixtures" in p.extra_eval for p in plans):
            note = (f"wa-hls4ml fixtures at {path}: no training records and no CSV-trained "
                    "models to score them with")
            if plans:
                plans[0].notes.append(note)
    if not plans:
        raise SurrogateError("leaderboard needs at least one dataset with training records "
                             f"and a usable split; got none ({skipped or 'no data'})")
    return plans, skipped


def _plan_one(name: str, data: PackedDesigns, seed: int, quick: bool, split_names,
              path) -> DatasetPlan:
    prov = _provenance(data)
    targets, notes = scorable_targets(data)
    if not targets:
        raise SurrogateError(f"dataset {name!r} must have at least one target with varying "
                             f"labels; got none ({'; '.join(notes)})")
    has_published = bool(np.any(data.split_names() == "train"))
    candidates = (["published"] if has_published else ["in-distribution"]) + [
        "grouped", "deeper", "unseen-type", "unseen-part"]
    if quick:
        candidates = [candidates[0], "deeper"]
    if split_names:
        _check_split_names(split_names)
        candidates = [s for s in candidates if s in split_names]
    splits = []
    for s in candidates:
        why = _split_ok(s, data, seed)
        if why is None:
            splits.append(s)
        else:
            notes.append(f"split {s!r} not made: {why}")
    if not splits:
        raise SurrogateError(f"dataset {name!r} ({len(data)} designs) admits none of the "
                             f"splits {candidates}")
    plan = DatasetPlan(name, data, prov, targets, splits, notes=notes)
    if name == "openflow" or prov == "open_synthesis":
        try:
            plan.lookup = _openflow_lookup(path)
        except Exception as e:  # noqa: BLE001 - the baseline row reports it
            plan.notes.append(f"da4ml estimates unavailable: {type(e).__name__}: {e}")
    return plan
