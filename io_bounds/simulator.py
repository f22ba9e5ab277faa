"""Trace-driven cache simulator: replay a tiled loop nest and count words moved.

The trace is the element-level access stream of the two-level tiled loop nest that
:mod:`io_bounds.curves` models (outer loops in ``order``, then the inner tile loops in rank
order; per iteration the inputs are read, then the output is updated). A fast memory replays it:

* ``"lru"``: ``capacity_words`` words, least-recently-used replacement;
* ``"opt"``: ``capacity_words`` words, Belady's furthest-next-use replacement (optimal for the
  number of misses);
* ``"tile"``: the schedule's own policy, unbounded but reporting its peak occupancy: a tensor
  keeps exactly its current tile; when the tile changes, the old one is evicted.

Accounting (all policies): a read miss loads one word; the first touch of an output element
allocates it without a load (first-read elision); evicting a modified element stores one word;
at the end every modified element is stored. ``traffic_words = loads + stores``.
For small sizes only (pure Python, about a microsecond per access).
"""

from __future__ import annotations

import heapq
import math
from collections import OrderedDict
from typing import Mapping, Sequence

import numpy as np

from io_bounds._check import positive_int, positive_words
from io_bounds.errors import BoundError
from io_bounds.nest import Nest

POLICIES = ("lru", "opt", "tile")
MAX_ACCESSES = 2_000_000


def trace(nest: Nest, tiles: Mapping[str, int], order: Sequence[str]):
    """Element-level trace: ``(address, is_write, tile_id, access_index)`` arrays.

    Addresses are global (tensors laid out one after another); ``tile_id`` is the tensor's
    current tile (the outer indices of its relevant ranks), encoded as one integer.
    """
    ranks = nest.ranks
    if sorted(order) != sorted(ranks):
        raise BoundError(f"order must be a permutation of {list(ranks)}; got {list(order)}")
    t = {}
    for r in ranks:
        t[r] = positive_int(tiles.get(r), f"tile of rank {r!r}")
        if nest.sizes[r] % t[r]:
            raise BoundError(f"tile {t[r]} of rank {r!r} does not divide {nest.sizes[r]}")
    T = {r: nest.sizes[r] // t[r] for r in ranks}
    n_acc = len(nest.accesses)
    if nest.iterations * n_acc > MAX_ACCESSES:
        raise BoundError(f"the simulator replays at most {MAX_ACCESSES:,} accesses; this nest "
                         f"has {nest.iterations * n_acc:,} (use smaller sizes)")
    shape = [T[r] for r in order] + [t[r] for r in ranks]
    idx = np.indices(shape).reshape(len(shape), -1)
    outer = {r: idx[i] for i, r in enumerate(order)}
    x = {r: outer[r] * t[r] + idx[len(order) + i] for i, r in enumerate(ranks)}
    addrs, tids = [], []
    base = 0
    bases = {}
    for a in nest.accesses:
        if a.tensor not in bases:
            span = math.prod(nest.extent(row) for row in a.rows)
            bases[a.tensor] = base
            base += span
        flat = np.zeros_like(idx[0])
        for row in a.rows:
            v = sum(c * x[r] for c, r in zip(row, ranks) if c)
            flat = flat * nest.extent(row) + v
        addrs.append(flat + bases[a.tensor])
        rel = [r for r in ranks if r in nest.relevant(a)]
        tid = np.zeros_like(idx[0])
        for r in rel:
            tid = tid * T[r] + outer[r]
        tids.append(tid)
    n = idx.shape[1]
    address = np.stack(addrs, axis=1).ravel()
    tile_id = np.stack(tids, axis=1).ravel()
    access = np.tile(np.arange(n_acc), n)
    is_write = np.array([a.is_output for a in nest.accesses])[access]
    return address, is_write, tile_id, access


def simulate(nest: Nest, tiles: Mapping[str, int], order: Sequence[str], policy: str = "opt",
             capacity_words: float | None = None) -> dict:
    """Replay the tiled nest through a fast memory; returns words loaded / stored / peak.

    ``capacity_words`` is required for ``"lru"`` and ``"opt"`` (at least one word per access
    of an iteration) and ignored for ``"tile"``.
    """
    if policy not in POLICIES:
        raise BoundError(f"unknown replacement policy {policy!r}; valid: {', '.join(POLICIES)}")
    address, is_write, tile_id, access = trace(nest, tiles, order)
    if policy == "tile":
        return _tile(nest, address, is_write, tile_id, access)
    if capacity_words is None:
        raise BoundError(f"policy {policy!r} needs capacity_words")
    S = int(positive_words(capacity_words, "capacity_words"))
    if S < len(nest.accesses):
        raise BoundError(f"capacity_words must hold one iteration's {len(nest.accesses)} "
                         f"operands; got {S}")
    if policy == "lru":
        return _lru(address.tolist(), is_write.tolist(), S)
    return _opt(address.tolist(), is_write.tolist(), S)


def _result(loads, stores, peak, policy, capacity=None):
    return {"policy": policy, "loads_words": loads, "stores_words": stores,
            "traffic_words": loads + stores, "peak_words": peak, "capacity_words": capacity}


def _dead_filter(addr, dead):
    """``last[a]``: index of the last access of intermediate address ``a`` (``dead`` holds the
    intermediates: once past their last use they are dropped without a store)."""
    if not dead:
        return {}
    last = {}
    for i, a in enumerate(addr):
        if a in dead:
            last[a] = i
    return last


def _lru(addr, wr, S, dead=frozenset()):
    last = _dead_filter(addr, dead)
    cache: OrderedDict[int, bool] = OrderedDict()
    born: set[int] = set()
    loads = stores = 0
    for i, (a, w) in enumerate(zip(addr, wr)):
        if a in cache:
            cache.move_to_end(a)
            if w:
                cache[a] = True
            continue
        if len(cache) >= S:
            victim, dirty = cache.popitem(last=False)
            stores += dirty and not (victim in last and last[victim] < i)
        if w and a not in born:
            born.add(a)
        else:
            loads += 1
        cache[a] = bool(w)
    stores += sum(d for a, d in cache.items() if a not in last)
    return _result(loads, stores, min(S, len(born) + loads), "lru", S)


def _opt(addr, wr, S, dead=frozenset()):
    last = _dead_filter(addr, dead)
    n = len(addr)
    nxt = [n] * n
    seen: dict[int, int] = {}
    for i in range(n - 1, -1, -1):
        nxt[i] = seen.get(addr[i], n + i)  # never used again: beyond the end, ties by index
        seen[addr[i]] = i
    cache: dict[int, int] = {}  # address -> its next use
    dirty: dict[int, bool] = {}
    heap: list[tuple[int, int]] = []
    born: set[int] = set()
    loads = stores = 0
    for i, (a, w) in enumerate(zip(addr, wr)):
        if a not in cache:
            if len(cache) >= S:
                while True:
                    nu, victim = heapq.heappop(heap)
                    if cache.get(victim) == -nu:
                        break
                del cache[victim]
                d = dirty.pop(victim)
                stores += d and not (victim in last and last[victim] < i)
            if w and a not in born:
                born.add(a)
            else:
                loads += 1
            dirty[a] = False
        cache[a] = nxt[i]
        dirty[a] = dirty[a] or bool(w)
        heapq.heappush(heap, (-nxt[i], a))
    stores += sum(d for a, d in dirty.items() if a not in last)
    return _result(loads, stores, S, "opt", S)


def simulate_trace(address: Sequence[int], is_write: Sequence[bool], policy: str,
                   capacity_words: float, intermediates: Sequence[int] = ()) -> dict:
    """Replay any element-level trace (e.g. a fused schedule) through an LRU or Belady cache.

    ``intermediates``: addresses of values that never need to reach DRAM (dropped without a
    store after their last use; still stored and reloaded if evicted before it).
    """
    if policy not in ("lru", "opt"):
        raise BoundError(f"unknown replacement policy {policy!r} for a raw trace; valid: lru, opt")
    S = int(positive_words(capacity_words, "capacity_words"))
    if len(address) != len(is_write):
        raise BoundError(f"address and is_write must have the same length; got {len(address)} "
                         f"and {len(is_write)}")
    if len(address) > MAX_ACCESSES:
        raise BoundError(f"the simulator replays at most {MAX_ACCESSES:,} accesses; got "
                         f"{len(address):,}")
    fn = _lru if policy == "lru" else _opt
    return fn(list(map(int, address)), list(map(bool, is_write)), S, frozenset(intermediates))


def fused_two_gemm_trace(M: int, K: int, N: int, P: int, m0: int):
    """Trace of the fused row-chunk schedule of ``Z1 = A B; Z2 = Z1 D`` (see
    :func:`io_bounds.curves.two_gemm_curve`): per chunk of ``m0`` rows, ``k > n > i`` for GEMM 1
    then ``p > n > i`` for GEMM 2. Returns ``(address, is_write, intermediates)``."""
    if M % m0:
        raise BoundError(f"m0={m0} must divide M={M}")
    A, B = 0, M * K
    Z1 = B + K * N
    D = Z1 + M * N
    Z2 = D + N * P
    addr, wr = [], []
    for c in range(0, M, m0):
        for k in range(K):
            for n in range(N):
                for i in range(c, c + m0):
                    addr += [A + i * K + k, B + k * N + n, Z1 + i * N + n]
                    wr += [False, False, True]
        for p in range(P):
            for n in range(N):
                for i in range(c, c + m0):
                    addr += [Z1 + i * N + n, D + n * P + p, Z2 + i * P + p]
                    wr += [False, False, True]
    return addr, wr, range(Z1, D)


def fused_attention_trace(P: int, M: int, E: int, F: int, p0: int):
    """Trace of the query-stationary fused 1-pass attention schedule (see
    :func:`io_bounds.curves.attention_curve`): per block of ``p0`` queries, keys one at a time;
    the running state ``RM, RD, RNV`` are intermediates and ``AV`` is written at the end."""
    Q, K = 0, P * E
    V = K + M * E
    RM = V + M * F
    RD = RM + P
    RNV = RD + P
    AV = RNV + P * F
    addr, wr = [], []
    for c in range(0, P, p0):
        block = range(c, min(P, c + p0))
        for m in range(M):
            for i in block:
                for e in range(E):
                    addr += [Q + i * E + e, K + m * E + e]
                    wr += [False, False]
                addr += [RM + i, RD + i]
                wr += [True, True]
                for f in range(F):
                    addr += [V + m * F + f, RNV + i * F + f]
                    wr += [False, True]
        for i in block:
            for f in range(F):
                addr += [RNV + i * F + f, RD + i, AV + i * F + f]
                wr += [False, False, True]
    return addr, wr, range(RM, AV)


def _tile(nest, address, is_write, tile_id, access):
    n_acc = len(nest.accesses)
    tensor_of = [a.tensor for a in nest.accesses]
    current: dict[int, int] = {}
    resident: dict[int, dict[int, bool]] = {j: {} for j in range(n_acc)}
    born: set[int] = set()
    loads = stores = peak = occ = 0
    for a, w, tid, j in zip(address.tolist(), is_write.tolist(), tile_id.tolist(),
                            access.tolist()):
        if current.get(j) != tid:
            old = resident[j]
            stores += sum(old.values())
            occ -= len(old)
            resident[j] = {}
            current[j] = tid
        res = resident[j]
        if a not in res:
            if w and a not in born:
                born.add(a)
            else:
                loads += 1
            res[a] = False
            occ += 1
            peak = max(peak, occ)
        if w:
            res[a] = True
    stores += sum(sum(r.values()) for r in resident.values())
    out = _result(loads, stores, peak, "tile")
    out["tensors"] = sorted(set(tensor_of))
    return out
