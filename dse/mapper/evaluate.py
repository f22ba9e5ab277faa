"""Score encoded candidates with the cost model of :mod:`dse.model` (the one ``dse.query``
uses), in numpy batches.

The model splits a mapping into a static :class:`~dse.model.Plan` and numeric arrays that
:func:`dse.model.evaluate_batch` evaluates for ``N`` candidates at once (tiles, loop-order
positions, spatial factors). Of a single-Einsum candidate only the stationary rank
(``Binding.inner``) is static in the plan; spatial factors are batch arrays (which array
dimension holds a rank matters to the mapper's validity, not to the model's numbers). The
evaluator compiles one plan per stationary rank (lazily, cached), groups a batch by it and
passes each group's arrays to ``evaluate_batch``. A single candidate's numbers equal
``dse.model.evaluate`` of :func:`dse.mapper.convert.to_mapping` of it (tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse.errors import DSEError
from dse.mapper.space import MappingSpace


class EinsumEvaluator:
    """``evaluator(genes) -> (latency_s, energy_pJ, fits)`` for one Einsum on one array."""

    def __init__(self, workload: Any, arch: Any, array: str, space: MappingSpace) -> None:
        self.workload, self.arch, self.array, self.space = workload, arch, array, space
        self.cascade = workload.cascade
        self._plans: dict[int, Any] = {}
        self._sizes = np.array(space.nest.sizes, dtype=float)

    def plan(self, inner: int):
        """The cost model's plan with stationary rank ``inner`` (a rank index)."""
        p = self._plans.get(inner)
        if p is None:
            from dse.mapping import Binding, Kernel, Mapping
            from dse.model import compile_plan

            nest = self.space.nest
            m = Mapping("candidate", self.cascade.name or "einsum",
                        kernels=(Kernel(self.workload.label.lower(), (self.workload.label,),
                                        {r: n for r, n in zip(nest.ranks, nest.sizes)},
                                        tuple(nest.ranks)),),
                        bindings=(Binding(self.workload.label, self.array, {},
                                          inner=nest.ranks[inner]),))
            p = compile_plan(self.cascade, self.arch, m)
            if p.ranks != list(nest.ranks):
                # the model orders ranks by the Einsum's iteration variables, as the nest does
                raise DSEError(f"rank order of the cost model {p.ranks} differs from the "
                               f"mapper's {list(nest.ranks)} for Einsum {self.workload.label!r}")
            self._plans[inner] = p
        return p

    def arrays(self, genes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Decoded model inputs: inner (n,), tiles (n,1,R), order positions (n,1,R), spatial
        factors (n,1,R)."""
        b = self.space.decode(genes)
        n, R = b.s.shape
        tiles = np.minimum(b.tiles[:, -1, :], self._sizes)[:, None, :]
        pos = np.empty_like(b.order)
        pos[np.arange(n)[:, None], b.order] = np.arange(R)[None, :]
        return b.inner, tiles, pos[:, None, :], b.s[:, None, :].astype(float)

    def __call__(self, genes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from dse.model import evaluate_batch

        genes = np.asarray(genes, dtype=np.int64)
        n = len(genes)
        lat, en, ok = np.empty(n), np.empty(n), np.empty(n, dtype=bool)
        if n == 0:
            return lat, en, ok
        inner, tiles, pos, spatial = self.arrays(genes)
        for k in np.unique(inner):
            sel = np.flatnonzero(inner == k)
            out = evaluate_batch(self.plan(int(k)), tiles=tiles[sel], order=pos[sel],
                                 spatial=spatial[sel])
            lat[sel] = out["latency_s"]
            en[sel] = out["energy_pJ"]
            ok[sel] = out["fits"]
        return lat, en, ok
