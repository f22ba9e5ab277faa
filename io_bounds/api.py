"""Public entry points: :func:`lower_bound`, :func:`attainable`, :func:`conv2d`.

Bound methods form a registry (:data:`BOUND_METHODS`): each takes ``(cascade, S, options)`` and
returns a list of candidate :class:`Bound` rows (empty when it does not apply). The headline of
:func:`lower_bound` is the largest *applicable* candidate.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Mapping, Sequence

from io_bounds._check import positive_real, positive_words, sizes_dict
from io_bounds.bound import Bound
from io_bounds.closed_forms import attention as _attention
from io_bounds.closed_forms import compulsory_bound, matmul as _matmul
from io_bounds.errors import BoundError
from io_bounds.hbl import HBL, hbl_bound

ATTENTION_NAMES = ("attention-1pass", "attention-2pass", "attention-3pass")


# ------------------------------------------------------------------ helpers on the IR
def _compulsory_words(cascade) -> tuple[float, dict[str, int]]:
    total, words = _compulsory_cached(cascade)
    return total, dict(words)


@functools.lru_cache(maxsize=64)
def _compulsory_cached(cascade) -> tuple[float, dict[str, int]]:
    """Words every schedule must move: each cascade input element that some Einsum actually
    reads (strides and padding can leave elements unread) plus every output element."""
    from io_bounds.ir import tensor_words

    words = {t: tensor_words(cascade, t) for t in cascade.outputs}
    for t in cascade.inputs:
        touched = [_in_range(cascade, i, t) for i, e in enumerate(cascade.einsums)
                   if t in e.inputs]
        words[t] = min(tensor_words(cascade, t), max(touched, default=0))
    return float(sum(words.values())), words


@functools.lru_cache(maxsize=1024)
def _in_range(cascade, i: int, tensor: str) -> int:
    """Distinct elements of ``tensor`` inside its declared shape that Einsum ``i`` reads
    (padding excluded), by :func:`io_bounds.touched.touched_elements`: closed forms per index
    expression, exact; index expressions sharing a rank variable are enumerated jointly when the
    box is small enough, else the best single dimension (a lower bound). Several reads of the
    same tensor: the largest (a lower bound of their union)."""
    from io_bounds.touched import touched_elements

    e = cascade.einsums[i]
    sizes = cascade.sizes
    ext = e.extents(sizes)
    dims = _shape(cascade, tensor)
    best = 0
    for acc in e.accesses():
        if acc.tensor == tensor:
            indices = [ix.coefficients(sizes) for ix in acc.indices]
            best = max(best, touched_elements(indices, ext, dims)[0])
    return best


def _shape(cascade, tensor: str) -> list[int]:
    try:
        from einsum_cascade.validate import tensor_shape

        return [int(x) for x in tensor_shape(cascade, tensor, cascade.sizes)]
    except (ImportError, TypeError):
        return [int(cascade.sizes[r]) for r in cascade.tensors[tensor].ranks]


def _row(b: Bound, name: str, applies: bool, reason: str = "") -> dict:
    return {"name": name, "method": b.method, "words": b.words, "regime": b.regime,
            "rigorous": b.rigorous, "applies": applies, "theorem": b.theorem, "note": reason}


# ------------------------------------------------------------------ bound methods
def _m_compulsory(cascade, S, opts):
    comp, _ = _compulsory_words(cascade)
    b = Bound(words=comp, compulsory_words=comp, fast_memory_words=S, regime="compulsory",
              method="compulsory", theorem="compulsory traffic",
              citation="every input is read and every output written at least once",
              assumptions=("inputs start and outputs end in slow memory",))
    return [(b, "cascade", True, "")]


def _m_hbl(cascade, S, opts):
    """HBL per Einsum; it bounds the cascade only when the Einsum's tensors are all cascade
    inputs/outputs (an intermediate can be produced and consumed on chip for free)."""
    from io_bounds.ir import is_copy, nests

    ext = set(cascade.inputs) | set(cascade.outputs)
    out = []
    for i, n in nests(cascade):
        if is_copy(cascade, i):
            continue
        words = n.tensor_words()
        pad = {}
        for a in n.accesses:
            if not a.is_output and a.tensor in cascade.tensors:
                inr = _in_range(cascade, i, a.tensor)
                pad[a.tensor] = max(0, words[a.tensor] - inr)
                words[a.tensor] = min(words[a.tensor], inr)
        tensors = {a.tensor for a in n.accesses}
        applies = tensors <= ext
        if not applies and not opts.get("detail", True):
            continue
        b = hbl_bound(list(n.ranks), n.sizes, list(n.accesses), S, words, name=n.name,
                      padding_words=pad)
        reason = "" if applies else ("reads or writes an intermediate, which may live on chip: "
                                     "not a bound on the cascade")
        out.append((b, n.name, applies, reason))
    return out


def _gemm_dims(cascade):
    """(m, n, k) when the cascade is one plain matmul Z[m,n] = A[m,k] * B[k,n], else None."""
    from io_bounds.ir import nests

    ns = nests(cascade)
    if len(ns) != 1 or len(ns[0][1].ranks) != 3:
        return None
    n = ns[0][1]
    if not all(a.projective for a in n.accesses) or len(n.accesses) != 3 or \
            len({a.tensor for a in n.accesses}) != 3:  # A * A is not Smith's setting
        return None
    ins = [n.relevant(a) for a in n.inputs]
    out = n.relevant(n.output)
    if len(out) != 2 or any(len(r) != 2 for r in ins):
        return None
    red = set(n.ranks) - out
    if len(red) != 1 or not all(red <= r for r in ins) or ins[0] | ins[1] != set(n.ranks):
        return None
    k = red.pop()
    m = next(iter(ins[0] - {k}))
    nn = next(iter(ins[1] - {k}))
    return n.sizes[m], n.sizes[nn], n.sizes[k]


def _m_smith(cascade, S, opts):
    dims = _gemm_dims(cascade)
    if dims is None:
        return []
    b = _matmul(*dims, S)
    return [(b, "matmul", True, "")]


def _m_saha_ye(cascade, S, opts):
    if cascade.name not in ATTENTION_NAMES:
        return []
    sz = cascade.sizes
    if sz.get("P") != sz.get("M") or sz.get("E") != sz.get("F"):
        return [(_attention(sz["P"], sz["E"], S, opts["constant"]), "attention", False,
                 "Saha-Ye assumes as many keys as queries (P = M) and E = F")]
    heads = sz.get("B", 1) * sz.get("H", 1)
    one = _attention(sz["P"], sz["E"], S, opts["constant"])
    b = Bound(words=heads * one.words, compulsory_words=heads * one.compulsory_words,
              fast_memory_words=S, regime=one.regime, method=one.method, theorem=one.theorem,
              citation=one.citation,
              assumptions=one.assumptions + (f"B*H = {heads} heads: one head's bound times the "
                                             "number of heads",),
              rigorous=False, constant=one.constant, details=one.details)
    return [(b, "attention", True, "")]


def _m_passes(cascade, S, opts):
    """FuseMax pass argument: a cascade with P passes over rank r needs, per fiber, the fiber's
    M intermediate values live across each of the P - 1 pass boundaries; with S < M at least
    M - S of them are in slow memory (stored once, loaded once, no recomputation).
    ``Q >= compulsory + (P - 1) * fibers * 2 * max(0, M - S)``."""
    try:
        import einsum_cascade as ec

        passes_fn = ec.passes
    except (ImportError, AttributeError):
        return []
    from einsum_cascade.analysis import root_ranks

    comp, _ = _compulsory_words(cascade)
    out = []
    # Root ranks only (M, not its chunk ranks M1, M0): the pass rule is about a whole fiber;
    # a chunk rank's passes depend on the chunk size a mapping chose, not on the computation.
    for r in root_ranks(cascade):
        size = cascade.sizes.get(r)
        if size is None or cascade.ranks[r].formula is not None:
            continue
        try:
            p = int(passes_fn(cascade, r))
        except Exception:  # noqa: BLE001 - a rank the analysis does not cover
            continue
        if p <= 1:
            continue
        fibers = _fibers(cascade, r)
        extra = (p - 1) * fibers * 2.0 * max(0.0, size - S)
        b = Bound(words=comp + extra, compulsory_words=comp, fast_memory_words=S,
                  regime=f"{p} passes over {r} with S < fiber ({size} words)" if extra
                  else "compulsory (fiber fits)", method="passes",
                  theorem="pass-count bound (FuseMax reduce->consume chains)",
                  citation="Nayak et al., FuseMax, MICRO 2024, arXiv:2406.10491 (pass analysis); "
                           "counting argument in io_bounds.api._m_passes",
                  assumptions=("no recomputation: every intermediate value is computed once",
                               f"{fibers} independent fibers of {size} values over rank {r}"),
                  details={"rank": r, "passes": p, "fibers": fibers, "fiber_words": size})
        out.append((b, f"passes[{r}]", True, ""))
    return out


def _fibers(cascade, rank: str) -> int:
    """Number of fibers over ``rank``: product of the other ranks of the first Einsum that
    reduces over it."""
    from einsum_cascade import rank_of

    sizes = cascade.sizes
    for e in cascade.einsums:
        if any(rank_of(v) == rank for v in e.reductions):
            ext = e.extents(sizes)
            return math.prod(x for v, x in ext.items() if rank_of(v) != rank)
    return 1


BOUND_METHODS: dict[str, Callable] = {
    "compulsory": _m_compulsory,
    "hbl": _m_hbl,
    "smith-matmul": _m_smith,
    "saha-ye-attention": _m_saha_ye,
    "passes": _m_passes,
}


def lower_bound(cascade_or_name: Any, sizes: Mapping[str, int] | None = None,
                fast_memory_words: float = 65536, *, constant: float = 1.0,
                methods: Sequence[str] | None = None, detail: bool = True,
                options: Mapping[str, Any] | None = None) -> Bound:
    """The best I/O lower bound (words) for a cascade with ``fast_memory_words`` of fast memory.

    ``cascade_or_name``: an :class:`einsum_cascade.Cascade`, a library name (``"gemm"``) or a
    file; ``sizes``: rank -> size. Every method of :data:`BOUND_METHODS` (or those named in
    ``methods``) proposes candidates; the headline is the largest candidate that applies to the
    whole cascade. ``constant`` scales asymptotic (Theta) bounds such as Saha-Ye's, which the
    papers state without a constant; when such a bound is the headline, ``rigorous`` is False.
    The ``breakdown`` lists every candidate (per Einsum for HBL) with ``applies`` and a note;
    ``detail=False`` skips candidates that cannot bound the cascade (faster, same headline).
    ``options`` go to a library cascade's builder (``{"stride": 2}`` for conv2d).
    """
    from io_bounds.ir import resolve

    S = positive_words(fast_memory_words)
    constant = positive_real(constant, "constant")
    cascade = resolve(cascade_or_name, sizes_dict(sizes), options)
    names = list(methods) if methods is not None else list(BOUND_METHODS)
    bad = [m for m in names if m not in BOUND_METHODS]
    if bad:
        raise BoundError(f"unknown bound method(s) {bad}; valid: {', '.join(BOUND_METHODS)}")
    cands = []
    for m in names:
        cands += BOUND_METHODS[m](cascade, S, {"constant": constant, "detail": detail})
    comp, per_tensor = _compulsory_words(cascade)
    rows = [_row(b, name, applies, note) for b, name, applies, note in cands]
    from io_bounds.ir import skipped

    rows += [{"name": label, "method": "hbl", "words": None, "applies": False,
              "rigorous": True, "regime": "not analysed", "theorem": HBL[0], "note": reason}
             for label, reason in skipped(cascade)]
    usable = [(b, name) for b, name, applies, _ in cands if applies]
    if not usable:
        usable = [(_m_compulsory(cascade, S, {})[0][0], "cascade")]
    best, best_name = max(usable, key=lambda x: (x[0].words, x[0].rigorous))
    words = max(best.words, comp)
    return Bound(words=words, compulsory_words=comp, fast_memory_words=S, regime=best.regime,
                 method=best.method, theorem=best.theorem, citation=best.citation,
                 assumptions=best.assumptions, rigorous=best.rigorous, constant=best.constant,
                 breakdown=tuple(rows),
                 details={"cascade": cascade.name, "sizes": dict(cascade.sizes),
                          "headline_from": best_name, "compulsory_by_tensor": per_tensor,
                          **({k: v for k, v in best.details.items()} if best.details else {})})


def conv2d(N: int, C: int, H: int, W: int, K: int, R: int, S: int, fast_memory_words: float,
           stride: int = 1, padding: int = 0, dilation: int = 1) -> Bound:
    """Convolution lower bound (words) via the HBL LP on the conv loop nest (no special case):
    the library's ``conv2d`` cascade (``I[N,C,H,W]``, ``F[K,C,R,S]`` -> ``O[N,K,P,Q]``)."""
    import einsum_cascade as ec

    try:
        c = ec.library.get("conv2d", N=N, C=C, H=H, W=W, K=K, R=R, S=S, stride=stride,
                           padding=padding, dilation=dilation)
    except ec.CascadeError as e:
        raise BoundError(f"conv2d: {e}") from e
    return lower_bound(c, None, fast_memory_words, methods=["compulsory", "hbl"])


# ------------------------------------------------------------------ attainable curves
def _two_gemm_dims(cascade):
    """(M, K, N, P) when the cascade is ``Z1[m,n] = A[m,k] B[k,n]; Z2[m,p] = Z1[m,n] D[n,p]``
    (plain matmuls, any operand order, the second contracting Z1's second rank), else None."""
    from io_bounds.ir import nests

    ns = [n for _, n in nests(cascade)]
    if len(ns) != 2 or any(len(n.ranks) != 3 or len(n.accesses) != 3 for n in ns):
        return None
    n1, n2 = ns
    for n in ns:
        if not all(a.projective for a in n.accesses):
            return None
        out = n.relevant(n.output)
        red = set(n.ranks) - out
        ins = [n.relevant(a) for a in n.inputs]
        if len(out) != 2 or len(red) != 1 or any(len(r) != 2 for r in ins) or \
                not all(red <= r for r in ins) or ins[0] | ins[1] != set(n.ranks):
            return None
    z1 = [a for a in n2.inputs if a.tensor == n1.output.tensor]
    if len(z1) != 1 or n1.output.tensor in cascade.outputs:
        return None
    (n_rank,) = set(n2.ranks) - n2.relevant(n2.output)          # contracted by GEMM 2
    shared = n2.relevant(z1[0]) - {n_rank}                       # Z1's row rank, kept in Z2
    if len(shared) != 1 or n_rank not in n1.relevant(n1.output):
        return None
    (m_rank,) = shared
    if m_rank not in n1.relevant(n1.output) or n1.sizes.get(m_rank) != n2.sizes.get(m_rank) \
            or n1.sizes.get(n_rank) != n2.sizes.get(n_rank):
        return None
    (k_rank,) = set(n1.ranks) - n1.relevant(n1.output)
    (p_rank,) = n2.relevant(n2.output) - {m_rank}
    return n1.sizes[m_rank], n1.sizes[k_rank], n1.sizes[n_rank], n2.sizes[p_rank]


def attainable(cascade_or_name: Any, sizes: Mapping[str, int] | None = None,
               buffers: Sequence[float] | None = None, *,
               options: Mapping[str, Any] | None = None):
    """Attainable DRAM traffic (words) versus buffer capacity (words): a pandas DataFrame
    with ``buffer_words``, ``traffic_words``, ``mapping``.

    * one Einsum: every two-level tiling (all divisors) x every loop order that matters;
    * ``attention-1pass``: the fused 1-pass cascade (:func:`io_bounds.curves.attention_curve`,
      traffic times ``B*H`` heads processed one after another);
    * two chained GEMMs: fused schedules plus the unfused option;
    * any other cascade: unfused, each Einsum with the whole buffer and intermediates through
      DRAM (an upper bound on what fusion could attain).

    Without ``buffers`` the whole Pareto curve (non-increasing); with ``buffers`` one row per
    capacity (the best point that fits; NaN traffic when nothing fits).
    ``df.attrs`` carries the conventions, the compulsory traffic and the schedule family.
    ``options`` go to a library cascade's builder.
    """
    from io_bounds import curves as at
    from io_bounds.ir import is_copy, nests, resolve

    from io_bounds.ir import skipped

    cascade = resolve(cascade_or_name, sizes_dict(sizes), options)
    sz = cascade.sizes
    bad = skipped(cascade)
    if bad and cascade.name != "attention-1pass":
        raise BoundError(f"cannot model every Einsum of {cascade.name!r} as a loop nest: "
                         + "; ".join(f"{label}: {why}" for label, why in bad))
    comp, _ = _compulsory_words(cascade)
    if cascade.name == "attention-1pass":
        heads = sz.get("B", 1) * sz.get("H", 1)
        curve = at.attention_curve(sz["P"], sz["M"], sz["E"], sz["F"])
        curve["traffic_words"] = curve["traffic_words"] * heads
        if heads > 1:
            curve["mapping"] = curve["mapping"] + f" (x{heads} heads in turn)"
        family = "fused 1-pass attention"
        conv = curve.attrs.get("conventions", [])
    elif _two_gemm_dims(cascade) is not None:
        curve = at.two_gemm_curve(*_two_gemm_dims(cascade))
        family = "two-GEMM chain (fused and unfused)"
        conv = curve.attrs.get("conventions", [])
    else:
        ns = [n for i, n in nests(cascade) if not is_copy(cascade, i)]
        if not ns:
            raise BoundError(f"cascade {cascade.name!r} has no Einsum with a loop nest")
        curves = [at.einsum_curve(n) for n in ns]
        if len(curves) == 1:
            curve, family = curves[0], "single Einsum, two-level tilings"
        else:
            curve, family = at.sum_curves(curves), "unfused cascade (intermediates via DRAM)"
        conv = list(at.CONVENTIONS)
    curve = curve.reset_index(drop=True)
    if buffers is not None:
        curve = at.at_buffers(curve, buffers)
    curve.attrs.update(cascade=cascade.name, sizes=dict(sz), family=family, conventions=conv,
                       compulsory_words=comp)
    return curve
