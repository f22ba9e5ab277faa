"""How many distinct elements an affine tensor access touches: one implementation for io_bounds
(compulsory, HBL and pass bounds, :meth:`io_bounds.nest.Nest.touched`) and dse (tile words of
its cost model and mapper, imported from here).

An index expression is ``v = const + sum_i c_i x_i`` over the box ``0 <= x_i < X_i`` (integer
coefficients; a sliding window ``p + r``, stride and dilation ``s*p + d*r``, a split rank
``M0*m1 + m0``). Three entry points:

- :func:`distinct_index_values` - the vectorised closed form (extents may be numpy arrays of
  candidate tiles): exact for one or two variables, for any number when the values leave no gap,
  else an upper bound ``min(span, product)``.
- :func:`count_index_values` - the exact count of one expression inside ``[0, dim)`` (padding
  excluded) as a Python int: the closed form where it is exact (plus interval arithmetic for the
  clipping), enumeration otherwise.
- :func:`touched_elements` - the exact (or flagged lower-bound) count of one whole access: the
  product over its index expressions when they use disjoint variables, else a joint enumeration.

:func:`enumerate_index_values` and :func:`enumerate_touched` are the enumerations (``np.unique``
over the values): the fallback for shapes the closed form cannot count exactly and the oracle of
the tests.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from io_bounds.errors import BoundError

#: largest iteration box :func:`touched_elements` enumerates jointly (points)
ENUMERATE_LIMIT = 2_000_000


# ------------------------------------------------------------------ the closed form (vectorised)
def distinct_index_values(coefs: Sequence[int], extents: Sequence[Any]) -> np.ndarray:
    """Distinct values of ``sum_i coefs[i] * x_i`` over ``0 <= x_i < extents[i]`` (extents are
    numbers or broadcastable arrays; returns a float array).

    One variable: its extent. Two variables with coefficients ``a, b`` (``g = gcd(a, b)``,
    ``a' = a/g``, ``b' = b/g``) and extents ``X, Y``: two points give the same value exactly
    when they differ by ``k (b', -a')``, so each value's points form one chain and the count is
    ``X Y - max(X - b', 0) max(Y - a', 0)`` (the points whose predecessor in the chain lies in
    the box are not first of their chain). A sliding window ``oy + fy`` gives ``X + Y - 1``;
    ``s*oy + d*fy`` the span ``s (X-1) + d (Y-1) + 1`` when the window covers the stride, fewer
    when a stride skips elements; a split rank ``M0*m1 + m0`` gives ``X Y``. Three or more
    variables (``g`` the gcd of all coefficients): ``min(1 + sum_i (c_i/g)(X_i - 1), prod_i X_i)``,
    an upper bound, exact when the values leave no gap (:func:`closed_form_is_exact`).
    Negative coefficients count like their absolute values (a reflected box).
    """
    terms = [(abs(int(c)), np.asarray(x, dtype=float)) for c, x in zip(coefs, extents) if c]
    if not terms:
        return np.asarray(1.0)
    if len(terms) == 1:
        return terms[0][1] * 1.0
    if len(terms) == 2:
        (a, x), (b, y) = terms
        g = math.gcd(a, b)
        a, b = a // g, b // g
        return x * y - np.maximum(x - b, 0.0) * np.maximum(y - a, 0.0)
    g = math.gcd(*[c for c, _ in terms])
    span = 1.0 + sum((c // g) * (x - 1.0) for c, x in terms)
    return np.minimum(span, np.prod(np.broadcast_arrays(*[x for _, x in terms]), axis=0))


def _normalise(coefs: Sequence[int], extents: Sequence[int], const: int = 0
               ) -> tuple[list[tuple[int, int]], int]:
    """``([(c, X), ...], const)`` with ``c > 0`` and ``X > 1`` only: a variable of extent 1 or
    coefficient 0 adds nothing; ``c x`` with ``c < 0`` equals ``|c| (X-1-x) - |c| (X-1)``."""
    terms = []
    const = int(const)
    for c, x in zip(coefs, extents):
        c, x = int(c), int(x)
        if x < 1:
            raise BoundError(f"extent of an index variable (coefficient {c}) must be >= 1; "
                             f"got {x}")
        if c == 0 or x == 1:
            continue
        if c < 0:
            const += c * (x - 1)
            c = -c
        terms.append((c, x))
    return terms, const


def _gap_free(terms: Sequence[tuple[int, int]]) -> bool:
    """True when ``{sum c_i x_i}`` (gcd-reduced coefficients) is every integer of its span:
    in increasing coefficient order, each coefficient is at most one more than the span of the
    variables before it (the values so far are ``0..S``; adding ``c x`` keeps them contiguous
    iff ``c <= S + 1``)."""
    span = 0
    for c, x in sorted(terms):
        if c > span + 1:
            return False
        span += c * (x - 1)
    return True


def closed_form_is_exact(coefs: Sequence[int], extents: Sequence[int]) -> bool:
    """Whether :func:`distinct_index_values` is exact for these (scalar) extents: at most two
    variables with a coefficient, or values without gaps (coefficients divided by the gcd of
    all of them; False may be conservative, True is a guarantee)."""
    nonzero = [abs(int(c)) for c in coefs if int(c)]
    if len(nonzero) <= 2:
        return True
    g = math.gcd(*nonzero)  # the closed form divides by the gcd of every coefficient
    terms, _ = _normalise(coefs, extents)
    return _gap_free([(c // g, x) for c, x in terms])


# ------------------------------------------------------------------ exact counts (scalar)
def count_index_values(coefs: Sequence[int], extents: Sequence[int], const: int = 0,
                       dim: int | None = None) -> int:
    """Exact number of distinct values of ``const + sum_i coefs[i] x_i`` (``0 <= x_i <
    extents[i]``) that lie in ``[0, dim)`` (``dim=None``: all of them).

    With ``g`` the gcd of the coefficients the values are ``const + g u``; ``[0, dim)`` becomes
    an interval ``[lo, hi]`` of ``u``. Counted in closed form when (1) the ``u`` leave no gap
    (``hi - lo + 1``), (2) the interval holds every ``u`` and there are two variables
    (:func:`distinct_index_values`), or (3) two variables, one of reduced coefficient 1 and
    extent ``X`` below the other's coefficient ``b``: the values are blocks ``[b y, b y + X)``
    and ``#{u <= h} = (h // b) X + min(h % b + 1, X)``. Otherwise (three or more variables with
    gaps, or two coprime coefficients above 1 cut by padding) by enumeration.
    """
    const0 = int(const)
    terms, const = _normalise(coefs, extents, const0)
    if dim is not None:
        dim = int(dim)
    if not terms:
        return int(dim is None or 0 <= const < dim)
    g = math.gcd(*[c for c, _ in terms])
    red = [(c // g, x) for c, x in terms]
    span = sum(c * (x - 1) for c, x in red)
    lo, hi = 0, span
    if dim is not None:
        lo = max(lo, -(const // g))                  # ceil(-const / g)
        hi = min(hi, (dim - 1 - const) // g)         # floor((dim - 1 - const) / g)
        if lo > hi:
            return 0
    if _gap_free(red):
        return hi - lo + 1
    if len(red) == 2:
        if lo == 0 and hi == span:
            return int(distinct_index_values([c for c, _ in red], [x for _, x in red]))
        (a, x), (b, y) = sorted(red)
        if a == 1:  # x < b here, else the values would have no gap

            def upto(h: int) -> int:
                if h < 0:
                    return 0
                q, r = divmod(h, b)
                return q * x + min(r + 1, x)

            return upto(hi) - upto(lo - 1)
    return enumerate_index_values(coefs, extents, const0, dim)


def enumerate_index_values(coefs: Sequence[int], extents: Sequence[int], const: int = 0,
                           dim: int | None = None) -> int:
    """The same count as :func:`count_index_values` by enumeration (``np.unique`` one variable
    at a time; memory and time grow with the number of distinct values times an extent)."""
    vals = np.array([int(const)], dtype=np.int64)
    for c, x in zip(coefs, extents):
        if int(c):
            vals = np.unique((vals[:, None] + int(c) * np.arange(int(x))[None, :]).ravel())
    if dim is None:
        return int(len(vals))
    return int(np.count_nonzero((vals >= 0) & (vals < int(dim))))


# ------------------------------------------------------------------ whole accesses
Index = tuple[Mapping[str, int], int]   # (variable -> coefficient, constant)


def touched_elements(indices: Sequence[Index], extents: Mapping[str, int],
                     shape: Sequence[int] | None = None, limit: int = ENUMERATE_LIMIT
                     ) -> tuple[int, bool]:
    """``(count, exact)``: distinct elements of a tensor, inside its ``shape`` (padding
    excluded; ``None``: unbounded), that an access with index expressions ``indices`` touches
    over the box ``0 <= x_v < extents[v]``.

    Index expressions over disjoint variables: the product of :func:`count_index_values` (exact).
    Expressions sharing a variable (``X[n, n]``): joint enumeration (:func:`enumerate_touched`)
    when the box has at most ``limit`` points (exact), else the largest single dimension (a
    lower bound; ``exact`` False).
    """
    shape = [None] * len(indices) if shape is None else list(shape)
    per_dim, seen, disjoint = [], set(), True
    for (coef, const), dim in zip(indices, shape):
        vs = {v for v, c in coef.items() if c and extents[v] > 1}
        disjoint &= not (vs & seen)
        seen |= vs
        var = list(coef)
        per_dim.append(count_index_values([coef[v] for v in var], [extents[v] for v in var],
                                          const, dim))
    if disjoint:
        return math.prod(per_dim), True
    if math.prod(extents[v] for v in seen) <= limit:
        return enumerate_touched(indices, extents, shape), True
    return max(per_dim, default=0), False


def enumerate_touched(indices: Sequence[Index], extents: Mapping[str, int],
                      shape: Sequence[int | None] | None = None) -> int:
    """Exact count of :func:`touched_elements` by enumerating every point of the box (the
    fallback for expressions that share variables, and the tests' oracle)."""
    shape = [None] * len(indices) if shape is None else list(shape)
    var = sorted({v for coef, _ in indices for v, c in coef.items() if c})
    grid = np.indices([int(extents[v]) for v in var] or [1]).reshape(max(len(var), 1), -1)
    pos = {v: j for j, v in enumerate(var)}
    cols = []
    ok = np.ones(grid.shape[1], dtype=bool)
    for (coef, const), dim in zip(indices, shape):
        col = int(const) + sum(int(c) * grid[pos[v]] for v, c in coef.items() if c)
        col = np.broadcast_to(np.asarray(col, dtype=np.int64), grid.shape[1:])
        if dim is not None:
            ok &= (col >= 0) & (col < int(dim))
        cols.append(col)
    if not cols:
        return 1
    return int(len(np.unique(np.stack(cols, axis=1)[ok], axis=0)))
