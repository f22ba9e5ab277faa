"""The one estimator interface of every surrogate (``fit``, ``predict``, ``save``, ``load``)
and the model registry.

``predict`` returns a pandas DataFrame with, per design: ``name``, ``part``, each target, its
90% interval (``<t>_low``, ``<t>_high``; NaN for models without intervals), utilization of
the part in percent (``<r>_util_pct`` for lut / ff / dsp / bram; NaN when the part is
unknown), ``out_of_range`` (the design leaves the training range: layer type, activation,
size, reuse factor, layer count, number of compute layers, strategy, io_type or part never
seen) and ``ood_reasons``.

Checkpoints are single files written with ``torch.save`` of plain tensors and a JSON string,
read back with ``torch.load(weights_only=True)``: loading never executes code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..errors import SurrogateError
from ..features import ACTIVATIONS, IO_TYPES, LAYER_COLUMNS, LAYER_TYPES, STRATEGIES
from ..packed import PROVENANCE_CODES, PackedDesigns
from ..targets import PROVENANCES, TARGETS, TargetScaler, check_targets

CHECKPOINT_FORMAT = "fusebound-surrogate/1"
REGISTRY: dict[str, type["Estimator"]] = {}
_RANGE_COLS = ("in_size", "out_size", "parameters", "reuse_factor", "weight_bits",
               "weight_sparsity")


def register(name: str):
    """Class decorator adding an estimator to :data:`REGISTRY` under ``name``."""
    def deco(cls):
        cls.name = name
        REGISTRY[name] = cls
        return cls
    return deco


def _ensure_registered() -> None:
    from . import classic, analytic  # noqa: F401
    try:
        from . import neural  # noqa: F401
    except ImportError:  # torch stack missing: neural names still listed with a hint
        pass


def available() -> list[str]:
    """Names of every registered model."""
    _ensure_registered()
    return sorted(set(REGISTRY) | {"gnn", "gnn-gatv2", "gnn-gin", "gnn-sage", "transformer",
                                   "wa-gnn", "wa-transformer"})


def create(name: str, **config) -> "Estimator":
    """A new, unfitted estimator ``name`` (see :func:`available`) with ``config``."""
    _ensure_registered()
    if name not in REGISTRY:
        if name in available():
            from .. import _deps
            _deps.require("torch_geometric")  # raises with the install hint
        raise SurrogateError(f"model must be one of {available()}; got {name!r}")
    return REGISTRY[name](**config)


def training_range(data: PackedDesigns) -> dict:
    """What the training data covered (for out-of-range flags at prediction time)."""
    cols = [LAYER_COLUMNS.index(c) for c in _RANGE_COLS]
    num = data.layer_num[:, cols]
    return {
        "layer_types": sorted({LAYER_TYPES[k] for k in np.unique(data.layer_type)}),
        "activations": sorted({ACTIVATIONS[k] for k in np.unique(data.layer_act)}),
        "strategies": sorted({STRATEGIES[k] for k in np.unique(data.strategy)}),
        "io_types": sorted({IO_TYPES[k] for k in np.unique(data.io_type)}),
        "parts": sorted({data.parts[k] for k in np.unique(data.part) if k >= 0}),
        "ranges": {c: [float(num[:, j].min()), float(num[:, j].max())]
                   for j, c in enumerate(_RANGE_COLS)},
        "n_layers": [int(data.n_layers.min()), int(data.n_layers.max())],
        "depths": sorted(int(d) for d in np.unique(data.depth)),
    }


def out_of_range(data: PackedDesigns, rng: dict | None) -> list[str]:
    """One string per design: '' when inside ``rng``, else '; '-joined reasons."""
    n = len(data)
    if not rng or n == 0:
        return [""] * n
    starts = data.layer_ptr[:-1]
    checks = []  # (per-design bool array, reason builder)
    for key, vocab, arr in (("layer_types", LAYER_TYPES, data.layer_type),
                            ("activations", ACTIVATIONS, data.layer_act)):
        seen = np.isin(np.asarray(vocab)[arr], rng[key])
        bad = np.add.reduceat((~seen).astype(np.int64), starts) > 0
        checks.append((bad, key, lambda i, arr=arr, vocab=vocab, key=key: sorted(
            {vocab[k] for k in arr[data.layer_ptr[i]:data.layer_ptr[i + 1]]} - set(rng[key]))))
    for c in _RANGE_COLS:
        if c not in rng["ranges"]:  # a range recorded before this column was checked
            continue
        lo, hi = rng["ranges"][c]
        v = data.layer_num[:, LAYER_COLUMNS.index(c)]
        mask = (v < lo) | (v > hi)
        bad = np.add.reduceat(mask.astype(np.int64), starts) > 0
        checks.append((bad, c, lambda i, v=v, lo=lo, hi=hi: [
            f"{v[data.layer_ptr[i]:data.layer_ptr[i + 1]].min():g}.."
            f"{v[data.layer_ptr[i]:data.layer_ptr[i + 1]].max():g} outside {lo:g}..{hi:g}"]))
    nl = data.n_layers
    checks.append(((nl < rng["n_layers"][0]) | (nl > rng["n_layers"][1]), "n_layers",
                   lambda i: [f"{nl[i]} outside {rng['n_layers'][0]}..{rng['n_layers'][1]}"]))
    if "depths" in rng:  # numbers of compute layers seen (older checkpoints lack them)
        dp = data.depth
        checks.append((~np.isin(dp, rng["depths"]), "depth",
                       lambda i: [f"{dp[i]} compute layers (seen: "
                                  f"{', '.join(map(str, rng['depths']))})"]))
    for key, vocab, arr in (("strategies", STRATEGIES, data.strategy),
                            ("io_types", IO_TYPES, data.io_type)):
        bad = ~np.isin(np.asarray(vocab)[arr], rng[key])
        checks.append((bad, key, lambda i, arr=arr, vocab=vocab: [vocab[arr[i]]]))
    pn = np.asarray(data.part_names(), dtype=object)
    bad = ~np.isin(pn, rng["parts"] + [""]) if rng["parts"] else np.zeros(n, bool)
    checks.append((bad, "part", lambda i: [pn[i]]))
    reasons = [[] for _ in range(n)]
    for bad, key, why in checks:
        for i in np.flatnonzero(bad):
            reasons[i].append(f"{key} unseen in training: {', '.join(map(str, why(i)))}")
    return ["; ".join(r) for r in reasons]


def label_provenance(targets, provenance: str) -> dict[str, str]:
    """Provenance of the labels each target is trained on: ``provenance`` for resources;
    latency and II exist only as HLS estimates, so they use ``hls_estimate`` unless the
    provenance is ``open_synthesis``."""
    return {t: "hls_estimate" if t in ("latency_cycles", "ii_cycles")
            and provenance == "post_synthesis" else provenance for t in targets}


def label_provenances(data: PackedDesigns, targets=TARGETS) -> list[str]:
    """The provenances of ``data``'s labels of ``targets``, most frequent first."""
    cols = [TARGETS.index(t) for t in targets]
    codes = data.provenance[:, cols][np.isfinite(data.labels[:, cols])]
    counts = np.bincount(codes.astype(np.int64), minlength=len(PROVENANCE_CODES))
    return [PROVENANCE_CODES[k] for k in np.argsort(-counts, kind="stable") if counts[k] and k]


def _vocab() -> dict:
    """Vocabularies and feature names a checkpoint depends on (checked at load)."""
    from ..features import flat_feature_names, graph_feature_names, node_feature_names
    return {"layer_types": list(LAYER_TYPES), "activations": list(ACTIVATIONS),
            "strategies": list(STRATEGIES), "io_types": list(IO_TYPES),
            "layer_columns": list(LAYER_COLUMNS), "node_features": list(node_feature_names()),
            "graph_features": list(graph_feature_names()),
            "flat_features": list(flat_feature_names())}


class Estimator:
    """Base class: subclasses implement ``_fit(train, val)``, ``_predict(data) -> (value, low,
    high)`` raw-scale arrays [n, T] (low / high NaN without intervals), ``_arrays()`` and
    ``_set_arrays(arrays)`` for checkpoints."""

    name: ClassVar[str] = ""
    has_intervals: ClassVar[bool] = True

    def __init__(self, targets=TARGETS, seed: int = 0, provenance: str = "hls_estimate",
                 **config):
        self.targets = check_targets(targets)
        if provenance not in PROVENANCES:
            raise SurrogateError(f"label provenance of model {self.name!r} must be one of "
                                 f"{list(PROVENANCES)}; got {provenance!r}")
        self.seed = int(seed)
        self.provenance = provenance
        self.config = dict(config)
        self.scaler: TargetScaler | None = None
        self.train_range: dict | None = None
        self.info: dict = {}

    def label_provenance(self) -> dict[str, str]:
        """Provenance of the labels each target is trained on (:func:`label_provenance`)."""
        return label_provenance(self.targets, self.provenance)

    # -- interface -------------------------------------------------------------------------
    def fit(self, train: PackedDesigns, val: PackedDesigns | None = None) -> "Estimator":
        """Fit on ``train`` (labels of this model's provenance only); ``val`` drives early
        stopping / selection and its metrics (incl. 90% interval coverage) land in
        ``self.info['val']``. Targets without a single training label are dropped (listed in
        ``self.info['dropped_targets']``)."""
        if not isinstance(train, PackedDesigns):
            raise SurrogateError(f"training data of model {self.name!r} must be PackedDesigns; "
                                 f"got {type(train).__name__}")
        if len(train) == 0:
            raise SurrogateError(f"training data of model {self.name!r} must contain at least "
                                 "one design; got an empty dataset")
        present = label_provenances(train)  # before the labels of other provenances are dropped
        train = train.with_provenance(self.label_provenance())
        val = (val.with_provenance(self.label_provenance()) if val is not None and len(val)
               else None)
        y = self._labels(train)
        if not np.isfinite(y).any():
            hint = (f" (the data has {', '.join(map(repr, present))} labels: pass that "
                    "provenance, e.g. label_source / --label-source)" if present else "")
            raise SurrogateError(f"training data of model {self.name!r} must have "
                                 f"{self.provenance!r} labels for {list(self.targets)}; got "
                                 f"none{hint}")
        labelled = np.isfinite(y).any(axis=0)
        if not labelled.all():  # e.g. N-TORC has no II: predict only what the data labels
            self.info["dropped_targets"] = [t for t, k in zip(self.targets, labelled) if not k]
            self.targets = tuple(t for t, k in zip(self.targets, labelled) if k)
            y = y[:, labelled]
        self.scaler = TargetScaler.fit(y, self.targets)
        self.train_range = training_range(train)
        start = time.perf_counter()
        from .._threads import limit_threads
        with limit_threads(self.config.get("num_threads", 1)):
            self._fit(train, val)
        self.info.update({"model": self.name, "seed": self.seed, "config": dict(self.config),
                          "provenance": self.provenance, "n_train": len(train),
                          "n_val": len(val) if val is not None else 0,
                          "fit_seconds": time.perf_counter() - start})
        if val is not None:
            self.info["val"] = self.evaluate(val)
        return self

    def predict_arrays(self, data: PackedDesigns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw-scale (value, low, high), each [n, T] in :attr:`targets` order."""
        self._check_fitted()
        if len(data) == 0:
            z = np.zeros((0, len(self.targets)))
            return z, z.copy(), z.copy()
        from .._threads import limit_threads
        with limit_threads(self.config.get("num_threads", 1)):
            return self._predict(data)

    def predict(self, designs, part: str | None = None):
        """Predict ``designs`` (fpga.Design, record / design dicts, JSON paths, a list of
        those, or PackedDesigns) -> DataFrame (see the module docstring)."""
        from ..predict import to_packed
        data = to_packed(designs, part=part)
        return self.frame(data)

    def frame(self, data: PackedDesigns):
        import pandas as pd
        value, low, high = self.predict_arrays(data)
        cols: dict = {"name": list(data.names), "part": data.part_names()}
        for j, t in enumerate(self.targets):
            cols[t] = value[:, j]
            cols[f"{t}_low"] = low[:, j]
            cols[f"{t}_high"] = high[:, j]
        dcol = {"lut": 1, "ff": 2, "dsp": 3, "bram": 4}
        for t, k in dcol.items():
            if t in self.targets:
                cap = data.design_num[:, k].astype(np.float64)
                with np.errstate(divide="ignore", invalid="ignore"):
                    cols[f"{t}_util_pct"] = np.where(cap > 0, 100.0 * cols[t] / cap, np.nan)
        reasons = out_of_range(data, self.train_range)
        cols["out_of_range"] = [bool(r) for r in reasons]
        cols["ood_reasons"] = reasons
        df = pd.DataFrame(cols)
        df.attrs.update({"model": self.name, "provenance": self.label_provenance(),
                         "targets": list(self.targets)})
        return df

    def evaluate(self, data: PackedDesigns) -> dict:
        """Per-target metrics (r2, smape, rmse, ..., coverage of the 90% interval) on ``data``
        (raw scale, labels of this model's provenance only)."""
        from ..metrics import score
        data = data.with_provenance(self.label_provenance())
        y = self._labels(data)
        value, low, high = self.predict_arrays(data)
        out = {}
        for j, t in enumerate(self.targets):
            iv = (low[:, j], high[:, j]) if self.has_intervals else (None, None)
            out[t] = score(y[:, j], value[:, j], *iv)
        return out

    def _labels(self, data: PackedDesigns) -> np.ndarray:
        cols = [TARGETS.index(t) for t in self.targets]
        return data.labels[:, cols].astype(np.float64)

    def _check_fitted(self) -> None:
        if self.scaler is None and self.needs_fit():
            raise SurrogateError(f"model {self.name!r} must be fitted (or loaded) before "
                                 "predicting")

    def needs_fit(self) -> bool:
        return True

    # -- persistence -----------------------------------------------------------------------
    def meta(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, "model": self.name, "targets": list(self.targets),
                "seed": self.seed, "provenance": self.provenance, "config": self.config,
                "scaler": self.scaler.to_dict() if self.scaler else None,
                "train_range": self.train_range, "info": self.info,
                "vocab": _vocab()}

    def save(self, path) -> Path:
        """Write a single checkpoint file (tensors + JSON metadata); returns its path."""
        from .._deps import require
        torch = require("torch")
        from ..output_json import dumps
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {k: torch.as_tensor(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v
                  for k, v in self._arrays().items()}
        torch.save({"format": CHECKPOINT_FORMAT, "meta": dumps(self.meta()), "arrays": arrays},
                   path)
        return path

    @classmethod
    def load(cls, path) -> "Estimator":
        """Read a checkpoint written by :meth:`save` (any registered model when called on
        :class:`Estimator`; ``weights_only`` loading, nothing is executed)."""
        from .._deps import require
        torch = require("torch")
        path = Path(path)
        if not path.is_file():
            raise SurrogateError(f"checkpoint file must exist; got {path}")
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable file is a bad checkpoint
            # torch's weights-only message suggests weights_only=False, which would execute
            # the file; say what is wrong instead
            reason = ("it is not a torch file of tensors (junk bytes, or pickled objects, which "
                      "are never loaded)" if "Weights only load failed" in str(e)
                      else (str(e).strip().splitlines() or [type(e).__name__])[0])
            raise SurrogateError(f"checkpoint {path} must be a file written by "
                                 f"Estimator.save; could not read it: {reason}") from e
        if not isinstance(blob, dict) or blob.get("format") != CHECKPOINT_FORMAT:
            raise SurrogateError(f"checkpoint {path} must have format {CHECKPOINT_FORMAT!r}; "
                                 f"got {blob.get('format') if isinstance(blob, dict) else type(blob)}")
        try:
            meta = json.loads(blob["meta"])
            if not isinstance(meta, dict) or not isinstance(blob.get("arrays"), dict):
                raise TypeError("meta must be a JSON object and arrays a dict")
            for key in ("model", "targets", "seed", "provenance", "config"):
                meta[key]  # noqa: B018 - presence check
        except (KeyError, TypeError, ValueError) as e:
            raise SurrogateError(f"checkpoint {path} is damaged: its meta data or arrays "
                                 f"must be as Estimator.save writes them; {type(e).__name__}: "
                                 f"{e}") from e
        if meta.get("vocab") != _vocab():
            raise SurrogateError(f"vocabularies of checkpoint {path} must match this version of "
                                 "surrogates (retrain it); they differ")
        _ensure_registered()
        name = meta["model"]
        klass = REGISTRY.get(name) if cls is Estimator else cls
        if klass is None:
            raise SurrogateError(f"model of checkpoint {path} must be one of {available()}; "
                                 f"got {name!r}")
        est = klass(targets=meta["targets"], seed=meta["seed"], provenance=meta["provenance"],
                    **meta["config"])
        est.scaler = TargetScaler.from_dict(meta["scaler"]) if meta.get("scaler") else None
        est.train_range = meta.get("train_range")
        est.info = meta.get("info") or {}
        arrays = {k: (v.numpy() if hasattr(v, "numpy") else v) for k, v in blob["arrays"].items()}
        est._set_arrays(arrays)
        return est

    def _arrays(self) -> dict:
        return {}

    def _set_arrays(self, arrays: dict) -> None:
        pass

    def n_parameters(self) -> int:
        return int(sum(np.asarray(v).size for v in self._arrays().values()))
