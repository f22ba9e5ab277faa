"""Validation of cascades, size resolution, tensor shapes and the dependency graph."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from .errors import CascadeError
from .index import rank_of

if TYPE_CHECKING:  # pragma: no cover
    from .model import Cascade, Rank


# --------------------------------------------------------------------------- sizes
def resolve_ranks(ranks: Mapping[str, "Rank"]) -> dict[str, "Rank"]:
    """Fill in the sizes of derived ranks (those with a ``formula``) whose inputs are bound;
    a derived rank that also carries a size must agree with its formula."""
    from .model import Rank

    out = dict(ranks)
    for name, r in out.items():
        if not isinstance(r, Rank):
            raise CascadeError(f"ranks must map names to Rank; got {r!r} for {name!r}")
        if r.name != name:
            raise CascadeError(f"rank stored under {name!r} is named {r.name!r}")
        if r.formula is not None:
            unknown = [n for n in r.formula.names if n not in out]
            if unknown:
                raise CascadeError(f"size formula of rank {name} = {r.formula} uses undeclared "
                                   f"rank(s) {', '.join(unknown)}; declared: {', '.join(out)}")
    values: dict[str, int | None] = {n: (r.size if r.formula is None else None)
                                     for n, r in out.items()}
    pending = [n for n, r in out.items() if r.formula is not None]
    while pending:
        progress = False
        for n in list(pending):
            f = out[n].formula
            if any(m in pending for m in f.names):
                continue
            pending.remove(n)
            progress = True
            if all(values[m] is not None for m in f.names):
                values[n] = f.evaluate(values, owner=f"size of rank {n}")
                if values[n] < 1:
                    raise CascadeError(f"size of rank {n} = {f} must be >= 1; got {values[n]}")
        if not progress:
            raise CascadeError(f"size formulas of ranks {', '.join(pending)} depend on each "
                               f"other in a cycle")
    for n, r in out.items():
        if r.formula is None:
            continue
        if r.size is not None and values[n] is not None and r.size != values[n]:
            raise CascadeError(f"rank {n} is used with inconsistent sizes: its formula "
                               f"{n} = {r.formula} gives {values[n]}, but {r.size} was given")
        size = values[n] if values[n] is not None else r.size
        out[n] = Rank(n, size, r.formula)
    return out


def bind_ranks(ranks: Mapping[str, "Rank"], sizes: Mapping[str, int]) -> dict[str, "Rank"]:
    """Ranks with ``sizes`` bound; derived ranks are recomputed (binding one directly must
    agree with its formula)."""
    from .model import Rank

    unknown = [n for n in sizes if n not in ranks]
    if unknown:
        raise CascadeError(f"cannot bind size of unknown rank(s) {', '.join(unknown)}; "
                           f"ranks: {', '.join(ranks)}")
    out = {}
    for n, r in ranks.items():
        if r.formula is not None:
            out[n] = Rank(n, None, r.formula)
        else:
            out[n] = Rank(n, sizes.get(n, r.size))
    out = resolve_ranks(out)
    for n, v in sizes.items():
        r = out[n]
        if r.formula is not None and r.size is not None and r.size != v:
            raise CascadeError(f"rank {n} is used with inconsistent sizes: {n} = {r.formula} "
                               f"= {r.size} under the other sizes, but {n}={v} was given")
        if r.formula is not None and r.size is None:
            out[n] = Rank(n, v, r.formula)
    return out


def tensor_shape(c: "Cascade", name: str, sizes: Mapping[str, int | None]) -> tuple[int, ...]:
    """Shape of tensor ``name`` under ``sizes`` (see :meth:`Cascade.shape`)."""
    if name not in c.tensors:
        raise CascadeError(f"unknown tensor {name!r}; tensors: {', '.join(c.tensors)}")
    t = c.tensors[name]
    shape = []
    for d, r in enumerate(t.ranks):
        if sizes.get(r) is None:
            f = c.ranks[r].formula if r in c.ranks else None
            if f is not None:
                free = [n for n in f.names if sizes.get(n) is None]
                raise CascadeError(f"size of rank {r} = {f} is undefined (needed by tensor "
                                   f"{name}): {', '.join(free)} unbound; bind "
                                   + ", ".join(f"{n}=N" for n in free))
            raise CascadeError(f"size of rank {r} is undefined (needed by tensor {name}); "
                               f"bind it, e.g. sizes={{'{r}': ...}} or --size {r}=N")
        extra = 0
        for i in c.writers(name):
            rec = c.einsums[i].recurrence
            if d in rec:
                extra = max(extra, rec[d][1])
        shape.append(int(sizes[r]) + extra)
    return tuple(shape)


# --------------------------------------------------------------------------- graph
@dataclass(frozen=True)
class Edge:
    """Einsum ``src`` writes ``tensor``, which Einsum ``dst`` reads. ``carried`` marks a
    read of an earlier iteration of an iterative rank (``RD[m1,p]`` of ``RD[m1+1,p] = ...``)."""

    src: int
    dst: int
    tensor: str
    carried: bool = False


def dependency_edges(c: "Cascade") -> tuple[Edge, ...]:
    """All producer -> consumer edges between the Einsums of ``c`` (deduplicated)."""
    edges: list[Edge] = []
    for i, e in enumerate(c.einsums):
        for a in e.accesses():
            for w in c.writers(a.tensor):
                we = c.einsums[w]
                carried = False
                for d, (v, cw) in we.recurrence.items():
                    vc = a.indices[d].as_var() if d < len(a.indices) else None
                    if vc is None or vc[0] != v:
                        continue
                    if vc[1] > cw:
                        raise CascadeError(
                            f"Einsum {e} reads {a} at {a.indices[d]}, a later iteration than "
                            f"{we.output} has written ({we.output_indices[d]})", einsum=i)
                    if vc[1] < cw:
                        carried = True
                edge = Edge(w, i, a.tensor, carried)
                if edge not in edges:
                    edges.append(edge)
    return tuple(edges)


def _find_cycle(n: int, edges: list[tuple[int, int]]) -> list[int] | None:
    adj: dict[int, list[int]] = {i: [] for i in range(n)}
    for s, d in edges:
        adj[s].append(d)
    color = [0] * n
    stack: list[int] = []

    def dfs(u: int) -> list[int] | None:
        color[u] = 1
        stack.append(u)
        for v in adj[u]:
            if color[v] == 1:
                return stack[stack.index(v):] + [v]
            if color[v] == 0:
                found = dfs(v)
                if found:
                    return found
        stack.pop()
        color[u] = 2
        return None

    for u in range(n):
        if color[u] == 0:
            found = dfs(u)
            if found:
                return found
    return None


def schedule(c: "Cascade") -> tuple[tuple[tuple[int, ...], str | None], ...]:
    """Execution groups in dependency order: ``(einsum positions, iterative variable)``.

    A group with a variable is a recurrence (a strongly connected set of Einsums through
    loop-carried reads) and runs step by step over that variable; others run at once.
    """
    n = len(c.einsums)
    edges = c.edges
    adj: dict[int, list[int]] = {i: [] for i in range(n)}
    for e in edges:
        adj[e.src].append(e.dst)
    # Tarjan's strongly connected components
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    st: list[int] = []
    comps: list[list[int]] = []
    counter = [0]

    def strong(v: int) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        st.append(v)
        on.add(v)
        for w in adj[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = st.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(sorted(comp))

    for v in range(n):
        if v not in index:
            strong(v)
    comp_of = {v: k for k, comp in enumerate(comps) for v in comp}
    groups = []
    for k, comp in enumerate(comps):
        inner = [e for e in edges if comp_of[e.src] == k and comp_of[e.dst] == k]
        var = None
        if inner:
            cvars = {v for e in inner if e.carried
                     for _, (v, _) in c.einsums[e.src].recurrence.items()}
            if len(cvars) != 1:
                raise CascadeError(f"Einsums {', '.join(c.einsum_label(i) for i in comp)} form "
                                   f"a recurrence over {sorted(cvars) or 'no iterative rank'}; "
                                   f"expected exactly one iterative rank variable",
                                   einsum=comp[0])
            var = cvars.pop()
            for i in comp:
                if var not in c.einsums[i].iteration_ranks:
                    raise CascadeError(f"Einsum {c.einsums[i]} is part of the recurrence over "
                                       f"{var} but does not iterate {var}", einsum=i)
        groups.append((tuple(comp), var))
    # topological order of the condensation, earliest Einsum first
    indeg = {k: 0 for k in range(len(comps))}
    succ: dict[int, set[int]] = {k: set() for k in range(len(comps))}
    for e in edges:
        a, b = comp_of[e.src], comp_of[e.dst]
        if a != b and b not in succ[a]:
            succ[a].add(b)
            indeg[b] += 1
    heap = [(comps[k][0], k) for k in indeg if indeg[k] == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, k = heapq.heappop(heap)
        order.append(groups[k])
        for b in succ[k]:
            indeg[b] -= 1
            if indeg[b] == 0:
                heapq.heappush(heap, (comps[b][0], b))
    return tuple(order)


# --------------------------------------------------------------------------- validation
def validate_cascade(c: "Cascade") -> None:
    """Raise :class:`CascadeError` naming the first problem found in ``c``."""
    from .model import Einsum, Tensor

    for name, t in c.tensors.items():
        if not isinstance(t, Tensor) or t.name != name:
            raise CascadeError(f"tensors must map names to Tensor of that name; got {t!r} "
                               f"under {name!r}")
        for r in t.ranks:
            if r not in c.ranks:
                raise CascadeError(f"tensor {t} uses undeclared rank {r}; ranks: "
                                   f"{', '.join(c.ranks)}")
    if not c.einsums:
        raise CascadeError(f"cascade {c.name or '(unnamed)'} has no Einsums; a cascade needs at "
                           f"least one statement such as 'Z[m,n] = A[m,k] * B[k,n]'")
    for e in c.einsums:
        if not isinstance(e, Einsum):
            raise CascadeError(f"einsums must be Einsum objects; got {e!r}")
    written = {e.output for e in c.einsums}
    for name in c.inputs:
        if name not in c.tensors:
            raise CascadeError(f"unknown tensor {name} declared as an input; tensors: "
                               f"{', '.join(c.tensors)}")
        if name in written:
            i = c.writers(name)[0]
            raise CascadeError(f"input tensor {name} is written by Einsum {c.einsums[i]}; "
                               f"inputs are read only", einsum=i)
    if len(set(c.inputs)) != len(c.inputs) or len(set(c.outputs)) != len(c.outputs):
        raise CascadeError(f"inputs and outputs must not repeat names; got inputs {c.inputs}, "
                           f"outputs {c.outputs}")
    for name in c.outputs:
        if name not in written:
            raise CascadeError(f"output tensor {name} is never written by an Einsum")
    sizes = {n: r.size for n, r in c.ranks.items()}
    read: set[str] = set()
    for i, e in enumerate(c.einsums):
        _check_einsum(c, i, e, sizes)
        read.update(e.inputs)
    for name in c.tensors:
        if name not in written and name not in read:
            raise CascadeError(f"tensor {name} is declared but neither read nor written")
        if name not in written and name not in c.inputs:
            raise CascadeError(f"tensor {name} is read but never written and not declared as an "
                               f"input")
    for name in written:
        main = [i for i in c.writers(name) if not c.einsums[i].is_initializer]
        if len(main) > 1:
            raise CascadeError(f"tensor {name} is written by {len(main)} Einsums ("
                               + "; ".join(str(c.einsums[i]) for i in main)
                               + "); a tensor has one producer (plus initial values)",
                               einsum=main[1])
        for i in main:
            rec = c.einsums[i].recurrence
            if any(cc < 0 for _, cc in rec.values()):
                raise CascadeError(f"Einsum {c.einsums[i]} writes at a negative offset; "
                                   f"iterative ranks step forward (v+1)", einsum=i)
            if rec and not any(c.einsums[j].is_initializer for j in c.writers(name)):
                d, (v, _) = next(iter(rec.items()))
                raise CascadeError(f"iterative tensor {name} (written at "
                                   f"{c.einsums[i].output_indices[d]}) has no initial value; "
                                   f"add one, e.g. `{name}[0,...] = 0`", einsum=i)
    edges = c.edges
    cycle = _find_cycle(len(c.einsums), [(e.src, e.dst) for e in edges if not e.carried])
    if cycle:
        path = " -> ".join(c.einsum_label(i) for i in cycle)
        raise CascadeError(f"the Einsums form a cycle: {path} (each reads what the next "
                           f"writes); a cascade must be acyclic", einsum=cycle[0])
    for e in edges:
        if not e.carried and e.src > e.dst:
            raise CascadeError(f"Einsum {c.einsums[e.dst]} reads tensor {e.tensor} before it is "
                               f"written (by Einsum {c.einsums[e.src]}, later in the cascade)",
                               einsum=e.dst)
        if e.carried and not any(c.einsums[j].is_initializer and j < e.dst
                                 for j in c.writers(e.tensor)):
            raise CascadeError(f"Einsum {c.einsums[e.dst]} reads the previous iteration of "
                               f"{e.tensor} before its initial value is written", einsum=e.dst)
    if not c.outputs and c.einsums:
        raise CascadeError("a cascade needs at least one output tensor")
    schedule(c)


def _check_einsum(c: "Cascade", i: int, e, sizes: Mapping[str, int | None]) -> None:
    from . import expr as ex

    if e.output not in c.tensors:
        raise CascadeError(f"Einsum {e} writes unknown tensor {e.output}; declare it "
                           f"(tensors: {', '.join(c.tensors)})", einsum=i)
    for v in e.iteration_ranks:
        if rank_of(v) not in c.ranks:
            raise CascadeError(f"rank variable {v} of Einsum {e} ranges over rank {rank_of(v)}, "
                               f"which is not declared; ranks: {', '.join(c.ranks)}", einsum=i)
    for s in ex.size_refs(e.expr) + tuple(s for ix in e.output_indices for s in ix.symbols):
        if s not in c.ranks:
            raise CascadeError(f"Einsum {e} uses the size of unknown rank {s}; ranks: "
                               f"{', '.join(c.ranks)}", einsum=i)
    for a in (e.output_access,) + e.accesses():
        if a.tensor not in c.tensors:
            raise CascadeError(f"Einsum {e} reads unknown tensor {a.tensor}; tensors: "
                               f"{', '.join(c.tensors) or 'none'}", einsum=i)
        t = c.tensors[a.tensor]
        if len(a.indices) != len(t.ranks):
            raise CascadeError(f"access {a} in Einsum {e} has {len(a.indices)} indices; tensor "
                               f"{t} has {len(t.ranks)} ranks", einsum=i)
        for d, ix in enumerate(a.indices):
            vc = ix.as_var()
            if vc is None:
                continue
            v, _ = vc
            rv, rt = rank_of(v), t.ranks[d]
            sv, st = sizes.get(rv), sizes.get(rt)
            if rv != rt and sv is not None and st is not None and sv != st:
                raise CascadeError(
                    f"rank used with inconsistent sizes in Einsum {e}: variable {v} ranges over "
                    f"{rv}={sv} but indexes dimension {d} of {a.tensor}, whose rank {rt}={st}",
                    einsum=i)
