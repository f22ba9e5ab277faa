"""Reference executor: evaluates a cascade on numpy arrays (float64), vectorised.

Each Einsum is evaluated over its whole iteration space at once: a product of tensor
accesses under ``+`` reductions goes through :func:`numpy.einsum` (BLAS for contractions);
anything else is evaluated with broadcasting over the iteration space and reduced with
``sum``/``max``/``min``. A recurrence over an iterative rank (``RM[m1+1,p] = ...``) runs one
step of that rank at a time, every step vectorised over the other ranks. Reads outside a
tensor's bounds (padding, ``2*p+r-1`` at the border) yield 0.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from . import expr as ex
from .errors import CascadeError
from .index import index_grid, rank_of
from .validate import bind_ranks, schedule

_REDUCE = {"+": np.sum, "max": np.max, "min": np.min}


def resolve_run_sizes(c, inputs: Mapping[str, Any],
                      sizes: Mapping[str, int] | None = None) -> tuple[dict[str, int | None],
                                                                      dict[str, np.ndarray]]:
    """Check ``inputs`` against ``c`` and return (rank sizes, float64 input arrays).

    Sizes come from the cascade, then ``sizes``, then the shapes of the inputs (for ranks
    still unbound); every input shape must then match its ranks.
    """
    if not isinstance(inputs, Mapping):
        raise CascadeError(f"inputs must be a mapping of tensor name to array; got "
                           f"{type(inputs).__name__}")
    missing = [n for n in c.inputs if n not in inputs]
    if missing:
        raise CascadeError(f"missing input tensor(s) {', '.join(missing)}; the cascade reads "
                           f"{', '.join(c.inputs)}")
    extra = [n for n in inputs if n not in c.inputs]
    if extra:
        raise CascadeError(f"unknown input tensor(s) {', '.join(map(str, extra))}; the cascade "
                           f"reads {', '.join(c.inputs)}")
    arrays = {}
    for n in c.inputs:
        try:
            arrays[n] = np.asarray(inputs[n], dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise CascadeError(f"input {n} must be a numeric array; got {inputs[n]!r:.60}") from e
        want = c.tensors[n].ranks
        if arrays[n].ndim != len(want):
            raise CascadeError(f"input {n} must have {len(want)} dimensions {list(want)}; got "
                               f"shape {arrays[n].shape}")
    ranks = bind_ranks(c.ranks, dict(sizes or {}))
    found: dict[str, int] = {}
    for n in c.inputs:
        for r, length in zip(c.tensors[n].ranks, arrays[n].shape):
            if ranks[r].size is None and r not in found:
                found[r] = int(length)
    if found:
        ranks = bind_ranks(ranks, found)
    values = {n: r.size for n, r in ranks.items()}
    for n in c.inputs:
        t = c.tensors[n]
        for d, (r, length) in enumerate(zip(t.ranks, arrays[n].shape)):
            if values[r] != length:
                raise CascadeError(f"rank used with inconsistent sizes: input {n} has length "
                                   f"{length} along dimension {d} (rank {r}); expected "
                                   f"{r}={values[r]}")
    return values, arrays


def evaluate(c, inputs: Mapping[str, Any], sizes: Mapping[str, int] | None = None, *,
             keep_intermediates: bool = False) -> dict[str, np.ndarray]:
    """Evaluate cascade ``c``; returns ``{output name: float64 array}`` (axes in rank order),
    plus every intermediate when ``keep_intermediates``."""
    values, bufs = resolve_run_sizes(c, inputs, sizes)
    from .validate import tensor_shape
    free = {n: v for n, v in values.items()
            if v is not None and c.ranks[n].formula is None and c.ranks[n].size is None}
    if free:  # sizes taken from arguments or input shapes: re-validate the bound cascade
        c = c.bind(**free)
    for n in c.intermediates + c.outputs:
        if n not in bufs:
            bufs[n] = np.zeros(tensor_shape(c, n, values))
    with np.errstate(all="ignore"):
        for group, var in schedule(c):
            if var is None:
                for i in group:
                    run_einsum(c.einsums[i], bufs, values)
            else:
                steps = values.get(rank_of(var))
                if steps is None:
                    raise CascadeError(f"size of rank {rank_of(var)} is undefined (needed by "
                                       f"the recurrence over {var})")
                for t in range(steps):
                    for i in group:
                        run_einsum(c.einsums[i], bufs, values, {var: t})
    keep = c.outputs + (c.intermediates if keep_intermediates else ())
    return {n: bufs[n] for n in keep}


def _materialize(a: ex.Access, arr: np.ndarray, grid: Mapping[str, np.ndarray],
                 order: tuple[str, ...], sizes: Mapping[str, int | None],
                 fixed: Mapping[str, int]) -> tuple[np.ndarray, list[str]]:
    """The values of access ``a`` as an array whose axes are the access's variables in
    iteration order (length 1 for fixed variables)."""
    avars = [v for v in order if v in a.variables]
    plain = [ix.variables[0] if ix.is_plain_var() else None for ix in a.indices]
    if None not in plain and len(set(plain)) == len(plain) and not any(v in fixed for v in plain) \
            and all(arr.shape[d] == grid[v].size for d, v in enumerate(plain)):
        return arr.transpose([plain.index(v) for v in avars]), avars
    local = {}
    for j, v in enumerate(avars):
        g = grid[v].reshape(-1)
        shp = [1] * len(avars)
        shp[j] = g.size
        local[v] = g.reshape(shp)
    full = tuple(grid[v].size for v in avars)
    idx, mask = [], None
    for d, ix in enumerate(a.indices):
        i = np.asarray(ix.evaluate(local, sizes), dtype=np.int64)
        n = arr.shape[d]
        if i.size and (i.min() < 0 or i.max() >= n):
            ok = (i >= 0) & (i < n)
            mask = ok if mask is None else mask & ok
            i = np.clip(i, 0, n - 1)
        idx.append(i)
    out = arr[tuple(idx)] if idx else arr[()]
    if mask is not None:
        out = np.where(mask, out, 0.0)
    return np.broadcast_to(out, full), avars


def _factors(e: ex.Expr) -> list[ex.Expr]:
    if isinstance(e, ex.Binary) and e.op == "*":
        return _factors(e.left) + _factors(e.right)
    return [e]


def _letters(n: int) -> str:
    return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[:n]


def run_einsum(e, bufs: dict[str, np.ndarray], sizes: Mapping[str, int | None],
               fixed: Mapping[str, int] | None = None) -> None:
    """Evaluate Einsum ``e`` into ``bufs[e.output]`` (variables in ``fixed`` take one value)."""
    fixed = fixed or {}
    order = e.iteration_ranks
    ext = e.extents(sizes)
    grid = index_grid(ext, order, fixed)
    full = tuple(1 if v in fixed else ext[v] for v in order)
    out_vars = [v for v in order if v not in e.reductions]
    result = None
    factors = _factors(e.expr)
    if all(op == "+" for op in e.reductions.values()) and len(order) <= 52 and \
            all(isinstance(f, (ex.Access, ex.Const, ex.SizeRef)) for f in factors):
        ops, subs, scale = [], [], 1.0
        letter = dict(zip(order, _letters(len(order))))
        for f in factors:
            if isinstance(f, ex.Access):
                arr, vs = _materialize(f, bufs[f.tensor], grid, order, sizes, fixed)
                ops.append(arr)
                subs.append("".join(letter[v] for v in vs))
            else:
                scale *= _leaf(f, sizes)
        used = set("".join(subs))
        if ops and all(letter[v] in used for v in out_vars):
            spec = ",".join(subs) + "->" + "".join(letter[v] for v in out_vars)
            result = np.einsum(spec, *ops, optimize=len(ops) > 1)
            if scale != 1.0:
                result = result * scale
    if result is None:
        val = np.broadcast_to(_eval(e.expr, bufs, grid, order, sizes, fixed), full)
        for v, op in e.reductions.items():
            val = _REDUCE[op](val, axis=order.index(v), keepdims=True)
        result = val.reshape([full[order.index(v)] for v in out_vars])
    sel: list[Any] = []
    for ix in e.output_indices:
        if ix.variables:
            v, c = ix.as_var()
            sel.append(fixed[v] + c if v in fixed else slice(c, c + ext[v]))
        else:
            sel.append(int(ix.evaluate({}, sizes)))
    result = np.asarray(result).reshape([ext[v] for v in out_vars if v not in fixed])
    try:
        bufs[e.output][tuple(sel)] = result
    except (IndexError, ValueError) as err:
        raise CascadeError(f"Einsum {e} writes outside tensor {e.output} of shape "
                           f"{bufs[e.output].shape}: {err}") from err


def _leaf(f: ex.Expr, sizes: Mapping[str, int | None]) -> float:
    if isinstance(f, ex.Const):
        return f.value
    if sizes.get(f.rank) is None:
        raise CascadeError(f"size of rank {f.rank} is undefined (used as a value)")
    return float(sizes[f.rank])


def _eval(node: ex.Expr, bufs, grid, order, sizes, fixed):
    if isinstance(node, ex.Access):
        arr, vs = _materialize(node, bufs[node.tensor], grid, order, sizes, fixed)
        return arr.reshape([arr.shape[vs.index(v)] if v in vs else 1 for v in order])
    if isinstance(node, (ex.Const, ex.SizeRef)):
        return _leaf(node, sizes)
    if isinstance(node, ex.Unary):
        return ex.unary_func(node.op)(np.asarray(_eval(node.arg, bufs, grid, order, sizes,
                                                       fixed), dtype=np.float64))
    a = _eval(node.left, bufs, grid, order, sizes, fixed)
    b = _eval(node.right, bufs, grid, order, sizes, fixed)
    if node.op == "*":
        return a * b
    if node.op == "+":
        return a + b
    if node.op == "-":
        return a - b
    if node.op == "/":
        return a / b
    if node.op == "max":
        return np.maximum(a, b)
    return np.minimum(a, b)
