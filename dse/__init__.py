"""Spatial-array cost model, mapper and architecture exploration for Einsum cascades.

Specs: :mod:`dse.arch` (``Architecture``; presets fusemax, flat, flat-edge), :mod:`dse.mapping`
(``Mapping``; presets unfused, flat, cascade, architecture, fusemax, gemm), :mod:`dse.workload`
(``Workload``; presets bert, trxl, t5, xlm). Cost model: :mod:`dse.model` (one implementation
for one mapping and for batches of candidate mappings). :func:`dse.query` evaluates one
mapping; :mod:`dse.fusemax` reproduces the FuseMax paper. Names resolve lazily (nothing is
imported until used).
"""

from __future__ import annotations

_LAZY = {
    "query": ("dse.api", "query"),
    "explain": ("dse.api", "explain"),
    "evaluate": ("dse.model", "evaluate"),
    "evaluate_batch": ("dse.model", "evaluate_batch"),
    "compile_plan": ("dse.model", "compile_plan"),
    "CostResult": ("dse.model", "CostResult"),
    "Architecture": ("dse.arch", "Architecture"),
    "Mapping": ("dse.mapping", "Mapping"),
    "Binding": ("dse.mapping", "Binding"),
    "Kernel": ("dse.mapping", "Kernel"),
    "Workload": ("dse.workload", "Workload"),
    "DSEError": ("dse.errors", "DSEError"),
    "MappingError": ("dse.errors", "MappingError"),
    "reproduce": ("dse.fusemax", "reproduce"),
    "search": ("dse.mapper", "search"),
    "explore": ("dse.explorer", "explore"),
    "ArchSpace": ("dse.explorer", "ArchSpace"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'dse' has no attribute {name!r}")
