"""The vectorised mapper: mapping spaces as numpy arrays, search strategies, Pareto fronts,
fusion-aware search for cascades.

Modules: :mod:`dse.mapper.space` (loop nests, the mapping space and its encoding),
:mod:`dse.mapper.search` (strategies, budgets, objectives, Pareto fronts),
:mod:`dse.mapper.evaluate` (batched scoring with the cost model of :mod:`dse`),
:mod:`dse.mapper.fusion` (cascades), :mod:`dse.mapper.api` (:func:`search`).
"""

from __future__ import annotations

from dse.mapper.api import (clock_hz, map_cli_spec, resolve_arch, search,
                            tpu_like_architecture)
from dse.mapper.result import MappedPoint, SearchResult
from dse.mapper.search import OBJECTIVES, STRATEGIES, Budget, pareto_mask
from dse.mapper.workloads import workload_from_spec

__all__ = ["search", "SearchResult", "MappedPoint", "Budget", "OBJECTIVES", "STRATEGIES",
           "pareto_mask", "workload_from_spec", "tpu_like_architecture", "clock_hz",
           "resolve_arch", "map_cli_spec"]
