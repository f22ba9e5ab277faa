"""Attainable DRAM traffic versus buffer capacity (Orojenesis-style curves).

Not a lower bound: the least traffic (words) over a family of real schedules of a two-level
machine (unbounded DRAM, a buffer of B words), as a function of B (Huang, Tsai, Emer, Parashar,
"Mind the Gap: Attainable Data Movement and Operational Intensity Bounds for Tensor
Algorithms", ISCA 2024).

Single Einsum (:func:`einsum_curve`). Each rank ``r`` is split into an outer loop of ``T_r``
trips and an inner tile of ``t_r = L_r / T_r`` (every divisor of ``L_r``). The buffer holds one
tile of every tensor: ``B = sum_X footprint_X(t)``, with ``footprint`` the number of distinct
elements a tile touches (``prod_dims (sum_r c_r (t_r - 1) + 1)``, so convolution halos count).
For an order of the outer loops, a tensor's tile is (re)loaded whenever a loop it depends on
advances; loops it does not depend on that sit *inside* its innermost relevant loop reuse it:

    events_X = prod_{r relevant to X} T_r * prod_{r irrelevant, outside X's innermost} T_r
    inputs:  traffic_X = events_X * footprint_X
    output:  traffic_Z = 2 * events_Z * footprint_Z - |Z|

The output convention is *first-read elision*: a partial sum is written back each time its tile
is evicted and read back on every later visit, but the first visit reads nothing (the tile
starts at zero), hence ``- |Z|``. Only the set of such outer irrelevant loops per tensor
matters, so the loop orders are de-duplicated to those "signatures" and dominated signatures
dropped: this keeps every loop order that matters. Halos: a new tile is loaded whole, without
keeping the overlap with the previous tile (an upper bound of overlap-aware reuse).

Fused chains: :func:`two_gemm_curve` and :func:`attention_curve` (conventions in their
docstrings). Curves combine with :func:`pareto`.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Iterable, Mapping, Sequence

import numpy as np

from io_bounds._check import positive_int, positive_words
from io_bounds.errors import BoundError
from io_bounds.nest import Nest

#: Largest number of candidate tilings evaluated at once (beyond it divisors are thinned).
MAX_TILINGS = 1_000_000
#: Most ranks of one Einsum whose loop orders are enumerated (8! = 40,320 orders).
MAX_RANKS = 8

CONVENTIONS = (
    "two-level machine: unbounded DRAM + one buffer of buffer_words words",
    "buffer holds one tile of every tensor (sum of tile footprints)",
    "output partial sums: first-read elision (the first visit of an output tile reads nothing)",
    "loop orders: every order of the outer loops, de-duplicated by which tensors they reuse",
)


#: Largest rank size a tiling search accepts: 2**53, beyond which float64 traffic counts are
#: no longer exact (and trial division up to sqrt(n) would run for hours).
MAX_RANK_SIZE = 2 ** 53


def divisors(n: int, what: str = "rank size") -> np.ndarray:
    """All divisors of ``n`` (``1 <= n <= MAX_RANK_SIZE``) in increasing order."""
    n = positive_int(n, what)
    if n > MAX_RANK_SIZE:
        raise BoundError(f"{what} must be at most 2**53 = {MAX_RANK_SIZE:,} for a tiling "
                         f"search; got {n:,}")
    small = []
    root = math.isqrt(n)
    for lo in range(1, root + 1, 1 << 22):  # trial division in vectorised chunks
        d = np.arange(lo, min(root, lo + (1 << 22) - 1) + 1, dtype=np.int64)
        small.extend(d[n % d == 0].tolist())
    return np.array(sorted(set(small + [n // d for d in small])), dtype=np.int64)


def _thin(d: np.ndarray, keep: int) -> np.ndarray:
    if len(d) <= keep:
        return d
    idx = np.unique(np.round(np.linspace(0, len(d) - 1, keep)).astype(int))
    return d[idx]


# ------------------------------------------------------------------ loop-order signatures
def order_signatures(nest: Nest) -> list[tuple[tuple[frozenset, ...], tuple[str, ...]]]:
    """Distinct, non-dominated reuse signatures of the outer-loop orders.

    A signature holds, per access, the set of irrelevant ranks whose loops sit outside the
    access's innermost relevant loop (they multiply its reloads). Returns
    ``[(signature, representative_order), ...]`` with orders outermost first.
    """
    if len(nest.ranks) > MAX_RANKS:
        raise BoundError(f"{nest.name!r} has {len(nest.ranks)} ranks; enumerating loop orders "
                         f"is limited to {MAX_RANKS} ranks ({math.factorial(MAX_RANKS):,} "
                         "orders)")
    return _signatures(tuple(nest.ranks), tuple(nest.relevant(a) for a in nest.accesses))


@functools.lru_cache(maxsize=128)
def _signatures(ranks: tuple[str, ...], rel: tuple[frozenset, ...]):
    sigs: dict[tuple[frozenset, ...], tuple[str, ...]] = {}
    for order in itertools.permutations(ranks):
        sig = []
        for R in rel:
            inner = max((i for i, r in enumerate(order) if r in R), default=-1)
            sig.append(frozenset(r for r in order[:inner] if r not in R))
        sig = tuple(sig)
        sigs.setdefault(sig, order)
    items = list(sigs.items())
    keep = []
    for s, o in items:
        dominated = any(t != s and all(a <= b for a, b in zip(t, s)) for t, _ in items)
        if not dominated:
            keep.append((s, o))
    return keep


# ------------------------------------------------------------------ vectorised evaluation
def evaluate_tilings(nest: Nest, tiles: np.ndarray):
    """Buffer and best traffic for each row of ``tiles`` (shape ``(C, n_ranks)``, inner tiles).

    Returns ``(buffer_words, traffic_words, signature_index, signatures)``: arrays of length C
    (float64) and the signature list of :func:`order_signatures`.
    """
    tiles = np.asarray(tiles, dtype=np.int64)
    L = np.array([nest.sizes[r] for r in nest.ranks], dtype=np.int64)
    if tiles.ndim != 2 or tiles.shape[1] != len(L) or np.any(L % tiles != 0):
        raise BoundError(f"tiles must be (C, {len(L)}) divisors of the rank sizes {dict(zip(nest.ranks, L.tolist()))}")
    T = (L // tiles).astype(np.float64)
    tf = tiles.astype(np.float64)
    foot = []
    for a in nest.accesses:
        f = np.ones(len(tiles))
        for row in a.rows:
            f = f * ((tf - 1.0) @ np.asarray(row, dtype=np.float64) + 1.0)
        foot.append(f)
    buffer = np.sum(foot, axis=0)
    words = nest.tensor_words()
    sigs = order_signatures(nest)
    pos = {r: i for i, r in enumerate(nest.ranks)}
    best = np.full(len(tiles), np.inf)
    arg = np.zeros(len(tiles), dtype=np.int64)
    for k, (sig, _) in enumerate(sigs):
        total = np.zeros(len(tiles))
        for a, f, mask in zip(nest.accesses, foot, sig):
            cols = [pos[r] for r in nest.relevant(a) | mask]
            events = np.prod(T[:, cols], axis=1) if cols else np.ones(len(tiles))
            if a.is_output:
                total += 2.0 * events * f - words[a.tensor]
            else:
                total += events * f
        better = total < best
        best = np.where(better, total, best)
        arg = np.where(better, k, arg)
    return buffer, best, arg, sigs


def _mapping_str(ranks, tile_row, order) -> str:
    tiles = ",".join(f"{r}={int(t)}" for r, t in zip(ranks, tile_row))
    return f"tiles[{tiles}] order[{'>'.join(order)}]"


def pareto(buffer: np.ndarray, traffic: np.ndarray) -> np.ndarray:
    """Indices of the Pareto-optimal points (least traffic for at most that buffer), by buffer."""
    buffer = np.asarray(buffer, dtype=np.float64)
    traffic = np.asarray(traffic, dtype=np.float64)
    idx = np.lexsort((traffic, buffer))
    t = traffic[idx]
    runmin = np.minimum.accumulate(t)
    prev = np.concatenate(([np.inf], runmin[:-1]))
    return idx[t < prev]


def einsum_curve(nest: Nest, max_tilings: int = MAX_TILINGS):
    """Pareto curve (DataFrame buffer_words, traffic_words, mapping) of one Einsum."""
    import pandas as pd

    divs = [divisors(nest.sizes[r], f"size of rank {r}") for r in nest.ranks]
    thinned = False
    while math.prod(len(d) for d in divs) > max_tilings:
        j = int(np.argmax([len(d) for d in divs]))
        divs[j] = _thin(divs[j], max(2, len(divs[j]) // 2))
        thinned = True
    grids = np.meshgrid(*divs, indexing="ij")
    tiles = np.stack([g.ravel() for g in grids], axis=1)
    buffer, traffic, arg, sigs = evaluate_tilings(nest, tiles)
    keep = pareto(buffer, traffic)
    df = pd.DataFrame({
        "buffer_words": buffer[keep],
        "traffic_words": traffic[keep],
        "mapping": [_mapping_str(nest.ranks, tiles[i], sigs[arg[i]][1]) for i in keep],
    })
    df.attrs.update(name=nest.name, conventions=list(CONVENTIONS),
                    tilings_evaluated=int(len(tiles)), loop_order_signatures=len(sigs),
                    divisors_thinned=thinned,
                    compulsory_words=float(sum(nest.tensor_words().values())))
    return df.reset_index(drop=True)


def tiling_traffic(nest: Nest, tiles: Mapping[str, int], order: Sequence[str]) -> dict:
    """Scalar model of one tiling and one outer-loop order (outermost first): words per tensor.

    Independent scalar implementation of the model above (used by the naive evaluator, the
    simulator cross-check and the tests). Loops of one trip are skipped, so ``events`` is
    exactly the number of times the tensor's tile changes; the vectorised minimum over all
    orders is the same (moving a one-trip loop outermost never changes the count).
    """
    if sorted(order) != sorted(nest.ranks):
        raise BoundError(f"order must be a permutation of {list(nest.ranks)}; got {list(order)}")
    T = {}
    for r in nest.ranks:
        t = positive_int(tiles[r], f"tile of rank {r!r}")
        if nest.sizes[r] % t:
            raise BoundError(f"tile {t} of rank {r!r} does not divide its size {nest.sizes[r]}")
        T[r] = nest.sizes[r] // t
    words = nest.tensor_words()
    out = {"buffer_words": 0, "per_tensor": {}}
    for a in nest.accesses:
        R = nest.relevant(a)
        f = nest.footprint(a, tiles)
        out["buffer_words"] += f
        live = [r for r in order if T[r] > 1]  # trip-1 loops do not move any tile
        inner = max((i for i, r in enumerate(live) if r in R), default=-1)
        events = 1
        for i, r in enumerate(live):
            if r in R or i < inner:
                events *= T[r]
        w = 2 * events * f - words[a.tensor] if a.is_output else events * f
        out["per_tensor"][a.tensor] = out["per_tensor"].get(a.tensor, 0) + w
    out["traffic_words"] = sum(out["per_tensor"].values())
    return out


def naive_einsum_curve(nest: Nest, tilings: Iterable[Mapping[str, int]] | None = None):
    """Reference evaluator: scalar Python loops over tilings x every loop order.

    Slow by design (the baseline of ``benchmarks/attainable_speed.py``); returns the same
    DataFrame columns as :func:`einsum_curve`.
    """
    import pandas as pd

    if tilings is None:
        tilings = (dict(zip(nest.ranks, combo)) for combo in
                   itertools.product(*[divisors(nest.sizes[r]).tolist() for r in nest.ranks]))
    rows = []
    orders = list(itertools.permutations(nest.ranks))
    for tiles in tilings:
        best, best_order, buf = math.inf, None, None
        for order in orders:
            m = tiling_traffic(nest, tiles, order)
            buf = m["buffer_words"]
            if m["traffic_words"] < best:
                best, best_order = m["traffic_words"], order
        rows.append((float(buf), float(best), _mapping_str(nest.ranks, [tiles[r] for r in
                                                                        nest.ranks], best_order)))
    b = np.array([r[0] for r in rows])
    t = np.array([r[1] for r in rows])
    keep = pareto(b, t)
    return pd.DataFrame({"buffer_words": b[keep], "traffic_words": t[keep],
                         "mapping": [rows[i][2] for i in keep]})


# ------------------------------------------------------------------ combining curves
def _step_eval(curve, buffers: np.ndarray):
    """Traffic of a Pareto curve at each capacity (inf below its smallest buffer) + row index."""
    b = curve["buffer_words"].to_numpy()
    t = curve["traffic_words"].to_numpy()
    i = np.searchsorted(b, buffers, side="right") - 1
    val = np.where(i >= 0, t[np.clip(i, 0, None)], np.inf)
    return val, i


def sum_curves(curves: Sequence, name: str = "unfused"):
    """Run the curves' kernels one after another, each using the whole buffer: the traffic at
    capacity B is the sum of each curve's traffic at B (intermediates go through DRAM)."""
    import pandas as pd

    grid = np.unique(np.concatenate([c["buffer_words"].to_numpy() for c in curves]))
    total = np.zeros(len(grid))
    maps = [[] for _ in grid]
    for c in curves:
        v, i = _step_eval(c, grid)
        total += v
        for j, ii in enumerate(i):
            maps[j].append(c["mapping"].iat[ii] if ii >= 0 else "none")
    ok = np.isfinite(total)
    grid, total = grid[ok], total[ok]
    maps = [m for m, o in zip(maps, ok) if o]
    keep = pareto(grid, total)
    return pd.DataFrame({"buffer_words": grid[keep], "traffic_words": total[keep],
                         "mapping": [f"{name}: " + " ; ".join(maps[i]) for i in keep]})


def merge_curves(curves: Sequence):
    """Pointwise best of several curves (alternative schedules of the same computation)."""
    import pandas as pd

    df = pd.concat(list(curves), ignore_index=True)
    keep = pareto(df["buffer_words"].to_numpy(), df["traffic_words"].to_numpy())
    return df.iloc[keep].reset_index(drop=True)


def at_buffers(curve, buffers: Sequence[float]):
    """One row per requested capacity: the best point of ``curve`` that fits it.

    A capacity below the smallest mapping's buffer gets ``traffic_words = NaN`` and mapping
    ``"no mapping fits"``.
    """
    import pandas as pd

    caps = np.array([positive_words(b, "buffer") for b in buffers], dtype=np.float64)
    v, i = _step_eval(curve, caps)
    return pd.DataFrame({
        "buffer_words": caps,
        "traffic_words": np.where(np.isfinite(v), v, np.nan),
        "mapping": [curve["mapping"].iat[j] if j >= 0 else "no mapping fits" for j in i],
        "mapping_buffer_words": [float(curve["buffer_words"].iat[j]) if j >= 0 else np.nan
                                 for j in i],
    })


# ------------------------------------------------------------------ fused chains
def fused_rows_model(M, K, N, P, m0, bres=0, dres=0):
    """``(buffer_words, traffic_words)`` of the fused row-chunk two-GEMM schedule (below)."""
    c = M // m0
    buf = m0 * N + bres * K * N + dres * N * P + max(m0 + (1 - bres), m0 + (1 - dres))
    tr = M * K + (K * N if bres else c * K * N) + (N * P if dres else c * N * P) + M * P
    return buf, tr


def attention_qs_model(P, M, E, F, p0, kv=0):
    """``(buffer_words, traffic_words)`` of the query-stationary fused attention schedule
    (see :func:`attention_curve`); ``p0`` may be a numpy array."""
    buf = p0 * (E + F + 2) + p0 + (M * (E + F) if kv else (E + F))
    tr = P * E + P * F + (M * (E + F) if kv else np.ceil(P / p0) * M * (E + F))
    return buf, tr


def two_gemm_curve(M: int, K: int, N: int, P: int):
    """Fused ``Z1[m,n] = A[m,k] B[k,n]; Z2[m,p] = Z1[m,n] D[n,p]`` (plus the unfused option).

    Fused schedules keep a chunk of the intermediate ``Z1`` on chip, so it never touches DRAM:

    * row chunks (``m0 | M``): ``Z1[m0, N]`` resident; per chunk, A's rows are read once, B
      and D are streamed (or kept resident across chunks: flags ``B_res``, ``D_res``), Z2's
      rows are written once. Traffic ``MK + (KN or (M/m0) KN) + (NP or (M/m0) NP) + MP``.
    * column chunks (``n0 | N``): ``Z1[M, n0]`` and all of ``Z2[M, P]`` resident (Z2
      accumulates over the chunks); A is streamed per chunk unless resident.
      Traffic ``(MK or (N/n0) MK) + KN + NP + MP``.

    Buffer occupancy (the convention for fused chains): the resident intermediate chunk, plus
    resident operands, plus the larger of the two phases' streaming tiles (the phases run one
    after the other within a chunk and reuse that space; streaming tiles are one column of
    ``m0`` or ``M`` words and one element).
    The unfused option is :func:`sum_curves` of the two GEMM curves (Z1 through DRAM). The
    result is the pointwise best of all.
    """
    import pandas as pd

    from io_bounds.nest import Nest

    M, K, N, P = (positive_int(v, n) for v, n in ((M, "M"), (K, "K"), (N, "N"), (P, "P")))
    rows = []
    for m0 in divisors(M).tolist():
        for bres, dres in itertools.product((0, 1), repeat=2):
            buf, tr = fused_rows_model(M, K, N, P, m0, bres, dres)
            rows.append((buf, tr, f"fused rows m0={m0} B_res={bres} D_res={dres}"))
    for n0 in divisors(N).tolist():
        c = N // n0
        for ares in (0, 1):
            buf = M * n0 + M * P + ares * M * K + max(M + (1 - ares), M + 1)
            tr = (M * K if ares else c * M * K) + K * N + N * P + M * P
            rows.append((buf, tr, f"fused columns n0={n0} A_res={ares}"))
    fused = pd.DataFrame(rows, columns=["buffer_words", "traffic_words", "mapping"])
    keep = pareto(fused["buffer_words"].to_numpy(), fused["traffic_words"].to_numpy())
    fused = fused.iloc[keep]
    g1 = Nest.projective("gemm1", ("Z1", "mn"), [("A", "mk"), ("B", "kn")],
                         {"m": M, "n": N, "k": K})
    g2 = Nest.projective("gemm2", ("Z2", "mp"), [("Z1", "mn"), ("D", "np")],
                         {"m": M, "n": N, "p": P})
    unfused = sum_curves([einsum_curve(g1), einsum_curve(g2)])
    out = merge_curves([fused, unfused])
    out.attrs.update(name="two-gemm chain", compulsory_words=float(M * K + K * N + N * P + M * P),
                     conventions=list(CONVENTIONS) + [
                         "fused: intermediate chunk resident, never in DRAM; occupancy = "
                         "resident chunk + resident operands + max of the phases' streaming "
                         "tiles", "unfused: each GEMM uses the whole buffer; Z1 written and read "
                         "through DRAM"])
    return out


def attention_curve(P: int, M: int, E: int, F: int):
    """Fused 1-pass (online-softmax) attention: ``P`` queries, ``M`` keys, head dims ``E, F``.

    Two loop orders of the 1-pass cascade. Blocks may be any size (the last block is partial,
    ``ceil`` counts), as FlashAttention does; block sizes that only add buffer without saving
    traffic are left at 1:

    * query-stationary (FA-2 style; ``p0`` query rows per block, keys one at a time): the
      buffer holds ``Q[p0,E]``, the running state ``RNV[p0,F], RM[p0], RD[p0]``, the score
      block ``[p0, 1]`` and one row of ``K`` and ``V`` (``E + F``), or all of K and V (flag
      ``KV_res``). Traffic ``PE + PF + ceil(P/p0) M (E + F)`` (``M (E+F)`` once if resident).
    * key-stationary (FA-1 style; ``m0`` keys per block outer, query rows one at a time
      inner): K, V read once; Q re-read per key block; the running state ``P (F + 2)``
      written after every key block but the last and read back before every block but the
      first (first-read elision); ``AV`` written once:
      ``M (E+F) + nb PE + 2 (nb - 1) P (F+2) + PF`` with ``nb = ceil(M/m0)``.
    Buffer occupancy: the sum of everything resident at once (listed above). Intermediates of
    the cascade (QK, SLN, LM, PRM, ...) live only in the score block and the running state,
    so only Q, K, V are read and AV written.
    """
    import pandas as pd

    P, M, E, F = (positive_int(v, n) for v, n in ((P, "P"), (M, "M"), (E, "E"), (F, "F")))
    p0 = np.arange(1, P + 1, dtype=np.float64)
    rows = []
    for kv in (0, 1):
        buf, tr = attention_qs_model(P, M, E, F, p0, kv)
        rows.append((buf, tr, [f"query-stationary p0={int(a)} KV_res={kv}" for a in p0]))
    m0 = np.arange(1, M + 1, dtype=np.float64)
    buf = m0 * (E + F) + (E + F + 2) + m0
    nb = np.ceil(M / m0)
    tr = M * (E + F) + nb * P * E + 2 * (nb - 1) * P * (F + 2) + P * F
    rows.append((buf, tr, [f"key-stationary m0={int(b)}" for b in m0]))
    b = np.concatenate([r[0] for r in rows])
    t = np.concatenate([np.broadcast_to(r[1], r[0].shape) for r in rows])
    maps = [m for r in rows for m in r[2]]
    keep = pareto(b, t)
    df = pd.DataFrame({"buffer_words": b[keep], "traffic_words": t[keep],
                       "mapping": [maps[i] for i in keep]})
    df.attrs.update(name="attention-1pass", compulsory_words=float(P * E + M * E + M * F + P * F),
                    conventions=["fused 1-pass cascade: only Q, K, V are read and AV written; "
                                 "occupancy = sum of resident blocks and running state",
                                 "blocks of any size (partial last block), as FlashAttention"])
    return df
