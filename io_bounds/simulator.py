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


def _lru(addr, wr, S):
    cache: OrderedDict[int, bool] = OrderedDict()
    born: set[int] = set()
    loads = stores = 0
    for a, w in zip(addr, wr):
        if a in cache:
            cache.move_to_end(a)
            if w:
                cache[a] = True
            continue
        if len(cache) >= S:
            _, dirty = cache.popitem(last=False)
            stores += dirty
        if w and a not in born:
            born.add(a)
        else:
            loads += 1
        cache[a] = bool(w)
    stores += sum(cache.values())
    return _result(loads, stores, min(S, len(born) + loads), "lru", S)


def _opt(addr, wr, S):
    n = len(addr)
    nxt = [n] * n
    last: dict[int, int] = {}
    for i in range(n - 1, -1, -1):
        nxt[i] = last.get(addr[i], n + i)  # never used again: beyond the end, ties by index
        last[addr[i]] = i
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
                stores += dirty.pop(victim)
            if w and a not in born:
                born.add(a)
            else:
                loads += 1
            dirty[a] = False
        cache[a] = nxt[i]
        dirty[a] = dirty[a] or bool(w)
        heapq.heappush(heap, (-nxt[i], a))
    stores += sum(dirty.values())
    return _result(loads, stores, S, "opt", S)


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
