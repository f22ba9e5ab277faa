"""Adapter from the Einsum-cascade IR to :class:`io_bounds.nest.Nest` (the smallest bridge).

``einsum_cascade`` is imported lazily (inside functions), so ``import io_bounds`` stays light.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any, Mapping

from io_bounds.errors import BoundError
from io_bounds.hbl import Access as HAccess
from io_bounds.nest import Nest


def resolve(cascade_or_name: Any, sizes: Mapping[str, int] | None = None,
            options: Mapping[str, Any] | None = None):
    """A size-bound :class:`einsum_cascade.Cascade` from a cascade, a library name or a file.

    Strings go through ``einsum_cascade.load`` (library name, or a ``.ec`` / ``.json`` /
    ``.yaml`` file); ``options`` (e.g. ``{"stride": 2}``) go to a library cascade's builder.
    Raises :class:`BoundError` on failure.
    """
    import einsum_cascade as ec

    sizes = dict(sizes or {})
    try:
        if isinstance(cascade_or_name, ec.Cascade):
            c = cascade_or_name.with_sizes(sizes) if sizes else cascade_or_name
        elif options:
            if not isinstance(cascade_or_name, str) or \
                    cascade_or_name not in ec.library.names():
                raise BoundError(f"options {dict(options)} apply to library cascades only; got "
                                 f"{cascade_or_name!r}")
            c = ec.library.get(cascade_or_name, **sizes, **dict(options))
        elif isinstance(cascade_or_name, (str, os.PathLike)):
            c = ec.load(os.fspath(cascade_or_name), sizes)
        else:
            raise BoundError(f"cascade must be an einsum_cascade.Cascade, a library name or a "
                             f"file path; got {type(cascade_or_name).__name__}")
    except ec.CascadeError as e:
        raise BoundError(f"cannot build cascade {cascade_or_name!r}: {e}") from e
    missing = sorted(r for r, rk in c.ranks.items() if rk.size is None)
    if missing:
        raise BoundError(f"cascade {c.name or cascade_or_name!r} needs sizes for rank(s) "
                         f"{', '.join(missing)}; got {sorted(sizes)} (e.g. --size "
                         f"{missing[0]}=64)")
    return c


def tensor_words(cascade, name: str) -> int:
    """Declared words of tensor ``name`` (product of its ranks' sizes)."""
    sizes = cascade.sizes
    return math.prod(int(sizes[r]) for r in cascade.tensors[name].ranks)


def _rows(access, variables, sizes):
    """Coefficient rows of an IR access; constant dimensions dropped (a fixed slice)."""
    rows, consts = [], []
    for ix in access.indices:
        coef, const = ix.coefficients(sizes)
        row = tuple(int(coef.get(v, 0)) for v in variables)
        if any(row):
            rows.append(row)
            consts.append(const)
    return tuple(rows), consts


def einsum_nest(cascade, i: int) -> Nest | None:
    """The loop nest of Einsum ``i`` of ``cascade`` (None for initializers and Einsums that
    write a single element). Raises :class:`BoundError` for index patterns a nest cannot hold
    (negative coefficients, a rank in two indices of one tensor)."""
    from einsum_cascade import rank_of

    e = cascade.einsums[i]
    if e.is_initializer:
        return None
    sizes = cascade.sizes
    variables = e.iteration_ranks
    ext = e.extents(sizes)
    ranks = tuple(rank_of(v) for v in variables)
    if len(set(ranks)) != len(ranks):
        ranks = tuple(variables)
    accs = []
    seen = set()
    label = cascade.einsum_label(i)
    for a in e.accesses():
        rows, _ = _rows(a, variables, sizes)
        if not rows:
            continue
        name = a.tensor if a.tensor != e.output else f"{a.tensor}@read"
        key = (name, rows)
        if key in seen:
            continue
        seen.add(key)
        if sum(1 for k in seen if k[0] == name) > 1:
            name = f"{name}#{sum(1 for k in seen if k[0].startswith(name))}"
        accs.append(HAccess(name, rows))
    out_rows, _ = _rows(e.output_access, variables, sizes)
    if not out_rows:  # a single output element: no reuse to speak of
        return None
    accs.append(HAccess(e.output, out_rows, is_output=True))
    try:
        return Nest(label, ranks, {r: ext[v] for r, v in zip(ranks, variables)}, tuple(accs))
    except BoundError as err:
        raise BoundError(f"Einsum {label} of cascade {cascade.name!r}: {err}") from err


def nests(cascade) -> list[tuple[int, Nest]]:
    """``(einsum position, nest)`` for every Einsum with a loop nest (see :func:`skipped`)."""
    return list(_analyse(cascade)[0])


def skipped(cascade) -> list[tuple[str, str]]:
    """``(einsum label, reason)`` for Einsums whose index pattern no nest can hold."""
    return list(_analyse(cascade)[1])


@functools.lru_cache(maxsize=64)
def _analyse(cascade):
    out, bad = [], []
    for i in range(len(cascade.einsums)):
        try:
            n = einsum_nest(cascade, i)
        except BoundError as e:
            bad.append((cascade.einsum_label(i), str(e)))
            continue
        if n is not None:
            out.append((i, n))
    return tuple(out), tuple(bad)


def is_copy(cascade, i: int) -> bool:
    """True for a pure relabeling ``BK[...] = K[...]`` (no arithmetic, no reduction)."""
    from einsum_cascade import Access

    e = cascade.einsums[i]
    return isinstance(e.expr, Access) and not e.reductions
