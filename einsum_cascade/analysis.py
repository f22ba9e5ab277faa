"""Analysis of a cascade under concrete sizes: op counts by kind, tensor footprints in
words, intermediates, the dependency graph, passes over a rank and the on-chip capacity
needed to avoid re-reads.

Pass rule (FuseMax, ``shared/spec/fusemax.md``): a cascade needs another pass over rank
``M`` each time an Einsum that iterates ``M`` consumes a tensor produced by a *full*
reduction over ``M`` (an Einsum that iterates ``M`` and whose output has no ``M`` index),
directly or through steps that do not iterate ``M`` (``MU = S1 / D`` in layernorm).
Ranks that partition ``M`` (``M1``, ``M0`` in ``K[e, m1*M0+m0]``) count as ``M``. So
``pass(e) = max(1, max over producers w of pass(w) + [w fully reduces M and e iterates M])``
and ``passes = max pass of the Einsums that iterate M`` (3 / 2 / 1 for the attention forms).

Capacity to avoid re-reads (words): a tensor produced (or, for inputs, first read) in pass
``a`` and read again in pass ``b > a`` must stay on chip across the boundaries ``a..b-1``
(else it is re-read through DRAM or recomputed); the capacity is the largest total over
boundaries, plus one step of every running state of a recurrence over ``M`` (``RM``, ``RD``,
``RNV`` in the 1-pass form). It grows with ``M`` for the 3- and 2-pass forms and does not
for the 1-pass form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import CascadeError
from .index import rank_of
from .validate import tensor_shape

#: Column order of op kinds in tables (others follow alphabetically).
KIND_ORDER = ("mac", "mul", "add", "max", "min", "exp", "div", "sqrt", "neg", "relu")


def _prod(xs) -> int:
    n = 1
    for x in xs:
        n *= int(x)
    return n


def rank_family(c, rank: str) -> frozenset[str]:
    """Cached :func:`_rank_family`."""
    cache = c.__dict__.setdefault("_family_cache", {})
    if rank not in cache:
        cache[rank] = _rank_family(c, rank)
    return cache[rank]


def _rank_family(c, rank: str) -> frozenset[str]:
    """``rank`` and the ranks that partition it: variables of split indices into a
    dimension of that rank (``K[e, m1*M0+m0]`` -> ``M1``, ``M0``), ranks derived
    as ``rank/X`` (and that ``X``), and ranks named ``rank`` plus digits."""
    if rank not in c.ranks:
        raise CascadeError(f"unknown rank {rank!r}; ranks: {', '.join(c.ranks)}")
    fam = {rank}
    fam |= {r for r in c.ranks if re.fullmatch(re.escape(rank) + r"\d+", r)}
    changed = True
    while changed:
        changed = False
        new: set[str] = set()
        for e in c.einsums:
            for a in (e.output_access,) + e.accesses():
                t = c.tensors[a.tensor]
                for d, ix in enumerate(a.indices):
                    if t.ranks[d] in fam and _is_split(ix):
                        new |= {rank_of(v) for v in ix.variables}
        for r in c.ranks.values():
            f = r.formula
            if f is not None and f.op in ("/", "//") and f.left.op == "name" \
                    and f.left.name in fam:
                new.add(r.name)
                new |= set(f.right.names)
        if not new <= fam:
            fam |= new
            changed = True
    return frozenset(fam)


def _is_split(ix) -> bool:
    """True for an index that splits a rank into chunks (``m1*M0+m0``): several variables and
    a term scaled by a rank size. A sliding window (``p+r``, ``2*p+r``) is not a split."""
    return len(ix.variables) > 1 and any(t.var and t.symbols for t in ix.terms)


def _iterates(e, fam) -> bool:
    return any(rank_of(v) in fam for v in e.iteration_ranks)


def _full_reduction(e, fam) -> bool:
    return _iterates(e, fam) and not any(rank_of(v) in fam for v in e.output_variables)


def einsum_passes(c, rank: str) -> tuple[int, ...]:
    """The pass over ``rank`` in which each Einsum runs (see the module docstring)."""
    cache = c.__dict__.setdefault("_pass_cache", {})
    if rank not in cache:
        cache[rank] = _einsum_passes(c, rank)
    return cache[rank]


def _einsum_passes(c, rank: str) -> tuple[int, ...]:
    fam = rank_family(c, rank)
    edges = [x for x in c.edges if not x.carried]
    p = [1] * len(c.einsums)
    # barrier[i]: the output of Einsum i is complete only after a full reduction over the
    # rank ends (i is that reduction, or a step that does not iterate the rank and reads one,
    # such as ``MU[n] = S1[n] / D`` after ``S1[n] = X[n,d]`` reduce d).
    barrier = [False] * len(c.einsums)
    for i, e in enumerate(c.einsums):  # einsums are in dependency order (validated)
        it = _iterates(e, fam)
        for x in edges:
            if x.dst == i and x.src != i:
                p[i] = max(p[i], p[x.src] + (1 if it and barrier[x.src] else 0))
                if not it and barrier[x.src]:
                    barrier[i] = True
        if _full_reduction(e, fam):
            barrier[i] = True
    return tuple(p)


def passes(c, rank: str) -> int:
    """Number of passes ``c`` needs over ``rank`` (0 when no Einsum iterates it)."""
    fam = rank_family(c, rank)
    ps = einsum_passes(c, rank)
    its = [ps[i] for i, e in enumerate(c.einsums) if _iterates(e, fam)]
    return max(its) if its else 0


def capacity_words(c, rank: str, sizes: Mapping[str, int] | None = None) -> int:
    """On-chip words needed to run ``c`` without re-reading over ``rank`` (module docstring)."""
    values = c.resolve_sizes(sizes)
    return _capacity(c, rank, {n: tensor_shape(c, n, values) for n in c.tensors})


def _capacity(c, rank: str, shapes: Mapping[str, tuple[int, ...]]) -> int:
    fam = rank_family(c, rank)
    ps = einsum_passes(c, rank)
    readers = _readers(c)
    live: dict[int, int] = {}
    state = 0
    for name, rs in readers.items():
        writers = [i for i in c.writers(name) if not c.einsums[i].is_initializer]
        start = max(ps[i] for i in writers) if writers else min(ps[i] for i in rs)
        end = max(ps[i] for i in rs)
        if end > start:
            words = _prod(shapes[name])
            for b in range(start, end):
                live[b] = live.get(b, 0) + words
        for i in writers:
            for d, (v, _) in c.einsums[i].recurrence.items():
                if rank_of(v) in fam:
                    state += _prod(shapes[name]) // shapes[name][d]
    return max(live.values(), default=0) + state


def _readers(c) -> dict[str, tuple[int, ...]]:
    cache = c.__dict__.get("_readers_cache")
    if cache is None:
        cache = {}
        for i, e in enumerate(c.einsums):
            for t in e.inputs:
                cache[t] = cache.get(t, ()) + (i,)
        c.__dict__["_readers_cache"] = cache
    return cache


@dataclass(frozen=True)
class Analysis:
    """Result of :func:`analyze` (all counts are exact integers; sizes in words).

    ``per_einsum``: DataFrame, one row per Einsum (``einsum`` label, ``output``,
    ``iteration_size``, one column per op kind, ``ops_total``, ``output_words``,
    ``input_words`` (distinct tensors read)); ``total_ops``: kind -> count;
    ``footprints_words``: tensor -> words; ``intermediates`` and their total
    ``intermediate_words``; ``graph``: producer -> consumer edges; ``passes`` and
    ``capacity_words``: per reduced (root) rank.
    """

    name: str
    sizes: dict[str, int]
    per_einsum: Any
    total_ops: dict[str, int]
    footprints_words: dict[str, int]
    intermediates: tuple[str, ...]
    intermediate_words: int
    graph: tuple[dict[str, Any], ...]
    passes: dict[str, int] = field(default_factory=dict)
    capacity_words: dict[str, int] = field(default_factory=dict)

    @property
    def ops_total(self) -> int:
        """All operations of all kinds (a MAC counts once)."""
        return sum(self.total_ops.values())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sizes": dict(self.sizes),
                "per_einsum": [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                               for r in self.per_einsum.to_dict(orient="records")],
                "total_ops": dict(self.total_ops), "ops_total": self.ops_total,
                "footprints_words": dict(self.footprints_words),
                "intermediates": list(self.intermediates),
                "intermediate_words": self.intermediate_words,
                "graph": [dict(g) for g in self.graph],
                "passes": dict(self.passes), "capacity_words": dict(self.capacity_words)}


def root_ranks(c) -> tuple[str, ...]:
    """Ranks reduced somewhere, mapped to the rank they partition (``M0`` -> ``M``)."""
    out: list[str] = []
    reduced = [rank_of(v) for e in c.einsums for v in e.reductions]
    fams = {n: rank_family(c, n) for n in c.ranks}
    for r in reduced:
        root = r
        for cand, fam in fams.items():
            if cand != r and r in fam and not any(cand in f for o, f in fams.items()
                                                  if o != cand):
                root = cand
        if root not in out:
            out.append(root)
    return tuple(out)


def analyze(c, sizes: Mapping[str, int] | None = None) -> Analysis:
    """Analyse cascade ``c`` under its bound sizes plus ``sizes`` (all needed ranks must be
    known; an undefined size raises :class:`CascadeError`)."""
    import pandas as pd

    if sizes:
        c = c.with_sizes(sizes)  # validates the sizes against the cascade
    values = c.resolve_sizes()
    shapes = {n: tensor_shape(c, n, values) for n in c.tensors}
    foot = {n: _prod(sh) for n, sh in shapes.items()}
    counts = [e.op_counts(values) for e in c.einsums]
    totals: dict[str, int] = {}
    for ops in counts:
        for k, v in ops.items():
            totals[k] = totals.get(k, 0) + v
    kinds = [k for k in KIND_ORDER if k in totals] + sorted(k for k in totals
                                                            if k not in KIND_ORDER)
    cols: dict[str, list] = {
        "einsum": [c.einsum_label(i) for i in range(len(c.einsums))],
        "output": [e.output for e in c.einsums],
        "iteration_size": [e.iteration_size(values) for e in c.einsums],
        "reduced": [",".join(e.reductions) for e in c.einsums]}
    for k in kinds:
        cols[k] = [ops.get(k, 0) for ops in counts]
    cols["ops_total"] = [sum(ops.values()) for ops in counts]
    cols["output_words"] = [foot[e.output] for e in c.einsums]
    cols["input_words"] = [sum(foot[t] for t in e.inputs) for e in c.einsums]
    df = pd.DataFrame(cols)
    graph = tuple({"src": c.einsum_label(x.src), "dst": c.einsum_label(x.dst),
                   "tensor": x.tensor, "carried": x.carried} for x in c.edges)
    roots = root_ranks(c)
    return Analysis(
        name=c.name, sizes={k: v for k, v in values.items() if v is not None},
        per_einsum=df, total_ops={k: totals[k] for k in kinds}, footprints_words=foot,
        intermediates=c.intermediates,
        intermediate_words=sum(foot[t] for t in c.intermediates), graph=graph,
        passes={r: passes(c, r) for r in roots},
        capacity_words={r: _capacity(c, r, shapes) for r in roots})
