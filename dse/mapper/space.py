"""The mapping space of one Einsum, as numpy arrays.

A *loop nest* (:class:`LoopNest`) is the mapper's view of one Einsum: its ranks with their
sizes and, per tensor, the index expressions that address it (``iy = oy + fy`` for a
convolution's input). A *mapping* of a loop nest onto a spatial array with ``L`` on-chip
memory levels (innermost first) is

* a **spatial unrolling**: per array dimension ``d`` (size ``A_d``) at most one rank ``r`` and a
  factor ``s_d <= A_d``; the rank's spatial factor is ``s_r`` (1 if no dimension holds it) and
  it takes ``q_r = ceil(N_r / s_r)`` temporal steps (padding ``s_r q_r - N_r`` is counted as
  wasted work by the cost model, not hidden);
* a **temporal tiling** per level: a chain of divisors ``t_1 | t_2 | ... | t_L | q_r`` per rank;
  level ``l`` holds a tile of ``s_r t_l`` indices of rank ``r``;
* a **loop order** of the loops above the outermost on-chip level (outermost first), which
  decides the reuse of each tensor in that level;
* a **stationary rank**: the innermost temporal rank on the array (operands it does not index
  stay in the PEs across it; a reduced rank there makes the mapping output-stationary).

A candidate is encoded as integer *genes* ``(spatial, tile_0 .. tile_{R-1}, order, inner)``: indices
into tables built once per space, so that candidates are sampled, enumerated, mutated and
decoded in batches with numpy. :class:`CandidateBatch` holds the decoded arrays.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping, Sequence

import numpy as np

from dse.errors import DSEError

#: An index expression: ``((coef, rank), ...)`` meaning ``sum(coef * rank)``.
IndexExpr = tuple[tuple[int, str], ...]


def divisors(n: int) -> list[int]:
    """All positive divisors of ``n``, ascending (``io_bounds.curves.divisors``: vectorised
    trial division; sizes above 2**53 raise, as a Python loop to sqrt(n) would run for hours)."""
    from io_bounds import BoundError
    from io_bounds.curves import divisors as _divisors

    try:
        return _divisors(n, "rank size").tolist()
    except BoundError as e:
        raise DSEError(f"cannot tile a rank of size {n}: {e}") from e


@dataclass(frozen=True)
class TensorAccess:
    """A tensor of a loop nest and how it is indexed.

    ``indices`` has one :data:`IndexExpr` per tensor dimension; the extent of a dimension for a
    tile with per-rank extents ``t`` is the number of distinct index values (``t_oy + t_fy - 1``
    for the sliding window ``iy = oy + fy``; exactly ``t_rank`` for a plain rank).
    """

    name: str
    indices: tuple[IndexExpr, ...]
    is_output: bool = False

    @property
    def ranks(self) -> frozenset[str]:
        """Ranks the tensor's address depends on."""
        return frozenset(r for expr in self.indices for _, r in expr)


@dataclass(frozen=True)
class LoopNest:
    """One Einsum as a perfect loop nest: rank sizes and tensor accesses.

    ``op_cycles`` is the cost of one iteration on one PE (1 for a MAC); ``name`` names the
    Einsum in errors.
    """

    name: str
    ranks: tuple[str, ...]
    sizes: tuple[int, ...]
    tensors: tuple[TensorAccess, ...]

    def __post_init__(self) -> None:
        if len(self.ranks) != len(self.sizes):
            raise DSEError(f"ranks of loop nest {self.name!r} must match its sizes; got "
                           f"{len(self.ranks)} ranks and {len(self.sizes)} sizes")
        if len(set(self.ranks)) != len(self.ranks):
            raise DSEError(f"ranks of loop nest {self.name!r} must be unique; got {self.ranks}")
        for r, n in zip(self.ranks, self.sizes):
            if not isinstance(n, (int, np.integer)) or n < 1:
                raise DSEError(f"size of rank {r!r} of loop nest {self.name!r} must be a "
                               f"positive integer; got {n!r}")
        known = set(self.ranks)
        for t in self.tensors:
            if not t.ranks <= known:
                raise DSEError(f"tensor {t.name!r} of loop nest {self.name!r} uses ranks "
                               f"{sorted(t.ranks - known)} that the nest does not have "
                               f"(ranks: {list(self.ranks)})")
        if not any(t.is_output for t in self.tensors):
            raise DSEError(f"loop nest {self.name!r} must have an output tensor; got "
                           f"{[t.name for t in self.tensors]}")

    @property
    def size(self) -> dict[str, int]:
        return dict(zip(self.ranks, self.sizes))

    @property
    def iterations(self) -> int:
        """Points of the iteration space (useful operations)."""
        return math.prod(self.sizes)

    # convenient constructors --------------------------------------------------------------
    @classmethod
    def gemm(cls, M: int, N: int, K: int, batch: int = 1, name: str = "gemm") -> "LoopNest":
        """``Z[b,m,n] += A[b,m,k] * B[b,k,n]`` (``batch`` > 1 makes it a batched GEMM)."""
        ranks, sizes = ["m", "n", "k"], [M, N, K]
        pre: tuple[IndexExpr, ...] = ()
        if batch > 1:
            ranks, sizes, pre = ["b"] + ranks, [batch] + sizes, (((1, "b"),),)
        return cls(name, tuple(ranks), tuple(sizes), (
            TensorAccess("A", pre + (((1, "m"),), ((1, "k"),))),
            TensorAccess("B", pre + (((1, "k"),), ((1, "n"),))),
            TensorAccess("Z", pre + (((1, "m"),), ((1, "n"),)), is_output=True)))

    @classmethod
    def conv2d(cls, K: int, C: int, OY: int, OX: int, FY: int, FX: int, B: int = 1,
               stride: int = 1, name: str = "conv2d") -> "LoopNest":
        """``O[b,k,oy,ox] += W[k,c,fy,fx] * I[b,c,stride*oy+fy,stride*ox+fx]``.

        Padding is folded into the input's extent (``OY + FY - 1`` rows for stride 1).
        """
        ranks = ("b", "k", "c", "oy", "ox", "fy", "fx")
        sizes = (B, K, C, OY, OX, FY, FX)
        return cls(name, ranks, sizes, (
            TensorAccess("I", (((1, "b"),), ((1, "c"),), ((stride, "oy"), (1, "fy")),
                               ((stride, "ox"), (1, "fx")))),
            TensorAccess("W", (((1, "k"),), ((1, "c"),), ((1, "fy"),), ((1, "fx"),))),
            TensorAccess("O", (((1, "b"),), ((1, "k"),), ((1, "oy"),), ((1, "ox"),)),
                         is_output=True)))


@dataclass(frozen=True)
class ArrayShape:
    """What the mapper needs of an architecture: array dimensions and on-chip capacities.

    ``dims``: sizes of the compute array's dimensions (``(R, C)`` for a 2D array, ``(N,)`` for
    a 1D one). ``capacities_words``: capacity of each on-chip memory level that holds tiles,
    innermost first (words; ``inf`` for unlimited).
    """

    dims: tuple[int, ...]
    capacities_words: tuple[float, ...]
    name: str = "array"

    def __post_init__(self) -> None:
        if not self.dims or any(int(d) < 1 for d in self.dims):
            raise DSEError(f"dims of array {self.name!r} must be positive sizes; got {self.dims}")
        if not self.capacities_words:
            raise DSEError(f"array {self.name!r} must have at least one on-chip memory level; "
                           f"got none")
        if any(not (c > 0) for c in self.capacities_words):
            raise DSEError(f"capacities_words of array {self.name!r} must be positive; got "
                           f"{self.capacities_words}")


@dataclass
class CandidateBatch:
    """Decoded candidates, one row each (``n`` candidates, ``R`` ranks, ``D`` array dims,
    ``L`` levels).

    * ``genes`` (n, R + 3) int64: the encoding (spatial index, tile index per rank, order
      index, inner index)
    * ``spatial_rank`` (n, D) int64: rank index unrolled on each array dim, -1 for none
    * ``spatial_factor`` (n, D) int64: factor on each array dim (1 for none)
    * ``s`` (n, R) int64: spatial factor per rank; ``q`` (n, R) temporal steps ``ceil(N/s)``
    * ``tiles`` (n, L, R) int64: tile extent of each rank held at level ``l`` (``s * t_l``)
    * ``order`` (n, R) int64: rank indices of the outer (DRAM-level) loops, outermost first
    * ``inner`` (n,) int64: the stationary (innermost temporal) rank
    """

    genes: np.ndarray
    spatial_rank: np.ndarray
    spatial_factor: np.ndarray
    s: np.ndarray
    q: np.ndarray
    tiles: np.ndarray
    order: np.ndarray
    inner: np.ndarray

    def __len__(self) -> int:
        return int(self.genes.shape[0])

    def take(self, idx) -> "CandidateBatch":
        """The candidates at ``idx`` (a mask or integer index array)."""
        return CandidateBatch(*(getattr(self, f)[idx] for f in
                                ("genes", "spatial_rank", "spatial_factor", "s", "q", "tiles",
                                 "order", "inner")))


def _nested_chains(q: int, levels: int) -> list[tuple[int, ...]]:
    """Chains ``t_1 | t_2 | ... | t_L | q`` (innermost first)."""
    if levels == 0:
        return [()]
    out = []
    for t_outer in divisors(q):
        for inner in _nested_chains(t_outer, levels - 1):
            out.append(inner + (t_outer,))
    return out


@dataclass
class MappingSpace:
    """All mappings of ``nest`` on ``array``: tables for encoding, sampling and decoding.

    ``padding``: also allow spatial factors that do not divide the rank (``min(A_d, N_r)``),
    whose wasted PEs the cost model counts. ``max_orders`` bounds the loop-order table (ranks
    beyond the first ``max_orders!`` permutations are not distinguished; orders of ranks of
    size 1 never matter and are not enumerated).
    """

    nest: LoopNest
    array: ArrayShape
    padding: bool = True
    word_bytes: int = 2
    _built: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self._build()

    # -- tables ----------------------------------------------------------------------------
    def _build(self) -> None:
        nest, dims = self.nest, self.array.dims
        R, D, L = len(nest.ranks), len(dims), len(self.array.capacities_words)
        # per (dim, rank) admissible factors
        per_dim: list[list[tuple[int, int]]] = []
        for a in dims:
            opts = [(-1, 1)]
            for r, n in enumerate(nest.sizes):
                if n == 1:
                    continue
                fs = {d for d in divisors(n) if 1 < d <= a}
                if self.padding and n > 1:
                    fs.add(min(a, n))
                opts += [(r, f) for f in sorted(fs)]
            per_dim.append(opts)
        spatial = []
        for combo in itertools.product(*per_dim):
            used = [r for r, _ in combo if r >= 0]
            if len(used) != len(set(used)):
                continue  # one rank per array dimension (no mixed unrolling)
            spatial.append(combo)
        self.spatial_rank_table = np.array([[r for r, _ in c] for c in spatial], dtype=np.int64)
        self.spatial_factor_table = np.array([[f for _, f in c] for c in spatial], dtype=np.int64)
        S = len(spatial)
        sizes = np.array(nest.sizes, dtype=np.int64)
        s = np.ones((S, R), dtype=np.int64)
        for d in range(D):
            rr, ff = self.spatial_rank_table[:, d], self.spatial_factor_table[:, d]
            m = rr >= 0
            s[np.nonzero(m)[0], rr[m]] = ff[m]
        self.s_table = s
        self.q_table = -(-sizes[None, :] // s)
        # tile chains per distinct q
        chains: dict[int, list[tuple[int, ...]]] = {}
        for q in np.unique(self.q_table):
            chains[int(q)] = _nested_chains(int(q), L)
        maxc = max(len(c) for c in chains.values())
        self.tile_card = np.vectorize(lambda q: len(chains[int(q)]))(self.q_table).astype(np.int64)
        # tile_table[S, R, maxc, L] (in units of spatial steps)
        tt = np.ones((S, R, maxc, L), dtype=np.int64)
        for q, cs in chains.items():
            arr = np.array(cs, dtype=np.int64).reshape(len(cs), L)
            where = np.argwhere(self.q_table == q)
            tt[where[:, 0], where[:, 1], :len(cs), :] = arr[None, :, :]
        self.tile_table = tt
        # loop orders over ranks of size > 1
        movable = [r for r, n in enumerate(nest.sizes) if n > 1]
        fixed = [r for r, n in enumerate(nest.sizes) if n == 1]
        orders = [list(p) + fixed for p in itertools.permutations(movable)]
        self.order_table = np.array(orders, dtype=np.int64).reshape(len(orders), R)
        self.spatial_count = S
        self._built = True

    # -- size ------------------------------------------------------------------------------
    @cached_property
    def size(self) -> int:
        """Number of distinct encodings (before capacity pruning)."""
        per_spatial = (np.prod(self.tile_card.astype(object), axis=1) * len(self.order_table)
                       * self.n_inner)
        return int(sum(per_spatial))

    @property
    def n_inner(self) -> int:
        """Choices of the stationary rank: every rank."""
        return len(self.nest.ranks)

    @property
    def n_genes(self) -> int:
        return len(self.nest.ranks) + 3

    # -- genes -----------------------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` random encodings (uniform per gene given the spatial choice), (n, R + 3)."""
        R = len(self.nest.ranks)
        g = np.empty((n, R + 3), dtype=np.int64)
        g[:, 0] = rng.integers(0, self.spatial_count, n)
        card = self.tile_card[g[:, 0]]
        g[:, 1:R + 1] = (rng.random((n, R)) * card).astype(np.int64)
        g[:, R + 1] = rng.integers(0, len(self.order_table), n)
        g[:, R + 2] = rng.integers(0, self.n_inner, n)
        return g

    def enumerate(self, start: int, count: int) -> np.ndarray:
        """Encodings ``start .. start+count-1`` of the exhaustive enumeration (mixed radix per
        spatial choice, spatial choices in table order)."""
        R = len(self.nest.ranks)
        radices = np.concatenate([self.tile_card,
                                  np.full((self.spatial_count, 1), len(self.order_table)),
                                  np.full((self.spatial_count, 1), self.n_inner)], axis=1)
        per = np.prod(radices, axis=1)
        offsets = np.concatenate([[0], np.cumsum(per)])
        idx = np.arange(start, min(start + count, int(offsets[-1])), dtype=np.int64)
        sp = np.searchsorted(offsets, idx, side="right") - 1
        rem = idx - offsets[sp]
        g = np.empty((len(idx), R + 3), dtype=np.int64)
        g[:, 0] = sp
        rad = radices[sp]
        for j in range(R + 1, -1, -1):  # the last gene varies fastest
            g[:, j + 1] = rem % rad[:, j]
            rem //= rad[:, j]
        return g

    def mutate(self, genes: np.ndarray, rng: np.random.Generator, rate: float = 0.3
               ) -> np.ndarray:
        """Neighbours: each gene redrawn with probability ``rate`` (at least one per row);
        tile genes move by one step up or down their divisor chain list half of the time."""
        n, G = genes.shape
        R = G - 3
        out = genes.copy()
        change = rng.random((n, G)) < rate
        change[np.arange(n), rng.integers(0, G, n)] = True
        new_sp = rng.integers(0, self.spatial_count, n)
        out[:, 0] = np.where(change[:, 0], new_sp, out[:, 0])
        card = self.tile_card[out[:, 0]]
        step = rng.choice(np.array([-1, 1]), size=(n, R))
        walk = np.clip(out[:, 1:R + 1] + step, 0, card - 1)
        redraw = (rng.random((n, R)) * card).astype(np.int64)
        moved = np.where(rng.random((n, R)) < 0.5, walk, redraw)
        tiles = np.where(change[:, 1:R + 1], moved, out[:, 1:R + 1])
        out[:, 1:R + 1] = np.minimum(tiles, card - 1)  # a new spatial choice may shrink cards
        out[:, R + 1] = np.where(change[:, R + 1], rng.integers(0, len(self.order_table), n),
                                 out[:, R + 1])
        out[:, R + 2] = np.where(change[:, R + 2], rng.integers(0, self.n_inner, n),
                                 out[:, R + 2])
        return out

    def crossover(self, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Uniform crossover of parents ``a`` and ``b`` (tile genes clipped to the child's
        spatial choice)."""
        pick = rng.random(a.shape) < 0.5
        child = np.where(pick, a, b)
        R = a.shape[1] - 3
        card = self.tile_card[child[:, 0]]
        child[:, 1:R + 1] = np.minimum(child[:, 1:R + 1], card - 1)
        return child

    # -- decoding --------------------------------------------------------------------------
    def decode(self, genes: np.ndarray) -> CandidateBatch:
        """Decode encodings (n, R + 3) into a :class:`CandidateBatch`."""
        genes = np.asarray(genes, dtype=np.int64)
        R = len(self.nest.ranks)
        sp = genes[:, 0]
        s = self.s_table[sp]
        q = self.q_table[sp]
        t = self.tile_table[sp[:, None], np.arange(R)[None, :], genes[:, 1:R + 1]]  # (n, R, L)
        tiles = np.transpose(t, (0, 2, 1)) * s[:, None, :]
        return CandidateBatch(genes, self.spatial_rank_table[sp], self.spatial_factor_table[sp],
                              s, q, tiles, self.order_table[genes[:, R + 1]], genes[:, R + 2])

    # -- capacity --------------------------------------------------------------------------
    def footprint_words(self, tiles: np.ndarray) -> np.ndarray:
        """Words each tensor occupies for per-rank tile extents ``tiles`` (..., R): the
        product over tensor dims of the distinct index values
        (:func:`io_bounds.touched.distinct_index_values`: ``t_oy + t_fy - 1`` for ``oy + fy``);
        returns (..., n_tensors)."""
        from io_bounds.touched import distinct_index_values

        idx = {r: i for i, r in enumerate(self.nest.ranks)}
        out = []
        for tensor in self.nest.tensors:
            words = np.ones(tiles.shape[:-1], dtype=np.int64)
            for expr in tensor.indices:
                ext = distinct_index_values([c for c, _ in expr],
                                            [tiles[..., idx[r]] for _, r in expr])
                words = words * np.broadcast_to(ext, words.shape).astype(np.int64)
            out.append(words)
        return np.stack(out, axis=-1)

    def fits(self, batch: CandidateBatch) -> np.ndarray:
        """Mask of candidates whose tiles fit every on-chip level (sum of all tensors' tile
        footprints <= capacity)."""
        caps = np.array(self.array.capacities_words, dtype=float)
        used = self.footprint_words(batch.tiles).sum(axis=-1)  # (n, L)
        return np.all(used <= caps[None, :], axis=1)


def space_for(nest: LoopNest, array: ArrayShape, padding: bool = True) -> MappingSpace:
    """Build the mapping space; raises :class:`DSEError` when nothing fits."""
    space = MappingSpace(nest, array, padding=padding)
    # the smallest tile (every rank at its spatial factor... or 1) must fit
    ones = np.ones((1, len(array.capacities_words), len(nest.ranks)), dtype=np.int64)
    need = space.footprint_words(ones).sum(axis=-1)[0]
    caps = np.array(array.capacities_words, dtype=float)
    if np.any(need > caps):
        lvl = int(np.argmax(need > caps))
        raise DSEError(f"architecture {array.name!r} cannot hold one tile of loop nest "
                       f"{nest.name!r}: the smallest tile needs {int(need[lvl])} words at on-chip "
                       f"level {lvl}, whose capacity is {caps[lvl]:g} words")
    return space


def as_sizes(mapping: Mapping[str, int] | Sequence[int], nest: LoopNest) -> dict[str, int]:
    """Helper for messages and tests: rank -> value."""
    if isinstance(mapping, Mapping):
        return dict(mapping)
    return dict(zip(nest.ranks, mapping))
