"""Bridges between the mapper's arrays and the project's specs.

* :func:`nest_from_einsum`: an :class:`einsum_cascade.Einsum` with bound sizes -> a
  :class:`~dse.mapper.space.LoopNest` (ranks are the IR's upper-case rank names, so tiles and
  spatial ranks read the same in a :class:`dse.mapping.Mapping`).
* :func:`array_shape`: the array dimensions and global-buffer capacity of an Architecture.
* :func:`to_mapping`: one encoded candidate -> a :class:`dse.mapping.Mapping` (one kernel, one
  binding) that ``dse.query`` evaluates.
"""

from __future__ import annotations

from typing import Mapping as MappingT

import numpy as np

from dse.errors import DSEError
from dse.mapper.space import ArrayShape, LoopNest, MappingSpace, TensorAccess


def nest_from_einsum(einsum, sizes: MappingT[str, int], name: str | None = None) -> LoopNest:
    """The loop nest of ``einsum`` (an ``einsum_cascade`` Einsum) under ``sizes`` (rank -> int).

    Index expressions keep their rank-variable terms (``iy = oy + fy`` -> ``((1,'OY'),
    (1,'FY'))``); constant offsets do not change a tile's extent and are dropped; a term whose
    coefficient is a size symbol is evaluated with ``sizes``.
    """
    from einsum_cascade.index import rank_of

    ext = einsum.extents(sizes)
    ranks = tuple(rank_of(v) for v in einsum.iteration_ranks)
    shape = tuple(int(ext[v]) for v in einsum.iteration_ranks)

    def conv(indices) -> tuple:
        out = []
        for ix in indices:
            terms = tuple((int(t.factor(sizes)), rank_of(t.var)) for t in ix.terms if t.var)
            if terms:
                out.append(terms)
        return tuple(out)

    tensors = [TensorAccess(a.tensor, conv(a.indices)) for a in einsum.accesses()]
    seen: set[str] = set()
    uniq = []
    for t in tensors:  # a tensor read twice with the same indices occupies the buffer once
        key = (t.name, t.indices)
        if key not in seen:
            seen.add(key)
            uniq.append(t)
    uniq.append(TensorAccess(einsum.output, conv(einsum.output_indices), is_output=True))
    return LoopNest(name or einsum.output, ranks, shape, tuple(uniq))


def array_shape(arch, array: str) -> ArrayShape:
    """The mapper's view of ``arch``'s compute array ``array``: its dimension sizes (in the
    order the spec lists them) and the global buffer's capacity in words."""
    a = arch.array(array)
    return ArrayShape(tuple(int(v) for v in a.dims.values()),
                      (float(arch.buffer.capacity_words),), name=f"{arch.name}:{array}")


def to_mapping(space: MappingSpace, genes: np.ndarray, *, cascade: str, einsum: str,
               array: str, dim_names: tuple[str, ...], name: str = "searched"):
    """The :class:`dse.mapping.Mapping` of one encoded candidate (a row of genes).

    Binding: each array dimension's rank and factor, the stationary rank; kernel tiles: every rank's buffer tile
    extent (capped at the rank size), order: the outer loop order over the ranks (outermost
    first).
    """
    from dse.mapping import Binding, Kernel, Mapping

    b = space.decode(np.asarray(genes, dtype=np.int64).reshape(1, -1))
    ranks, sizes = space.nest.ranks, space.nest.sizes
    if len(dim_names) != b.spatial_rank.shape[1]:
        raise DSEError(f"dim_names must name the {b.spatial_rank.shape[1]} dimensions of array "
                       f"{array!r}; got {dim_names}")
    spatial, factors = {}, {}
    for d, (r, f) in enumerate(zip(b.spatial_rank[0], b.spatial_factor[0])):
        if r >= 0:
            spatial[ranks[r]] = dim_names[d]
            factors[ranks[r]] = int(f)
    tiles = {ranks[r]: int(min(b.tiles[0, -1, r], sizes[r])) for r in range(len(ranks))}
    order = tuple(ranks[r] for r in b.order[0])
    return Mapping(name, cascade,
                   kernels=(Kernel(einsum.lower(), (einsum,), tiles, order),),
                   bindings=(Binding(einsum, array, spatial, factors,
                                     inner=ranks[int(b.inner[0])]),))
