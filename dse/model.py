"""The spatial-array cost model: one implementation for one mapping and for a batch of them.

Two steps:

1. :func:`compile_plan` (once per cascade x architecture x mapping structure) turns the Einsum
   cascade, the :class:`~dse.arch.Architecture` and the :class:`~dse.mapping.Mapping` into a
   :class:`Plan`: integer/boolean numpy tables of what does not vary between candidate mappings
   (which Einsum runs on which array, its operations per iteration point, which ranks index
   which tensor, pass structure, liveness of intermediates, overlap groups).
2. :func:`evaluate_batch` takes the numeric part of ``N`` candidate mappings as arrays and
   returns every metric as arrays with a leading axis ``N``:

   ``tiles``  (N, K, R)  global-buffer tile per kernel and rank (words of that rank),
   ``order``  (N, K, R)  position of each rank in the kernel's off-chip loop order (0 = outermost),
   ``spatial`` (N, E, R) spatial factor per Einsum and rank (1 = temporal),
   ``spill``  (N, T)     which intermediates go through DRAM.

   :func:`evaluate` (one mapping) builds these arrays with ``N = 1`` from the Mapping's values
   (after resolving ``"auto"`` tiles with one more batch over tile candidates) and calls the
   same :func:`evaluate_batch`. A mapper searching tilings, loop orders, spatial factors or
   spills builds a Plan once and passes its candidates in batches; the numbers are the same
   as :func:`evaluate` gives for each of them, by construction (:func:`candidate_arrays`
   encodes Mapping objects of one structure as such arrays). :func:`evaluate_batch` trusts
   its candidates: spatial factors that share an array dimension must multiply to at most its
   size (``Plan.e_dim`` holds the binding's rank -> dimension assignment; ``fits`` reports the
   buffer capacity check).

The maths (all counts in words, cycles or pJ; ``n_r`` rank size, ``t_r`` tile, ``s_r`` spatial
factor, ``q_r = ceil(n_r / t_r)`` off-chip trips):

- Cycles of Einsum ``e`` = ``c_e * prod_r steps_r`` with ``steps_r = floor(n_r/t_r) ceil(t_r/s_r)
  + ceil((n_r mod t_r)/s_r)`` over the ranks it iterates; ``c_e`` = cycles per iteration point
  on its PE: ``sum_k ops_k cycles_k`` (sequential PE), or ``max_u sum_k ops_k actions_k[u]``
  (pipelined PE: functional units overlap). Padding = ``prod steps_r s_r - prod n_r`` points.
- Kernel cycles = sum over overlap groups of max over arrays of the group's cycles on that
  array (Einsums in no group form their own group: they run alone).
- Words of a tensor, or of its tile, = distinct elements its index expressions touch
  (:func:`io_bounds.touched.distinct_index_values` per index expression: ``t_oy + t_fy - 1``
  rows for ``I[oy+fy]``, ``s (t_oy - 1) + d (t_fy - 1) + 1`` with stride and dilation when the
  window covers the stride, the product for a split rank ``M0*m1+m0``; capped at the declared
  dimension, so padding offsets are not subtracted - an upper bound there); one sweep over a
  tensor's tiles moves the sum of their footprints (halos are fetched again), ``|T|`` when its
  ranks are not cut.
- Off-chip traffic of a tensor read by kernel ``k`` = ``|T| * prod(q_r for loops outside T's
  innermost relevant loop that do not index T) * passes`` where ``passes`` counts the distinct
  passes (over a streamed rank) in which the kernel reads it; outputs are written ``visits``
  times and read back ``visits - 1`` times (partial sums; first read elided); a spilled
  intermediate is written once and read once per later pass that consumes it.
- Buffer occupancy of kernel ``k`` = tiles of its inputs, outputs and spilled intermediates +
  the peak over its Einsums (in order) of the live on-chip intermediates; an intermediate read
  in a later pass over a rank than the pass that wrote it is held whole along that rank. An
  element-wise Einsum overwrites an input of identical ranks that dies there (in place).
- Latency of a kernel = ``max(cycles / f, DRAM bytes / bandwidth)``; total = sum over kernels.
- Energy = compute (points x actions x pJ per action; padding costs nothing) + global buffer
  (row accesses: words / row width x pJ) + DRAM (words / access width x pJ). Buffer reads of an
  operand = points / (product of the spatial factors of ranks that do not index it: multicast);
  each output element is written once; every DRAM word also passes through the buffer.
  Register-file energy is 0 (spec).
- Utilization of array ``a`` = useful op-cycles on ``a`` / (PEs_a x latency cycles).

:func:`compile_plan` also rejects mappings no schedule can run (:func:`schedule_violation`:
recurrences split across kernels, reads of a later kernel, overlap groups whose members
depend on each other within one chunk).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Mapping as MappingT, Sequence

import numpy as np

from dse.arch import Architecture
from dse.errors import DSEError, MappingError
from dse.mapping import AUTO, Mapping
from io_bounds.touched import distinct_index_values

# ---------------------------------------------------------------------------------------------
# Touched words of an index expression: io_bounds' closed form (one implementation for the
# bounds and the cost model), vectorised over candidate tiles; re-exported here for callers.


@dataclass
class IndexGroups:
    """How each kernel's tiles map to words of each tensor, as static tables.

    A tensor's address (one access per kernel: the one touching the most words) is split into
    *groups*: an index expression over ranks no other expression of the access uses (``iy =
    oy + fy``), or, when expressions share a rank (``X[n,n]``), all of those merged and counted
    as the product of their ranks. Words of a tile = product over its groups of
    :func:`distinct_index_values` (capped at the declared dimension). Axes: ``D`` groups,
    ``V`` variable slots per group (unused slots: rank -1, coefficient 0).
    """

    kernel: np.ndarray      # (D,)
    tensor: np.ndarray      # (D,)
    rank: np.ndarray        # (D,V) rank index, -1 unused
    coef: np.ndarray        # (D,V) coefficient (0: unused; merged groups: 1)
    merged: np.ndarray      # (D,) bool: product of the ranks' extents
    cap: np.ndarray         # (D,) declared extent of the dimension (inf: none)
    index: np.ndarray       # (K*T, G) group indices per (kernel, tensor); D = "no group"
    static_sum: np.ndarray  # (D,) words over all tiles of single-rank or merged groups
    multi: np.ndarray       # (M,) groups of several ranks (their sum depends on the tiles)

    def counts(self, ext: np.ndarray, which: Sequence[int] | None = None) -> np.ndarray:
        """Words of groups ``which`` (default all) for per-slot extents ``ext`` (..., len(which),
        V); returns (..., len(which))."""
        which = range(len(self.kernel)) if which is None else which
        out = np.empty(ext.shape[:-1])
        V = self.rank.shape[1]
        for j, d in enumerate(which):  # few groups; each line is vectorised over candidates
            x = ext[..., j, :]
            if self.merged[d]:
                out[..., j] = np.prod(x, axis=-1)
            else:
                out[..., j] = distinct_index_values(self.coef[d], [x[..., v] for v in range(V)])
        return np.minimum(out, self.cap[list(which)])

    def tile_words(self, tiles: np.ndarray) -> np.ndarray:
        """Words of one tile per group: tiles (N, K, R) -> (N, D)."""
        return self.counts(self.slot_extents(tiles))

    def held_words(self, tiles: np.ndarray) -> np.ndarray:
        """Words per group with per-tensor tiles (N, K, T, R) -> (N, D)."""
        return self.counts(self.slot_extents(tiles, per_tensor=True))

    def fetched_words(self, tiles: np.ndarray, size: np.ndarray) -> np.ndarray:
        """Words per group summed over all tiles of the kernel's ranks (one sweep): tiles
        (N, K, R) -> (N, D). A group of one rank (or merged ranks) sums to the product of the
        rank sizes; a sliding window sums its ``floor(n/t)`` full tiles and the remainder tile
        per rank (e.g. ``ceil(OY/t) (t + FY - 1)`` rows when ``OY`` is cut into tiles ``t``:
        halos are fetched again)."""
        out = np.broadcast_to(self.static_sum, tiles.shape[:1] + self.static_sum.shape).copy()
        multi = self.multi
        if len(multi):
            tS = self.slot_extents(tiles, multi)                          # (N,M,V)
            nS = np.where(self.rank[multi] >= 0, size[np.maximum(self.rank[multi], 0)], 1.0)
            full = np.floor(nS / tS)
            rem = nS - full * tS
            V = self.rank.shape[1]
            total = np.zeros(tS.shape[:-1])
            for bits in itertools.product((False, True), repeat=V):
                b = np.array(bits)
                ext = np.where(b, rem, tS)
                w = np.prod(np.where(b, rem > 0, full), axis=-1)
                total += w * self.counts(np.maximum(ext, 1.0), multi)
            out[:, multi] = total
        return out

    def product(self, per_group: np.ndarray, K: int, T: int) -> np.ndarray:
        """(..., D) -> (..., K, T): product of each (kernel, tensor)'s groups."""
        padded = np.concatenate([per_group, np.ones(per_group.shape[:-1] + (1,))], axis=-1)
        return np.prod(padded[..., self.index], axis=-1).reshape(per_group.shape[:-1] + (K, T))

    def slot_extents(self, tiles: np.ndarray, which: Sequence[int] | None = None,
                     per_tensor: bool = False) -> np.ndarray:
        """Per-slot extents (N, D, V) of groups ``which`` (default all; unused slots: 1) from
        kernel tiles (N, K, R), or per-tensor tiles (N, K, T, R) with ``per_tensor``."""
        sel = slice(None) if which is None else np.asarray(which)
        rank = self.rank[sel]
        r = np.maximum(rank, 0)
        k = self.kernel[sel][:, None]
        ext = tiles[:, k, self.tensor[sel][:, None], r] if per_tensor else tiles[:, k, r]
        return np.where(rank >= 0, ext, 1.0)


def _index_groups(indices: Sequence[Any], size_of: MappingT[str, int],
                  ridx: MappingT[str, int], shape: Sequence[int] | None
                  ) -> list[tuple[list[int], list[int], bool, float]]:
    """Groups ``(ranks, coefficients, merged, cap)`` of one access (see :class:`IndexGroups`)."""
    dims = []
    for j, ix in enumerate(indices):
        coef, _ = ix.coefficients(size_of)
        rc: dict[int, int] = {}
        for v, c in coef.items():
            if c:
                r = ridx[_rank(v)]
                rc[r] = rc.get(r, 0) + abs(int(c))
        dims.append((rc, float(shape[j]) if shape is not None and j < len(shape) else math.inf))
    seen: dict[int, int] = {}
    for j, (rc, _) in enumerate(dims):
        for r in rc:
            seen[r] = seen.get(r, 0) + 1
    groups, shared = [], set()
    for rc, cap in dims:
        if any(seen[r] > 1 for r in rc):
            shared |= set(rc)
        elif rc:
            groups.append((list(rc), list(rc.values()), False, cap))
    if shared:
        groups.append((sorted(shared), [1] * len(shared), True, math.inf))
    return groups


# ---------------------------------------------------------------------------------------------
# Plan: the static structure


@dataclass
class Plan:
    """Static tables of one cascade x architecture x mapping (see the module docstring).

    Axes: ``R`` ranks (:attr:`ranks`), ``E`` computing Einsums (:attr:`einsums`), ``T``
    tensors (:attr:`tensors`), ``K`` kernels (:attr:`kernels`), ``A`` arrays, ``U`` energy units.
    """

    cascade_name: str
    arch: Architecture
    mapping: Mapping
    ranks: list[str]
    rank_size: np.ndarray                 # (R,)
    einsums: list[str]
    e_kernel: np.ndarray                  # (E,) kernel index
    e_array: np.ndarray                   # (E,) array index
    e_iter: np.ndarray                    # (E,R) bool
    e_points: np.ndarray                  # (E,) iteration points
    e_cpp: np.ndarray                     # (E,) cycles per point
    e_apt: np.ndarray                     # (E,U) actions per point
    e_ops: list[dict[str, float]]         # op counts per Einsum (totals)
    e_dim: np.ndarray                     # (E,R) array-dimension index of a spatial rank, -1
    spatial_default: np.ndarray           # (E,R) spatial factors of the mapping
    tensors: list[str]
    t_rel: np.ndarray                     # (T,R) ranks that index the tensor
    t_words: np.ndarray                   # (T,) words (distinct elements touched)
    groups: IndexGroups                   # tile -> words of each (kernel, tensor)
    k_in: np.ndarray                      # (K,T) read from DRAM by the kernel
    k_out: np.ndarray                     # (K,T) written to DRAM by the kernel
    k_int: np.ndarray                     # (K,T) on-chip intermediate (buffer)
    k_reg: np.ndarray                     # (K,T) intermediate held in PE registers
    k_npass: np.ndarray                   # (K,T,R) distinct passes over r that read T
    k_cross: np.ndarray                   # (K,T,R) T must be held whole along r
    k_spill_reads: np.ndarray             # (K,T) reads of T when spilled
    k_live: np.ndarray                    # (K,S,T) live buffer intermediates per step
    spillable: np.ndarray                 # (T,) bool, allowed to spill by the mapping
    reads_e: np.ndarray                   # (X,) operand reads: Einsum index
    reads_t: np.ndarray                   # (X,) tensor index
    reads_rel: np.ndarray                 # (X,R) ranks indexing that access
    reads_buf: np.ndarray                 # (X,) bool, read from the buffer (not registers)
    writes_words: np.ndarray              # (E,) words of each Einsum's output (0: registers)
    e_inner_prio: np.ndarray              # (E,R) preference for the innermost temporal rank
    e_inner_forced: np.ndarray            # (E,) inner rank fixed by the binding
    e_out_rel: np.ndarray                 # (E,R) ranks indexing the Einsum's output
    group_of: np.ndarray                  # (E,) global overlap-group index
    group_kernel: np.ndarray              # (G,) kernel of each group
    units: list[str]
    kernel_names: list[str]
    tile_default: np.ndarray              # (K,R) fixed tiles (size where untiled / auto)
    order_default: np.ndarray             # (K,R)
    auto: list[tuple[int, int, int]]      # (kernel, rank, min tile) for 'auto' tiles
    spill_order: list[list[int]]          # per kernel: tensor indices in spill order
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def n_arrays(self) -> int:
        return len(self.arch.arrays)


def _label(cascade: Any, i: int) -> str:
    try:
        return cascade.einsum_label(i)
    except AttributeError:  # pragma: no cover - older IR without labels
        return cascade.einsums[i].output


def _rank(var: str) -> str:
    from einsum_cascade.model import Einsum

    return Einsum.rank_of(var)


# ---------------------------------------------------------------------------------------------
# Schedule feasibility: which kernel structures and overlap groups a real schedule can run


@dataclass(frozen=True)
class ScheduleGraph:
    """Dependences between the computing Einsums ``labels`` (cascade order) of a cascade.

    ``same[a, b]``: ``b`` reads what ``a`` writes in the same iteration; ``later[a, b]``: ``b``
    reads an earlier or the final iteration of ``a``'s recurrence (``RD[m1]``, ``RD[M1]`` of
    ``RD[m1+1] = ...``); ``reach``: transitive closure of ``same``; ``deferrable[b]``: nothing
    reads ``b`` in the iteration that writes it; ``recurrent[b]``: ``b`` writes a recurrence.
    """

    labels: tuple[str, ...]
    same: np.ndarray
    later: np.ndarray
    reach: np.ndarray
    deferrable: np.ndarray
    recurrent: np.ndarray


def schedule_graph(cascade: Any, labels: Sequence[str]) -> ScheduleGraph:
    """The :class:`ScheduleGraph` of the computing Einsums ``labels`` of ``cascade``."""
    pos = {_label(cascade, i): i for i in range(len(cascade.einsums))}
    col = {pos[lb]: j for j, lb in enumerate(labels)}
    writer = {cascade.einsums[i].output: j for i, j in col.items()
              if not cascade.einsums[i].is_initializer}
    E = len(labels)
    same = np.zeros((E, E), dtype=bool)
    later = np.zeros_like(same)
    recurrent = np.zeros(E, dtype=bool)
    for i, j in col.items():
        e = cascade.einsums[i]
        recurrent[j] = bool(e.recurrence)
        for acc in e.accesses():
            w = writer.get(acc.tensor)
            if w is None or w == j:
                continue
            we = cascade.einsums[pos[labels[w]]]
            if any(acc.indices[d] != we.output_indices[d] for d in we.recurrence):
                later[w, j] = True
            else:
                same[w, j] = True
    reach = same.copy()
    for k in range(E):
        reach |= reach[:, [k]] & reach[[k], :]
    return ScheduleGraph(tuple(labels), same, later, reach, ~same.any(axis=1), recurrent)


def schedule_violation(graph: ScheduleGraph, kernel: Sequence[int], array: Sequence[str],
                       group: Sequence[int]) -> str | None:
    """Why Einsums ``graph.labels`` with these kernels (indices in run order), arrays and
    overlap groups (``-1``: none; ids unique across kernels) cannot be scheduled, or ``None``.

    Rules: (1) an Einsum and what reads its recurrence (``RD[m1]``, ``RD[M1]``) are in one
    kernel; (2) nothing reads a tensor that a later kernel writes; (3) in a kernel that carries
    a recurrence, overlap groups describe one chunk: if ``b`` depends within the chunk on ``a``
    of its group on another array, ``b`` must run one chunk behind, so nothing may read ``b``
    in its own chunk (FuseMax's ``QK`` of chunk ``i`` beside ``RD`` of chunk ``i-1``). A kernel
    without a recurrence pipelines its groups across its independent tiles (FLAT's row groups),
    where any overlap can be scheduled.
    """
    kern = np.asarray(kernel)
    grp = np.asarray(group)
    lb = graph.labels
    w, c = np.nonzero(graph.later)
    bad = [(lb[a], lb[b]) for a, b in zip(w, c) if kern[a] != kern[b]]
    if bad:
        return ("recurrences must stay inside one kernel: " + "; ".join(
            f"'{b}' reads the recurrence of '{a}' from another kernel" for a, b in bad))
    w, c = np.nonzero(graph.same)
    bad = [(lb[a], lb[b]) for a, b in zip(w, c) if kern[a] > kern[b]]
    if bad:
        return "; ".join(f"'{b}' reads '{a}', which a later kernel computes" for a, b in bad)
    rec_k = {int(k) for k in kern[graph.recurrent]}
    for b in range(len(lb)):
        if grp[b] < 0 or graph.deferrable[b] or int(kern[b]) not in rec_k:
            continue
        deps = [a for a in range(len(lb)) if a != b and grp[a] == grp[b]
                and array[a] != array[b] and graph.reach[a, b]]
        if deps:
            readers = [lb[x] for x in np.flatnonzero(graph.same[b])]
            return (f"overlap group of '{lb[b]}' (array {array[b]}) also holds "
                    f"{', '.join(repr(lb[a]) for a in deps)} (array {array[deps[0]]}), which "
                    f"'{lb[b]}' depends on within the same chunk; '{lb[b]}' cannot run a chunk "
                    f"behind because {', '.join(repr(x) for x in readers)} read(s) it in that "
                    f"chunk. Split the group or bind them to one array")
    return None


def _compile_groups(cascade: Any, k_acc: MappingT[tuple[int, str], list[Any]],
                    tensors: list[str], K: int, size_of: MappingT[str, int],
                    ridx: MappingT[str, int], rank_size: np.ndarray
                    ) -> tuple[IndexGroups, np.ndarray]:
    """:class:`IndexGroups` of the kernels' accesses and the words of each tensor (the most
    distinct elements any one access touches over the whole iteration space)."""
    T = len(tensors)
    tidx = {t: j for j, t in enumerate(tensors)}
    shapes: dict[str, Any] = {}
    for t in tensors:
        try:
            shapes[t] = cascade.shape(t)
        except (ValueError, KeyError, TypeError, AttributeError):
            shapes[t] = None

    def words(gs: list[tuple[list[int], list[int], bool, float]]) -> float:
        total = 1.0
        for ranks_, coefs, merged, cap in gs:
            ext = [rank_size[r] for r in ranks_]
            n = float(np.prod(ext)) if merged else float(distinct_index_values(coefs, ext))
            total *= min(n, cap)
        return total

    rows: list[tuple[int, int, list[int], list[int], bool, float]] = []
    per_kt: dict[int, list[int]] = {}
    t_words = np.zeros(T)
    for (k, t), accs in k_acc.items():
        cands = [_index_groups(ix, size_of, ridx, shapes[t]) for ix in accs]
        ws = [words(g) for g in cands]
        best = int(np.argmax(ws))
        t_words[tidx[t]] = max(t_words[tidx[t]], ws[best])
        for ranks_, coefs, merged, cap in cands[best]:
            per_kt.setdefault(k * T + tidx[t], []).append(len(rows))
            rows.append((k, tidx[t], ranks_, coefs, merged, cap))
    D = len(rows)
    V = max([len(r[2]) for r in rows] + [1])
    rank = -np.ones((D, V), dtype=np.int64)
    coef = np.zeros((D, V), dtype=np.int64)
    for d, (_, _, ranks_, coefs, _, _) in enumerate(rows):
        rank[d, :len(ranks_)] = ranks_
        coef[d, :len(coefs)] = coefs
    G = max([len(v) for v in per_kt.values()] + [1])
    index = np.full((K * T, G), D, dtype=np.int64)
    for kt, ds in per_kt.items():
        index[kt, :len(ds)] = ds
    merged = np.array([r[4] for r in rows], dtype=bool)
    cap = np.array([r[5] for r in rows], dtype=float)
    nvars = (rank >= 0).sum(axis=1)
    simple = merged | (nvars <= 1)
    static_sum = np.array([float(np.prod([rank_size[r] for r in rows[d][2]])) if simple[d]
                           else 0.0 for d in range(D)])
    # a single-rank dimension declared smaller than its rank (never in practice) is summed
    # per tile like a window, so every count stays capped at the dimension
    simple &= static_sum <= cap
    groups = IndexGroups(kernel=np.array([r[0] for r in rows], dtype=np.int64),
                         tensor=np.array([r[1] for r in rows], dtype=np.int64), rank=rank,
                         coef=coef, merged=merged, cap=cap, index=index,
                         static_sum=np.where(simple, static_sum, 0.0),
                         multi=np.flatnonzero(~simple))
    return groups, np.maximum(t_words, 1.0)


def compile_plan(cascade: Any, arch: Architecture, mapping: Mapping,
                 sizes: MappingT[str, int] | None = None) -> Plan:
    """Check ``mapping`` against ``cascade`` and ``arch`` and build the static :class:`Plan`.

    ``cascade`` is an ``einsum_cascade`` Cascade with bound sizes (or ``sizes`` given).
    Raises :class:`MappingError` naming the Einsum, rank, array or tensor at fault.
    """
    if sizes:
        cascade = cascade.with_sizes(dict(sizes))
    size_of = {k: int(v) for k, v in cascade.sizes.items()}
    cname = cascade.name or mapping.cascade
    m = mapping
    where = f"mapping '{m.name}' of cascade '{cname}'"

    # -- Einsums: computing ones need a binding and a kernel; copies/initial values are free
    labels = [_label(cascade, i) for i in range(len(cascade.einsums))]
    ops: dict[str, dict[str, float]] = {}
    for i, e in enumerate(cascade.einsums):
        try:
            counts = e.op_counts(size_of)
        except ValueError as exc:
            raise DSEError(f"cannot count the operations of Einsum '{labels[i]}' of cascade "
                           f"'{cname}': {exc}") from exc
        if counts:
            ops[labels[i]] = {k: float(v) for k, v in counts.items()}
    compute = [lb for lb in labels if lb in ops]
    kernel_of: dict[str, int] = {}
    for ki, k in enumerate(m.kernels):
        for lb in k.einsums:
            if lb not in labels:
                raise MappingError(f"kernel '{k.name}' of {where} names Einsum '{lb}', which the "
                                   f"cascade does not have; its Einsums: {', '.join(compute)}")
            if lb in ops:
                kernel_of[lb] = ki
    missing = [lb for lb in compute if lb not in kernel_of]
    if missing:
        raise MappingError(f"Einsum(s) {missing} of cascade '{cname}' are in no kernel of "
                           f"mapping '{m.name}'; every computing Einsum must be in one")
    for b in m.bindings:
        if b.einsum not in labels:
            raise MappingError(f"binding of {where} names Einsum '{b.einsum}', which the cascade "
                               f"does not have; its Einsums: {', '.join(compute)}")
    # free Einsums (copies, initial values) join the kernel of their first consumer/producer
    free_kernel: dict[int, int] = {}
    for i, e in enumerate(cascade.einsums):
        lb = labels[i]
        if lb in ops:
            continue
        for j, f in enumerate(cascade.einsums):
            if labels[j] in kernel_of and e.output in f.inputs:
                free_kernel[i] = kernel_of[labels[j]]
                break

    # -- ranks (from the iteration variables of the computing Einsums)
    ranks: list[str] = []
    einsum_obj = {labels[i]: e for i, e in enumerate(cascade.einsums)}
    for lb in compute:
        for v in einsum_obj[lb].iteration_ranks:
            r = _rank(v)
            if r not in ranks:
                ranks.append(r)
    for i in free_kernel:
        for v in cascade.einsums[i].iteration_ranks:
            r = _rank(v)
            if r not in ranks:
                ranks.append(r)
    R = len(ranks)
    ridx = {r: j for j, r in enumerate(ranks)}
    try:
        rank_size = np.array([size_of[r] for r in ranks], dtype=np.float64)
    except KeyError as exc:
        raise DSEError(f"size of rank {exc.args[0]} of cascade '{cname}' is not bound; "
                       f"give it, e.g. {exc.args[0]}=...") from exc

    # -- computing Einsums on arrays
    arrays = [a.name for a in arch.arrays]
    units = sorted(arch.energy_pJ)
    uidx = {u: j for j, u in enumerate(units)}
    E = len(compute)
    e_kernel = np.array([kernel_of[lb] for lb in compute], dtype=np.int64)
    e_array = np.zeros(E, dtype=np.int64)
    e_iter = np.zeros((E, R), dtype=bool)
    e_points = np.zeros(E)
    e_cpp = np.zeros(E)
    e_apt = np.zeros((E, len(units)))
    e_dim = -np.ones((E, R), dtype=np.int64)
    spatial_default = np.ones((E, R))
    e_inner_prio = np.zeros((E, R))
    e_inner_forced = np.zeros(E, dtype=bool)
    for ei, lb in enumerate(compute):
        e = einsum_obj[lb]
        b = m.binding(lb)
        if b is None:
            raise MappingError(f"Einsum '{lb}' of cascade '{cname}' has no binding in mapping "
                               f"'{m.name}' (which array runs it?)")
        if b.array not in arrays:
            raise MappingError(f"binding of Einsum '{lb}' in {where} names array '{b.array}'; "
                               f"architecture '{arch.name}' has: {', '.join(arrays)}")
        arr = arch.array(b.array)
        e_array[ei] = arrays.index(b.array)
        iter_ranks = [_rank(v) for v in e.iteration_ranks]
        for r in iter_ranks:
            e_iter[ei, ridx[r]] = True
        e_points[ei] = float(np.prod([float(size_of[r]) for r in iter_ranks]))
        per_unit = np.zeros(len(units))
        cycles = 0.0
        for kind, count in ops[lb].items():
            cost = arr.ops.get(kind)
            if cost is None:
                raise MappingError(f"array '{arr.name}' of architecture '{arch.name}' cannot execute "
                                   f"op '{kind}' needed by Einsum '{lb}' (bound by mapping "
                                   f"'{m.name}'); it executes: {', '.join(sorted(arr.ops))}")
            per_point = count / e_points[ei]
            cycles += per_point * cost.cycles
            for u, a in cost.actions.items():
                per_unit[uidx[u]] += per_point * a
        e_apt[ei] = per_unit
        e_cpp[ei] = per_unit.max() if arr.pipelined else cycles
        dim_names = list(arr.dims)
        used: dict[str, float] = {}
        for r, d in b.spatial.items():
            if d not in arr.dims:
                raise MappingError(f"binding of Einsum '{lb}' in {where} maps rank '{r}' to "
                                   f"dimension '{d}' of array '{arr.name}', which has dimensions "
                                   f"{', '.join(dim_names)}")
            if r not in iter_ranks:
                raise MappingError(f"binding of Einsum '{lb}' in {where} makes rank '{r}' spatial, "
                                   f"but the Einsum iterates only {', '.join(iter_ranks)}")
            f = b.factors.get(r, arr.dims[d])
            used[d] = used.get(d, 1) * f
            if used[d] > arr.dims[d]:
                raise MappingError(f"spatial factors on dimension '{d}' of array '{arr.name}' "
                                   f"(size {arr.dims[d]}) multiply to {used[d]:g} for Einsum "
                                   f"'{lb}' in {where}")
            e_dim[ei, ridx[r]] = dim_names.index(d)
            spatial_default[ei, ridx[r]] = f
        if b.inner is not None:
            if b.inner not in iter_ranks:
                raise MappingError(f"inner rank '{b.inner}' of the binding of Einsum '{lb}' in "
                                   f"{where} is not one it iterates ({', '.join(iter_ranks)})")
            e_inner_prio[ei, ridx[b.inner]] = 1e6
            e_inner_forced[ei] = True
        else:  # output-stationary when a reduction is temporal, else the last temporal rank
            for j, r in enumerate(iter_ranks):
                e_inner_prio[ei, ridx[r]] = 1 + j
            for j, r in enumerate(_rank(v) for v in e.reductions):
                e_inner_prio[ei, ridx[r]] = 1000 - j

    # -- tensors and their roles per kernel
    K = len(m.kernels)
    members: list[list[int]] = [[] for _ in range(K)]   # cascade Einsum positions per kernel
    for i in range(len(cascade.einsums)):
        lb = labels[i]
        if lb in kernel_of:
            members[kernel_of[lb]].append(i)
        elif i in free_kernel:
            members[free_kernel[i]].append(i)
    tensors: list[str] = []
    rel_sets: dict[str, set[str]] = {}
    k_acc: dict[tuple[int, str], list[Any]] = {}   # (kernel, tensor) -> index tuples

    def touch(k: int, name: str, access: Any) -> None:
        if name not in tensors:
            tensors.append(name)
            rel_sets[name] = set()
        rel_sets[name].update(_rank(v) for v in access.variables)
        k_acc.setdefault((k, name), []).append(access.indices)

    for k in range(K):
        for i in members[k]:
            e = cascade.einsums[i]
            touch(k, e.output, e.output_access)
            for acc in e.accesses():
                touch(k, acc.tensor, acc)
    T = len(tensors)
    tidx = {t: j for j, t in enumerate(tensors)}
    t_rel = np.zeros((T, R), dtype=bool)
    for t, rs in rel_sets.items():
        for r in rs:
            t_rel[tidx[t], ridx[r]] = True
    groups, t_words = _compile_groups(cascade, k_acc, tensors, K, size_of, ridx, rank_size)
    producers: dict[str, int] = {}
    for i, e in enumerate(cascade.einsums):
        if not e.is_initializer:
            producers[e.output] = i
    kpos = {}  # cascade position -> kernel
    for k in range(K):
        for i in members[k]:
            kpos[i] = k
    outputs = set(cascade.outputs)

    def consumers(t: str) -> list[int]:
        return [i for i, e in enumerate(cascade.einsums) if t in e.inputs and i in kpos]

    k_in = np.zeros((K, T), dtype=bool)
    k_out = np.zeros((K, T), dtype=bool)
    k_int = np.zeros((K, T), dtype=bool)
    k_reg = np.zeros((K, T), dtype=bool)
    k_npass = np.ones((K, T, R), dtype=np.int64)
    k_cross = np.zeros((K, T, R), dtype=bool)
    k_spill_reads = np.ones((K, T))
    k_live_list = []
    spillable = np.zeros(T, dtype=bool)
    spill_order: list[list[int]] = []
    view_of: dict[str, str] = {}  # copies: BK -> K (the buffer holds K; BK is a view)
    for i, e in enumerate(cascade.einsums):
        if labels[i] not in ops and not e.is_initializer and len(e.inputs) == 1:
            view_of[e.output] = e.inputs[0]

    for k, kern in enumerate(m.kernels):
        mem = members[k]
        # passes per rank, in cascade order
        passes = {i: np.zeros(R, dtype=np.int64) for i in mem}
        for i in mem:
            e = cascade.einsums[i]
            it = np.zeros(R, dtype=bool)
            for v in e.iteration_ranks:
                it[ridx[_rank(v)]] = True
            for t in e.inputs:
                j = producers.get(t)
                if j is None or j not in passes or j >= i:
                    continue
                red = np.zeros(R, dtype=bool)
                for v in cascade.einsums[j].reductions:
                    red[ridx[_rank(v)]] = True
                passes[i] = np.maximum(passes[i], passes[j] + (red & it))
        for t in tensors:
            ti = tidx[t]
            prod = producers.get(t)
            in_k = prod is not None and prod in mem
            cons = consumers(t)
            cons_k = [c for c in cons if c in mem]
            if not cons_k and not in_k:
                continue
            if not in_k:
                if t in view_of or (prod is not None and labels[prod] not in ops and prod in mem):
                    continue
                k_in[k, ti] = True
            elif t in outputs or any(kpos[c] != k for c in cons):
                k_out[k, ti] = True
            elif labels[prod] not in ops:
                continue  # a view (copy) produced in the kernel: reads go to its source
            else:
                k_int[k, ti] = True
            if cons_k:
                pv = np.array([passes[c] for c in cons_k])
                k_npass[k, ti] = [len(set(pv[:, r])) for r in range(R)]
                if in_k:
                    k_cross[k, ti] = (pv != passes[prod]).any(axis=0)
                    later = {tuple(p) for p in pv if tuple(p) != tuple(passes[prod])}
                    k_spill_reads[k, ti] = max(1, len(later))
        # views read their source: a consumer pass of BK is a pass over K
        for v, src in view_of.items():
            if v in tidx and src in tidx and k_in[k, tidx[src]]:
                cons_k = [c for c in consumers(v) if c in mem]
                if cons_k:
                    pv = np.array([passes[c] for c in cons_k])
                    k_npass[k, tidx[src]] = [len(set(pv[:, r])) for r in range(R)]
        for t in kern.registers:
            if t not in tidx or not k_int[k, tidx[t]]:
                raise MappingError(f"registers of kernel '{kern.name}' in {where} names '{t}', "
                                   f"which is not an intermediate produced and consumed inside "
                                   f"the kernel")
            prod = producers[t]
            arr_p = m.binding(labels[prod]).array
            bad = [labels[c] for c in consumers(t) if m.binding(labels[c]).array != arr_p]
            if bad:
                raise MappingError(f"'{t}' cannot stay in the registers of array '{arr_p}' in "
                                   f"kernel '{kern.name}' of {where}: Einsum(s) {bad} read it on "
                                   f"another array")
            k_reg[k, tidx[t]] = True
            k_int[k, tidx[t]] = False
        per_array: dict[str, int] = {}
        for t in kern.registers:
            a = m.binding(labels[producers[t]]).array
            per_array[a] = per_array.get(a, 0) + 1
        for a, n in per_array.items():
            if n > arch.array(a).rf_words:
                raise MappingError(f"kernel '{kern.name}' of {where} keeps {n} tensors in the "
                                   f"registers of array '{a}', whose PEs hold {arch.array(a).rf_words} "
                                   f"words")
        order_k = []
        for t in kern.spill:
            if t not in tidx or not k_int[k, tidx[t]]:
                raise MappingError(f"spill of kernel '{kern.name}' in {where} names '{t}', which is "
                                   f"not an on-chip intermediate of the kernel")
            spillable[tidx[t]] = True
            order_k.append(tidx[t])
        spill_order.append(order_k)
        # liveness of buffer intermediates over the kernel's Einsums
        steps = [i for i in mem if labels[i] in ops]
        live = np.zeros((len(steps), T), dtype=bool)
        last_use = {}
        for s, i in enumerate(steps):
            for t in cascade.einsums[i].inputs:
                last_use[view_of.get(t, t)] = s
        first = {}
        for s, i in enumerate(steps):
            first.setdefault(cascade.einsums[i].output, s)
        for t, s0 in first.items():
            ti = tidx[t]
            if not k_int[k, ti]:
                continue
            s1 = max(last_use.get(t, s0), s0)
            live[s0:s1 + 1, ti] = True
        for s, i in enumerate(steps):  # in place: element-wise Einsum over a dying input
            e = cascade.einsums[i]
            if e.reductions:
                continue
            for t in e.inputs:
                if t in tidx and k_int[k, tidx[t]] and last_use.get(t) == s and \
                        first.get(t, -1) < s and set(rel_sets[t]) == set(rel_sets[e.output]):
                    live[s, tidx[t]] = False
                    break
        k_live_list.append(live)
    S = max(len(x) for x in k_live_list)
    k_live = np.zeros((K, S, T), dtype=bool)
    for k, live in enumerate(k_live_list):
        k_live[k, :len(live)] = live

    # -- operand reads and output writes at the buffer
    re_e, re_t, re_rel, re_buf = [], [], [], []
    writes = np.zeros(E)
    e_out_rel = np.zeros((E, R), dtype=bool)
    for ei, lb in enumerate(compute):
        e = einsum_obj[lb]
        k = kernel_of[lb]
        for acc in e.accesses():
            src = view_of.get(acc.tensor, acc.tensor)
            rel = np.zeros(R, dtype=bool)
            for v in acc.variables:
                rel[ridx[_rank(v)]] = True
            re_e.append(ei)
            re_t.append(tidx[src])
            re_rel.append(rel)
            re_buf.append(not k_reg[k, tidx[acc.tensor]])
        for v in e.output_access.variables:
            e_out_rel[ei, ridx[_rank(v)]] = True
        if not k_reg[k, tidx[e.output]]:
            vs = e.output_access.variables
            writes[ei] = float(np.prod([float(size_of[_rank(v)]) for v in vs])) if vs else 1.0

    # -- overlap groups
    group_of = -np.ones(E, dtype=np.int64)
    group_kernel = []
    for k, kern in enumerate(m.kernels):
        for g in kern.overlap:
            gi = len(group_kernel)
            group_kernel.append(k)
            for lb in g:
                if lb in compute:
                    group_of[compute.index(lb)] = gi
    for ei in range(E):
        if group_of[ei] < 0:
            group_of[ei] = len(group_kernel)
            group_kernel.append(int(e_kernel[ei]))

    # -- schedule feasibility (kernel split, recurrences, overlap groups)
    why = schedule_violation(schedule_graph(cascade, compute), e_kernel,
                             [arrays[a] for a in e_array],
                             [int(group_of[ei]) if any(compute[ei] in g for g in
                                                       m.kernels[e_kernel[ei]].overlap) else -1
                              for ei in range(E)])
    if why:
        raise MappingError(f"{where} cannot be scheduled: {why}")

    # -- tiles and loop orders
    tile_default = np.tile(rank_size, (K, 1))
    order_default = np.tile(np.arange(R) + R, (K, 1))
    auto: list[tuple[int, int, int]] = []
    for k, kern in enumerate(m.kernels):
        k_ranks = {ranks[r] for ei in range(E) if e_kernel[ei] == k for r in np.flatnonzero(e_iter[ei])}
        for r, t in kern.tiles.items():
            if r not in k_ranks:
                raise MappingError(f"kernel '{kern.name}' of {where} tiles rank '{r}', which its "
                                   f"Einsums do not iterate; they iterate {', '.join(sorted(k_ranks))}")
            if t == AUTO:
                auto.append((k, ridx[r], int(kern.min_tiles.get(r, 1))))
            else:
                tile_default[k, ridx[r]] = min(float(t), rank_size[ridx[r]])
        order = list(kern.order) + [r for r in kern.tiles if r not in kern.order]
        for p, r in enumerate(order):
            order_default[k, ridx[r]] = p

    return Plan(cascade_name=cname, arch=arch, mapping=m, ranks=ranks, rank_size=rank_size,
                einsums=compute, e_kernel=e_kernel, e_array=e_array, e_iter=e_iter,
                e_points=e_points, e_cpp=e_cpp, e_apt=e_apt, e_ops=[ops[lb] for lb in compute],
                e_dim=e_dim, spatial_default=spatial_default, tensors=tensors, t_rel=t_rel,
                t_words=t_words, groups=groups, k_in=k_in, k_out=k_out, k_int=k_int, k_reg=k_reg,
                k_npass=k_npass, k_cross=k_cross, k_spill_reads=k_spill_reads, k_live=k_live,
                spillable=spillable, reads_e=np.array(re_e, dtype=np.int64),
                reads_t=np.array(re_t, dtype=np.int64),
                reads_rel=np.array(re_rel, dtype=bool).reshape(len(re_e), R),
                reads_buf=np.array(re_buf, dtype=bool), writes_words=writes,
                e_inner_prio=e_inner_prio, e_inner_forced=e_inner_forced, e_out_rel=e_out_rel,
                group_of=group_of, group_kernel=np.array(group_kernel, dtype=np.int64),
                units=units, kernel_names=[k.name for k in m.kernels],
                tile_default=tile_default, order_default=order_default, auto=auto,
                spill_order=spill_order, sizes=size_of)


# ---------------------------------------------------------------------------------------------
# Batched evaluation


def _ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.ceil(a / b)


def occupancy_words(plan: Plan, tiles: np.ndarray, spill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Buffer occupancy (N, K) in words and each tensor's share (N, K, T).

    Inputs, outputs and spilled intermediates occupy one tile; on-chip intermediates count at
    the step of their kernel where the live ones add up to the most.
    """
    size = plan.rank_size
    tiles = np.minimum(tiles, size)
    K, T = plan.k_in.shape
    g = plan.groups
    t = tiles[:, :, None, :]                                         # (N,K,1,R)
    full = np.where(plan.k_cross[None], size, t)                     # (N,K,T,R)
    fp_tile = g.product(g.tile_words(tiles), K, T)                   # (N,K,T)
    fp_hold = g.product(g.held_words(full), K, T)
    sp = spill[:, None, :]                                           # (N,1,T)
    stream = (plan.k_in | plan.k_out)[None] | (plan.k_int[None] & sp)
    stream_share = np.where(stream, fp_tile, 0.0)
    onchip = np.where(plan.k_int[None] & ~sp, fp_hold, 0.0)          # (N,K,T)
    if plan.k_live.shape[1]:
        peak = np.einsum("kst,nkt->nks", plan.k_live.astype(np.float64), onchip).max(axis=-1)
    else:
        peak = np.zeros(stream_share.shape[:2])
    return stream_share.sum(axis=-1) + peak, stream_share + onchip


def evaluate_batch(plan: Plan, tiles: np.ndarray | None = None, order: np.ndarray | None = None,
                   spatial: np.ndarray | None = None, spill: np.ndarray | None = None,
                   n: int | None = None) -> dict[str, np.ndarray]:
    """Evaluate ``N`` candidate mappings of ``plan`` at once (shapes in the module docstring).

    Missing arrays default to the plan's mapping (auto tiles at their full size). Returns a
    dict of arrays with leading axis ``N``: ``latency_s``, ``energy_pJ``, ``traffic_words``,
    ``traffic_bytes``, ``cycles``, ``compute_s``, ``memory_s``, ``fits`` (buffer capacity),
    ``occupancy_words`` (N,K), ``kernel_compute_s``/``kernel_memory_s`` (N,K),
    ``einsum_cycles`` (N,E), ``useful_op_cycles`` (N,A), ``utilization`` (N,A),
    ``padding_points`` (N,E), ``energy_compute_pJ``/``energy_buffer_pJ``/``energy_dram_pJ``,
    ``dram_reads_words``/``dram_writes_words`` (N,T), ``buffer_reads_words``/``buffer_writes_words``.
    """
    K, R = plan.tile_default.shape
    E, T = len(plan.einsums), len(plan.tensors)
    if n is None:
        n = next((len(a) for a in (tiles, order, spatial, spill) if a is not None), 1)
    tiles = np.broadcast_to(plan.tile_default, (n, K, R)) if tiles is None else np.asarray(tiles, float)
    order = np.broadcast_to(plan.order_default, (n, K, R)) if order is None else np.asarray(order)
    spatial = np.broadcast_to(plan.spatial_default, (n, E, R)) if spatial is None else \
        np.asarray(spatial, float)
    spill = np.zeros((n, T), dtype=bool) if spill is None else np.asarray(spill, dtype=bool)
    for name, a, shape in (("tiles", tiles, (n, K, R)), ("order", order, (n, K, R)),
                           ("spatial", spatial, (n, E, R)), ("spill", spill, (n, T))):
        if a.shape != shape:
            raise DSEError(f"{name} of a candidate batch must have shape {shape}; got {a.shape}")
    if (tiles < 1).any() or (spatial < 1).any():
        raise DSEError("tiles and spatial factors of candidate mappings must be >= 1")
    arch = plan.arch
    size = plan.rank_size
    tiles = np.minimum(tiles, size)

    # -- compute
    te = tiles[:, plan.e_kernel, :]                                  # (N,E,R)
    nfull = np.floor(size / te)
    rem = size - nfull * te
    steps = nfull * _ceil_div(te, spatial) + _ceil_div(rem, spatial)
    steps = np.where(plan.e_iter[None], steps, 1.0)
    einsum_cycles = plan.e_cpp[None] * np.prod(steps, axis=-1)       # (N,E)
    padded = np.prod(np.where(plan.e_iter[None], steps * spatial, 1.0), axis=-1)
    padding_points = padded - plan.e_points[None]
    A = plan.n_arrays
    G = len(plan.group_kernel)
    ga = np.zeros((E, G * A))
    ga[np.arange(E), plan.group_of * A + plan.e_array] = 1.0
    group_cycles = (einsum_cycles @ ga).reshape(n, G, A).max(axis=-1)  # (N,G)
    gk = np.zeros((G, K))
    gk[np.arange(G), plan.group_kernel] = 1.0
    kernel_cycles = group_cycles @ gk                                 # (N,K)

    # -- off-chip traffic
    trips = _ceil_div(size, tiles)                                    # (N,K,R)
    active = (trips > 1)[:, :, None, :]                               # (N,K,1,R)
    rel = plan.t_rel[None, None]                                      # (1,1,T,R)
    pos = order[:, :, None, :]
    inner = np.where(rel & active, pos, -1).max(axis=-1)              # (N,K,T)
    outer = (~rel) & active & (pos < inner[..., None])
    visits = np.prod(np.where(outer, trips[:, :, None, :], 1.0), axis=-1)
    npass = np.where(active, plan.k_npass[None], 1).max(axis=-1)     # (N,K,T)
    words = plan.t_words[None, None]
    # one sweep over a tensor's tiles moves the sum of the tile footprints (sliding-window
    # halos again per tile); the whole tensor when its ranks are not cut
    swept = plan.groups.product(plan.groups.fetched_words(tiles, size), K, T)  # (N,K,T)
    sp = spill[:, None, :] & plan.k_int[None]
    reads = (plan.k_in[None] * swept * visits * npass
             + plan.k_out[None] * swept * (visits - 1)
             + sp * words * plan.k_spill_reads[None])
    writes = plan.k_out[None] * swept * visits + sp * words
    kernel_words = (reads + writes).sum(axis=-1)                      # (N,K)
    wb = arch.word_bytes
    kernel_memory_s = kernel_words * wb / arch.dram.bandwidth_bytes_per_s
    kernel_compute_s = kernel_cycles / arch.clock_hz
    kernel_latency_s = np.maximum(kernel_compute_s, kernel_memory_s)
    latency_s = kernel_latency_s.sum(axis=-1)
    traffic_words = kernel_words.sum(axis=-1)

    # -- occupancy
    occ, _ = occupancy_words(plan, tiles, spill)
    cap = arch.buffer.capacity_words
    fits = (occ <= cap).all(axis=-1)

    # -- energy
    units_pJ = np.array([arch.energy_pJ[u] for u in plan.units])
    energy_compute = np.full(n, float((plan.e_points[:, None] * plan.e_apt * units_pJ).sum()))
    # temporal reuse: operands not indexed by the innermost temporal rank stay in the PEs for
    # its steps within the tile; spatial reuse: multicast over ranks that do not index them
    # (the innermost temporal rank: the binding's, else the first reduced rank with spatial
    # factor 1, else the last iterated rank with spatial factor 1)
    eligible = (plan.e_inner_prio[None] > 0) & (plan.e_inner_forced[None, :, None] | (spatial == 1))
    inner_r = np.where(eligible, plan.e_inner_prio[None], 0.0).argmax(axis=-1)   # (N,E)
    has_inner = eligible.any(axis=-1)                                            # (N,E)
    ar = np.arange(E)
    te_in = np.take_along_axis(te, inner_r[..., None], axis=-1)[..., 0]
    sp_in = np.take_along_axis(spatial, inner_r[..., None], axis=-1)[..., 0]
    inner_steps = np.where(has_inner, np.ceil(te_in / sp_in), 1.0)               # (N,E)
    x_e = plan.reads_e
    X = len(x_e)
    multicast = np.prod(np.where(plan.reads_rel[None] | ~plan.e_iter[x_e][None], 1.0,
                                 spatial[:, x_e, :]), axis=-1)                   # (N,X)
    x_inner_rel = np.take_along_axis(np.broadcast_to(plan.reads_rel[None], (n, X, R)),
                                     inner_r[:, x_e, None], axis=-1)[..., 0]     # (N,X)
    x_reuse = np.where(x_inner_rel | ~has_inner[:, x_e], 1.0, inner_steps[:, x_e])
    buf_reads = (plan.reads_buf[None] * plan.e_points[x_e][None] / multicast / x_reuse).sum(axis=-1)
    out_mc = np.prod(np.where(plan.e_out_rel[None] | ~plan.e_iter[None], 1.0, spatial), axis=-1)
    out_inner_rel = np.take_along_axis(np.broadcast_to(plan.e_out_rel[None], (n, E, R)),
                                       inner_r[..., None], axis=-1)[..., 0]
    out_reuse = np.where(out_inner_rel | ~has_inner, 1.0, inner_steps)
    out_writes = np.where(plan.writes_words[None] > 0,
                          np.maximum(plan.e_points[None] / out_mc / out_reuse, plan.writes_words[None]),
                          0.0)                                                   # (N,E)
    buf_reads = buf_reads + (out_writes - plan.writes_words[None]).sum(axis=-1)  # partial sums
    buf_writes = out_writes.sum(axis=-1)
    dram_r = reads.sum(axis=(1, 2))
    dram_w = writes.sum(axis=(1, 2))
    buf_reads = buf_reads + dram_w
    buf_writes = buf_writes + dram_r
    glb, dram = arch.buffer, arch.dram
    energy_buffer = buf_reads / glb.access_words * glb.read_pJ + buf_writes / glb.access_words * glb.write_pJ
    energy_dram = dram_r / dram.access_words * dram.read_pJ + dram_w / dram.access_words * dram.write_pJ
    energy = energy_compute + energy_buffer + energy_dram

    # -- utilization
    useful = np.zeros((n, A))
    for a in range(A):
        sel = plan.e_array == a
        useful[:, a] = float((plan.e_points[sel] * plan.e_cpp[sel]).sum())
    pes = np.array([x.pes for x in arch.arrays], dtype=float)
    lat_cycles = latency_s * arch.clock_hz
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(lat_cycles[:, None] > 0, useful / (pes[None] * lat_cycles[:, None]), 0.0)
    return {
        "latency_s": latency_s, "energy_pJ": energy, "traffic_words": traffic_words,
        "traffic_bytes": traffic_words * wb, "cycles": kernel_cycles.sum(axis=-1),
        "compute_s": kernel_compute_s.sum(axis=-1), "memory_s": kernel_memory_s.sum(axis=-1),
        "kernel_compute_s": kernel_compute_s, "kernel_memory_s": kernel_memory_s,
        "kernel_cycles": kernel_cycles, "kernel_words": kernel_words,
        "fits": fits, "occupancy_words": occ, "einsum_cycles": einsum_cycles,
        "useful_op_cycles": useful, "utilization": util, "padding_points": padding_points,
        "energy_compute_pJ": energy_compute, "energy_buffer_pJ": energy_buffer,
        "energy_dram_pJ": energy_dram, "dram_reads_words": reads.sum(axis=1),
        "buffer_read_accesses": buf_reads / glb.access_words,
        "buffer_write_accesses": buf_writes / glb.access_words,
        "dram_read_accesses": dram_r / dram.access_words,
        "dram_write_accesses": dram_w / dram.access_words,
        "dram_writes_words": writes.sum(axis=1), "buffer_reads_words": buf_reads,
        "buffer_writes_words": buf_writes,
    }


_STRUCTURE = ("ranks", "einsums", "tensors", "e_kernel", "e_array", "e_iter", "e_points", "e_cpp",
              "e_apt", "t_rel", "k_in", "k_out", "k_int", "k_reg", "k_npass", "k_cross",
              "k_live", "reads_e", "reads_t", "reads_rel", "reads_buf", "writes_words",
              "e_inner_prio", "e_inner_forced", "e_out_rel", "group_of", "group_kernel")


def same_structure(a: Plan, b: Plan) -> bool:
    """True when two plans differ only in the numeric arrays that :func:`evaluate_batch` takes
    per candidate (tiles, loop order, spatial factors), so one plan can evaluate both."""
    for f in _STRUCTURE:
        x, y = getattr(a, f), getattr(b, f)
        if isinstance(x, np.ndarray):
            if x.shape != y.shape or not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return a.arch == b.arch


def candidate_arrays(cascade: Any, arch: Architecture, mappings: Sequence[Mapping]
                     ) -> tuple[Plan, dict[str, np.ndarray]]:
    """Encode mappings of one structure as candidate arrays for :func:`evaluate_batch`.

    Returns ``(plan, {"tiles", "order", "spatial", "spill"})`` with a leading axis over
    ``mappings`` ('auto' tiles and spills resolved per mapping as :func:`evaluate` does).
    Raises :class:`DSEError` when the mappings differ in structure (binding arrays, kernels,
    register residency, overlap groups).
    """
    if not mappings:
        raise DSEError("candidate_arrays needs at least one mapping")
    plans = [compile_plan(cascade, arch, m) for m in mappings]
    for m, p in zip(mappings[1:], plans[1:]):
        if not same_structure(plans[0], p):
            raise DSEError(f"mapping '{m.name}' differs in structure from '{mappings[0].name}' "
                           f"(arrays, kernels, registers or overlap); evaluate it with its own plan")
    resolved = [resolve(p) for p in plans]
    return plans[0], {"tiles": np.stack([t for t, _ in resolved]),
                      "order": np.stack([p.order_default for p in plans]),
                      "spatial": np.stack([p.spatial_default for p in plans]),
                      "spill": np.stack([s for _, s in resolved])}


# ---------------------------------------------------------------------------------------------
# One mapping: resolve 'auto' tiles and spills with a batch, then evaluate with N = 1


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


#: Auto tiles try every multiple of the base when there are at most this many, else this many
#: geometrically spaced multiples (the chosen tile is then within ~0.5% of the largest fit).
MAX_AUTO_CANDIDATES = 2048


def resolve(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Pick the mapping's ``auto`` tiles and spills: per kernel, spill as few of the listed
    intermediates as needed (in the mapping's order) and take the largest tile of the auto
    rank that fits the buffer and is at least its ``min_tiles``. Auto candidates are multiples
    of the rank's largest spatial factor (and the full size; see :data:`MAX_AUTO_CANDIDATES`),
    evaluated as one batch.

    Returns ``(tiles (K,R), spill (T,))``; raises :class:`MappingError` naming the kernel, the
    level, the tile and the largest tensor when even the smallest tile with every allowed
    spill does not fit.
    """
    K, R = plan.tile_default.shape
    T = len(plan.tensors)
    tiles = plan.tile_default.copy()
    spill = np.zeros(T, dtype=bool)
    cap = plan.arch.buffer.capacity_words
    autos = {k: (r, mn) for k, r, mn in plan.auto}
    for k in range(K):
        size_r = None
        if k in autos:
            r, mn = autos[k]
            size_r = plan.rank_size[r]
            in_k = (plan.e_kernel == k) & plan.e_iter[:, r]
            base = float(plan.spatial_default[in_k, r].max()) if in_k.any() else 1.0
            base = min(base, size_r)
            count = math.ceil(size_r / base)
            mult = (np.arange(1, count + 1) if count <= MAX_AUTO_CANDIDATES else
                    np.unique(np.round(np.geomspace(1, count, MAX_AUTO_CANDIDATES))))
            vals = np.unique(np.minimum(base * mult, size_r))
            lo = min(float(mn), size_r)
            vals = vals[vals >= lo] if (vals >= lo).any() else vals[-1:]
        else:
            vals = np.array([0.0])
        order = plan.spill_order[k]
        n_v, n_s = len(vals), len(order) + 1
        cand_t = np.broadcast_to(tiles, (n_s, n_v, K, R)).copy()
        if size_r is not None:
            cand_t[:, :, k, r] = vals[None, :]
        cand_s = np.broadcast_to(spill, (n_s, n_v, T)).copy()
        for j in range(1, n_s):
            cand_s[j:, :, order[j - 1]] = True
        occ, share = occupancy_words(plan, cand_t.reshape(-1, K, R), cand_s.reshape(-1, T))
        ok = (occ[:, k] <= cap).reshape(n_s, n_v)
        good = np.flatnonzero(ok.any(axis=1))
        if not len(good):
            worst = share.reshape(n_s, n_v, K, T)[-1, 0, k]
            t = int(np.argmax(worst))
            kern = plan.mapping.kernels[k]
            what = (f" at the smallest tile {plan.ranks[r]}={int(vals[0])}" if size_r is not None
                    else "")
            spilled = [plan.tensors[i] for i in order]
            raise MappingError(
                f"mapping '{plan.mapping.name}' does not fit architecture '{plan.arch.name}': "
                f"kernel '{kern.name}' needs {_fmt(occ.reshape(n_s, n_v, K)[-1, 0, k])} words in "
                f"level '{plan.arch.buffer.name}' (capacity {_fmt(cap)} words){what}"
                f"{' with ' + ', '.join(spilled) + ' spilled' if spilled else ''}; the largest "
                f"tensor is '{plan.tensors[t]}' with {_fmt(worst[t])} words")
        j = int(good[0])
        if size_r is not None:
            tiles[k, r] = vals[np.flatnonzero(ok[j])[-1]]
        spill = cand_s[j, 0].copy()
    return tiles, spill


@dataclass
class CostResult:
    """Cost of one workload under one mapping on one architecture.

    Headline numbers carry their units: ``latency_s``, ``energy_pJ``, ``traffic_bytes``
    (off-chip), ``area_um2``; ``utilization`` maps array name -> fraction in [0, 1];
    ``bound`` is ``"compute"`` or ``"memory"``. Breakdowns: :attr:`einsums` and
    :attr:`kernels` (pandas DataFrames). :meth:`explain` names the bottleneck and the gap to
    the ``io_bounds`` lower bound.
    """

    name: str
    arch: str
    mapping: str
    sizes: dict[str, int]
    latency_s: float
    energy_pJ: float
    traffic_bytes: float
    traffic_words: float
    compute_s: float
    memory_s: float
    cycles: float
    area_um2: float
    utilization: dict[str, float]
    useful_op_cycles: dict[str, float]
    pes: dict[str, int]
    clock_hz: float
    energy_breakdown_pJ: dict[str, float]
    padding_op_cycles: float
    action_counts: dict[str, float]
    tiles: dict[str, dict[str, int]]
    spilled: list[str]
    occupancy_words: dict[str, float]
    buffer_words: int
    einsum_rows: list[dict[str, Any]]
    kernel_rows: list[dict[str, Any]]
    capacity_limited: bool = False
    parts: list["CostResult"] = field(default_factory=list)
    cascade: Any = None

    @property
    def bound(self) -> str:
        """``"memory"`` when off-chip time sets more of the latency than compute, else ``"compute"``."""
        mem = sum(r["latency_s"] for r in self.kernel_rows if r["bound"] == "memory")
        return "memory" if mem > self.latency_s / 2 else "compute"

    @property
    def einsums(self):
        """Per-Einsum breakdown (pandas DataFrame): kernel, array, iteration points, cycles,
        cycles per point, padding points, activity (fraction of the latency the Einsum keeps
        its array busy), energy of its operations."""
        import pandas as pd

        return pd.DataFrame(self.einsum_rows)

    @property
    def kernels(self):
        """Per-kernel breakdown (pandas DataFrame): compute and memory time, latency, bound,
        off-chip words, buffer occupancy, tiles."""
        import pandas as pd

        return pd.DataFrame(self.kernel_rows)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arch": self.arch, "mapping": self.mapping,
                "sizes": dict(self.sizes), "latency_s": self.latency_s,
                "energy_pJ": self.energy_pJ, "traffic_bytes": self.traffic_bytes,
                "compute_s": self.compute_s, "memory_s": self.memory_s, "bound": self.bound,
                "cycles": self.cycles, "area_um2": self.area_um2,
                "utilization": dict(self.utilization),
                "energy_breakdown_pJ": dict(self.energy_breakdown_pJ),
                "padding_op_cycles": self.padding_op_cycles,
                "action_counts": dict(self.action_counts), "tiles": self.tiles,
                "spilled": list(self.spilled), "occupancy_words": dict(self.occupancy_words),
                "capacity_limited": self.capacity_limited,
                "einsums": self.einsum_rows, "kernels": self.kernel_rows}

    def explain(self) -> dict[str, Any]:
        """The bottleneck and the gap to the I/O lower bound (see :func:`dse.api.explain`)."""
        from dse.api import explain

        return explain(self)


def _result(plan: Plan, out: dict[str, np.ndarray], tiles: np.ndarray, spill: np.ndarray,
            cascade: Any) -> CostResult:
    arch = plan.arch
    i = 0
    arrays = [a.name for a in arch.arrays]
    lat_cycles = float(out["latency_s"][i]) * arch.clock_hz
    units_pJ = np.array([arch.energy_pJ[u] for u in plan.units])
    rows = []
    for ei, lb in enumerate(plan.einsums):
        cyc = float(out["einsum_cycles"][i, ei])
        rows.append({"einsum": lb, "kernel": plan.kernel_names[plan.e_kernel[ei]],
                     "array": arrays[plan.e_array[ei]], "points": float(plan.e_points[ei]),
                     "cycles": cyc, "cycles_per_point": float(plan.e_cpp[ei]),
                     "padding_points": float(out["padding_points"][i, ei]),
                     "activity": cyc / lat_cycles if lat_cycles else 0.0,
                     "energy_pJ": float(plan.e_points[ei] * (plan.e_apt[ei] * units_pJ).sum()),
                     "ops": ", ".join(f"{k}:{v:.4g}" for k, v in plan.e_ops[ei].items())})
    krows = []
    tiles_d: dict[str, dict[str, int]] = {}
    for k, kn in enumerate(plan.kernel_names):
        c, mm = float(out["kernel_compute_s"][i, k]), float(out["kernel_memory_s"][i, k])
        kt = {plan.ranks[r]: int(tiles[k, r]) for r in range(len(plan.ranks))
              if plan.ranks[r] in plan.mapping.kernels[k].tiles}
        tiles_d[kn] = kt
        krows.append({"kernel": kn, "compute_s": c, "memory_s": mm, "latency_s": max(c, mm),
                      "bound": "memory" if mm > c else "compute",
                      "traffic_words": float(out["kernel_words"][i, k]),
                      "occupancy_words": float(out["occupancy_words"][i, k]),
                      "tiles": ", ".join(f"{r}={v}" for r, v in kt.items())})
    pad = float((out["padding_points"][i] * plan.e_cpp).sum())
    return CostResult(
        name=plan.cascade_name, arch=arch.name, mapping=plan.mapping.name, sizes=dict(plan.sizes),
        latency_s=float(out["latency_s"][i]), energy_pJ=float(out["energy_pJ"][i]),
        traffic_bytes=float(out["traffic_bytes"][i]), traffic_words=float(out["traffic_words"][i]),
        compute_s=float(out["compute_s"][i]), memory_s=float(out["memory_s"][i]),
        cycles=float(out["cycles"][i]), area_um2=arch.area_um2_total,
        utilization={a: float(out["utilization"][i, j]) for j, a in enumerate(arrays)},
        useful_op_cycles={a: float(out["useful_op_cycles"][i, j]) for j, a in enumerate(arrays)},
        pes={a.name: a.pes for a in arch.arrays}, clock_hz=arch.clock_hz,
        energy_breakdown_pJ={"compute": float(out["energy_compute_pJ"][i]),
                             "buffer": float(out["energy_buffer_pJ"][i]),
                             "dram": float(out["energy_dram_pJ"][i])},
        padding_op_cycles=pad, action_counts=_actions(plan, out), tiles=tiles_d,
        spilled=[plan.tensors[t] for t in np.flatnonzero(spill)],
        occupancy_words={kn: float(out["occupancy_words"][i, k])
                         for k, kn in enumerate(plan.kernel_names)},
        buffer_words=int(arch.buffer.capacity_words), einsum_rows=rows, kernel_rows=krows,
        capacity_limited=bool(spill.any()) or any(tiles[k, r] < plan.rank_size[r]
                                                  for k, r, _ in plan.auto),
        cascade=cascade)


def _actions(plan: Plan, out: dict[str, np.ndarray], i: int = 0) -> dict[str, float]:
    """Action counts: operations per energy unit (``mac``, ``add``, ``exp``, ...), buffer row
    reads/writes and DRAM accesses (``<level>_read``/``<level>_write``)."""
    acts = {u: float((plan.e_points * plan.e_apt[:, j]).sum()) for j, u in enumerate(plan.units)}
    acts = {u: v for u, v in acts.items() if v}
    b, d = plan.arch.buffer.name, plan.arch.dram.name
    acts.update({f"{b}_read": float(out["buffer_read_accesses"][i]),
                 f"{b}_write": float(out["buffer_write_accesses"][i]),
                 f"{d}_read": float(out["dram_read_accesses"][i]),
                 f"{d}_write": float(out["dram_write_accesses"][i])})
    return acts


def evaluate(cascade: Any, arch: Architecture, mapping: Mapping,
             sizes: MappingT[str, int] | None = None) -> CostResult:
    """Cost of ``cascade`` (bound sizes, or ``sizes``) under ``mapping`` on ``arch``.

    Same numbers as :func:`evaluate_batch` with the mapping's arrays (``N = 1``) after
    :func:`resolve` has picked the auto tiles and spills.
    """
    if sizes:
        cascade = cascade.with_sizes(dict(sizes))
    plan = compile_plan(cascade, arch, mapping)
    tiles, spill = resolve(plan)
    out = evaluate_batch(plan, tiles[None], None, None, spill[None])
    return _result(plan, out, tiles, spill, cascade)


def combine(name: str, parts: Sequence[CostResult]) -> CostResult:
    """Kernels run one after another: sum latency, energy, traffic and op-cycles; utilization
    of each array recomputed over the combined latency (used for end-to-end layers)."""
    if not parts:
        raise DSEError("combine needs at least one result")
    lat = sum(p.latency_s for p in parts)
    clock = parts[0].clock_hz
    useful: dict[str, float] = {}
    pes: dict[str, int] = {}
    for p in parts:
        for a, v in p.useful_op_cycles.items():
            useful[a] = useful.get(a, 0.0) + v
            pes[a] = p.pes[a]
    util = {a: useful[a] / (pes[a] * lat * clock) if lat else 0.0 for a in useful}
    eb: dict[str, float] = {}
    for p in parts:
        for k, v in p.energy_breakdown_pJ.items():
            eb[k] = eb.get(k, 0.0) + v
    rows, krows = [], []
    for p in parts:
        for r in p.einsum_rows:
            rows.append({**r, "part": p.name, "activity": r["cycles"] / (lat * clock) if lat else 0.0})
        for r in p.kernel_rows:
            krows.append({**r, "part": p.name})
    return CostResult(
        name=name, arch=parts[0].arch, mapping="+".join(dict.fromkeys(p.mapping for p in parts)),
        sizes={}, latency_s=lat, energy_pJ=sum(p.energy_pJ for p in parts),
        traffic_bytes=sum(p.traffic_bytes for p in parts),
        traffic_words=sum(p.traffic_words for p in parts),
        compute_s=sum(p.compute_s for p in parts), memory_s=sum(p.memory_s for p in parts),
        cycles=sum(p.cycles for p in parts), area_um2=parts[0].area_um2, utilization=util,
        useful_op_cycles=useful, pes=pes, clock_hz=clock, energy_breakdown_pJ=eb,
        padding_op_cycles=sum(p.padding_op_cycles for p in parts),
        action_counts={k: sum(p.action_counts.get(k, 0.0) for p in parts)
                       for k in dict.fromkeys(k for p in parts for k in p.action_counts)},
        tiles={f"{p.name}:{k}": v for p in parts for k, v in p.tiles.items()},
        spilled=[f"{p.name}:{t}" for p in parts for t in p.spilled],
        occupancy_words={f"{p.name}:{k}": v for p in parts for k, v in p.occupancy_words.items()},
        buffer_words=parts[0].buffer_words, einsum_rows=rows, kernel_rows=krows,
        capacity_limited=any(p.capacity_limited for p in parts), parts=list(parts))
