"""Learned surrogates of hls4ml synthesis results (datasets, encodings, models, leaderboard).

Quick use::

    import surrogates
    est = surrogates.load()                 # the shipped default checkpoint
    df = est.predict("design.json")         # lut, ff, dsp, bram, latency_cycles, ii_cycles
                                            # + <t>_low/<t>_high (90%) + utilization + OOD flags

Training::

    data = surrogates.load_dataset("wa-hls4ml-csv", "/path/to/csv_exports")
    split = surrogates.make_split("grouped", data, seed=0)
    est = surrogates.create("gnn", max_epochs=20).fit(data.take(split.train),
                                                      data.take(split.val))

Nothing is imported at import time: torch, torch_geometric and lightning load on first use
(with an install hint when missing).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "SurrogateError": ("surrogates.errors", "SurrogateError"),
    "load": ("surrogates.predict", "load"),
    "DEFAULT_CHECKPOINT": ("surrogates.predict", "DEFAULT_CHECKPOINT"),
    "to_packed": ("surrogates.predict", "to_packed"),
    "load_dataset": ("surrogates.data", "load_dataset"),
    "SOURCES": ("surrogates.data", "SOURCES"),
    "PackedDesigns": ("surrogates.packed", "PackedDesigns"),
    "pack_designs": ("surrogates.packed", "pack_designs"),
    "make_split": ("surrogates.splits", "make_split"),
    "SPLITS": ("surrogates.splits", "SPLITS"),
    "Split": ("surrogates.splits", "Split"),
    "create": ("surrogates.models.base", "create"),
    "available": ("surrogates.models.base", "available"),
    "Estimator": ("surrogates.models.base", "Estimator"),
    "TARGETS": ("surrogates.targets", "TARGETS"),
    "TargetScaler": ("surrogates.targets", "TargetScaler"),
    "train": ("surrogates.train", "train"),
    "metrics": ("surrogates.metrics", None),
    "download": ("surrogates.download", "download"),
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'surrogates' has no attribute {name!r}")
    mod, attr = _LAZY[name]
    m = importlib.import_module(mod)
    return m if attr is None else getattr(m, attr)
