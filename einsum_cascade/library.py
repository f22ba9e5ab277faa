"""Built-in cascades, parameterised by sizes: ``get(name, **sizes_and_options)``.

Sizes are keyword arguments named by rank (``get("gemm", M=64, N=32, K=16)``); a rank left
out stays symbolic. Options are lower-case keywords (``stride``, ``form``, ...).
``names()`` lists the cascades, ``describe(name)`` their ranks, options and defaults, and
``default_sizes(name)`` small sizes for demos and tests.

Every entry is written in the notation (see :mod:`einsum_cascade.parser`) and parsed, so the
library doubles as a set of worked examples. Attention cascades read ``Q[B,H,P,E]``,
``K[B,H,M,E]``, ``V[B,H,M,F]`` and write ``AV[B,H,P,F]`` (no ``1/sqrt(E)`` scale: fold it
into ``Q``); the 1-pass form splits ``M`` into ``M1 x M0`` chunks with ``M0`` defaulting to
``min(M, 256)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

from .errors import CascadeError


@dataclass(frozen=True)
class Entry:
    """One library cascade: ``build(**options) -> notation``, its rank names, options
    (name -> default), small default sizes and a one-line description."""

    name: str
    build: Callable[..., str]
    ranks: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, int] = field(default_factory=dict)
    description: str = ""


def _attention_body(form: str) -> str:
    """Einsums of attention over Q[b,h,p,e], K[b,h,m,e], V[b,h,m,f] -> AV[b,h,p,f]."""
    head = ("QK[b,h,m,p] = Q[b,h,p,e] * K[b,h,m,e]  reduce e with +\n"
            "GM[b,h,p] = QK[b,h,m,p]  reduce m with max\n"
            "SN[b,h,m,p] = exp(QK[b,h,m,p] - GM[b,h,p])\n"
            "SD[b,h,p] = SN[b,h,m,p]  reduce m with +\n")
    if form == "3pass":
        return head + ("A[b,h,m,p] = SN[b,h,m,p] / SD[b,h,p]\n"
                       "AV[b,h,p,f] = A[b,h,m,p] * V[b,h,m,f]  reduce m with +\n")
    if form == "2pass":
        return head + ("SNV[b,h,p,f] = SN[b,h,m,p] * V[b,h,m,f]  reduce m with +\n"
                       "AV[b,h,p,f] = SNV[b,h,p,f] / SD[b,h,p]\n")
    if form == "1pass":
        return """\
BK[b,h,e,m1,m0] = K[b,h,m1*M0+m0,e]
BV[b,h,f,m1,m0] = V[b,h,m1*M0+m0,f]
RM[b,h,0,p] = -inf
RD[b,h,0,p] = 0
RNV[b,h,0,f,p] = 0
QK[b,h,m1,m0,p] = Q[b,h,p,e] * BK[b,h,e,m1,m0]  reduce e with +
LM[b,h,m1,p] = QK[b,h,m1,m0,p]  reduce m0 with max        # local max
RM[b,h,m1+1,p] = max(RM[b,h,m1,p], LM[b,h,m1,p])         # running max
SLN[b,h,m1,m0,p] = exp(QK[b,h,m1,m0,p] - RM[b,h,m1+1,p])  # local numerator
PRM[b,h,m1,p] = exp(RM[b,h,m1,p] - RM[b,h,m1+1,p])        # correction
SPD[b,h,m1,p] = PRM[b,h,m1,p] * RD[b,h,m1,p]
SLD[b,h,m1,p] = SLN[b,h,m1,m0,p]  reduce m0 with +
RD[b,h,m1+1,p] = SPD[b,h,m1,p] + SLD[b,h,m1,p]            # running denominator
SPNV[b,h,m1,f,p] = PRM[b,h,m1,p] * RNV[b,h,m1,f,p]
SLNV[b,h,m1,f,p] = SLN[b,h,m1,m0,p] * BV[b,h,f,m1,m0]  reduce m0 with +
RNV[b,h,m1+1,f,p] = SPNV[b,h,m1,f,p] + SLNV[b,h,m1,f,p]   # running numerator*V
AV[b,h,p,f] = RNV[b,h,M1,f,p] / RD[b,h,M1,p]
"""
    raise CascadeError(f"attention form must be one of 3pass, 2pass, 1pass; got {form!r}")


def _attention_ranks(form: str) -> str:
    return "ranks B, H, P, M, E, F" + (", M0, M1=M/M0" if form == "1pass" else "")


def _attention(form: str) -> Callable[..., str]:
    def build() -> str:
        return (f"cascade attention-{form}\n{_attention_ranks(form)}\n"
                "input Q[B,H,P,E], K[B,H,M,E], V[B,H,M,F]\noutput AV\n" + _attention_body(form))
    return build


def _gemm() -> str:
    return ("cascade gemm\nranks M, N, K\ninput A[M,K], B[K,N]\n"
            "Z[m,n] = A[m,k] * B[k,n]  reduce k with +\n")


def _batched_gemm() -> str:
    return ("cascade batched-gemm\nranks G, M, N, K\ninput A[G,M,K], B[G,K,N]\n"
            "Z[g,m,n] = A[g,m,k] * B[g,k,n]  reduce k with +\n")


def _act(activation: str, inner: str) -> str:
    if activation in ("none", "identity", None):
        return inner
    from .expr import unary_ops
    if activation not in unary_ops():
        raise CascadeError(f"activation must be 'none' or a unary operator "
                           f"({', '.join(unary_ops())}); got {activation!r}")
    return f"{activation}({inner})"


def _dense(activation: str = "relu") -> str:
    return ("cascade dense\nranks N, I, O\ninput X[N,I], W[I,O], BIAS[O]\n"
            "XW[n,o] = X[n,i] * W[i,o]  reduce i with +\n"
            f"Y[n,o] = {_act(activation, 'XW[n,o] + BIAS[o]')}\n")


def _mlp(activation: str = "relu") -> str:
    return ("cascade mlp\nranks N, I, H, O\ninput X[N,I], W1[I,H], B1[H], W2[H,O], B2[O]\n"
            "XW1[n,h] = X[n,i] * W1[i,h]  reduce i with +\n"
            f"H1[n,h] = {_act(activation, 'XW1[n,h] + B1[h]')}\n"
            "XW2[n,o] = H1[n,h] * W2[h,o]  reduce h with +\n"
            "Y[n,o] = XW2[n,o] + B2[o]\n")


def _layernorm(eps: float = 1e-5) -> str:
    return ("cascade layernorm\nranks N, D\ninput X[N,D], GAMMA[D], BETA[D]\n"
            "S1[n] = X[n,d]  reduce d with +\n"
            "MU[n] = S1[n] / D\n"
            "XC[n,d] = X[n,d] - MU[n]\n"
            "S2[n] = XC[n,d] * XC[n,d]  reduce d with +\n"
            f"RSTD[n] = recip(sqrt(S2[n] / D + {float(eps)!r}))\n"
            "Y[n,d] = XC[n,d] * RSTD[n] * GAMMA[d] + BETA[d]\n")


def _softmax() -> str:
    return ("cascade softmax\nranks N, M\ninput X[N,M]\n"
            "MX[n] = X[n,m]  reduce m with max\n"
            "EX[n,m] = exp(X[n,m] - MX[n])\n"
            "SM[n] = EX[n,m]  reduce m with +\n"
            "Y[n,m] = EX[n,m] / SM[n]\n")


def _affine(stride: int, var: str, dil: int, fvar: str, pad: int) -> str:
    s = (f"{stride}*" if stride != 1 else "") + var + "+" + (f"{dil}*" if dil != 1 else "") + fvar
    return s + (f"-{pad}" if pad else "")


def _conv2d(stride: int = 1, dilation: int = 1, padding: int = 0) -> str:
    for k, v, lo in (("stride", stride, 1), ("dilation", dilation, 1), ("padding", padding, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise CascadeError(f"{k} of conv2d must be an int >= {lo}; got {v!r}")
    p = f"(H+{2 * padding}-{dilation}*(R-1)-1)//{stride}+1"
    q = f"(W+{2 * padding}-{dilation}*(S-1)-1)//{stride}+1"
    hi = _affine(stride, "p", dilation, "r", padding)
    wi = _affine(stride, "q", dilation, "s", padding)
    return (f"cascade conv2d\nranks N, C, H, W, K, R, S, P={p}, Q={q}\n"
            "input I[N,C,H,W], F[K,C,R,S]\n"
            f"O[n,k,p,q] = I[n,c,{hi},{wi}] * F[k,c,r,s]  reduce c, r, s with +\n")


def _projections(xq: str, xkv: str) -> str:
    return (f"Q[b,h,p,e] = {xq} * WQ[d,h,e]  reduce d with +\n"
            f"K[b,h,m,e] = {xkv} * WK[d,h,e]  reduce d with +\n"
            f"V[b,h,m,f] = {xkv} * WV[d,h,f]  reduce d with +\n")


def _mha(form: str = "3pass") -> str:
    return (f"cascade mha\n{_attention_ranks(form)}, D\n"
            "input XQ[B,P,D], XKV[B,M,D], WQ[D,H,E], WK[D,H,E], WV[D,H,F], WO[H,F,D]\n"
            "output Y\n" + _projections("XQ[b,p,d]", "XKV[b,m,d]") + _attention_body(form)
            + "Y[b,p,d] = AV[b,h,p,f] * WO[h,f,d]  reduce h, f with +\n")


def _layernorm_body(x: str, out: str, tag: str, gamma: str, beta: str, eps: float) -> str:
    """Layernorm over d of ``x`` (``NAME[b,p,d]``) into ``out[b,p,d]``; temporaries end in
    ``tag``."""
    return (f"S{tag}[b,p] = {x}  reduce d with +\n"
            f"MU{tag}[b,p] = S{tag}[b,p] / D\n"
            f"XC{tag}[b,p,d] = {x} - MU{tag}[b,p]\n"
            f"VS{tag}[b,p] = XC{tag}[b,p,d] * XC{tag}[b,p,d]  reduce d with +\n"
            f"RS{tag}[b,p] = recip(sqrt(VS{tag}[b,p] / D + {float(eps)!r}))\n"
            f"{out}[b,p,d] = XC{tag}[b,p,d] * RS{tag}[b,p] * {gamma}[d] + {beta}[d]\n")


def _transformer(form: str = "1pass", activation: str = "relu", norm: bool = False,
                 eps: float = 1e-5) -> str:
    ranks = _attention_ranks(form).replace(" M,", " M=P,") + ", D, S"
    if not isinstance(norm, bool):
        raise CascadeError(f"norm of transformer-layer must be True or False; got {norm!r}")
    head = (f"cascade transformer-layer\n{ranks}\n"
            "input X[B,P,D], WQ[D,H,E], WK[D,H,E], WV[D,H,F], WO[H,F,D], W1[D,S], W2[S,D]"
            + (", G1[D], BE1[D], G2[D], BE2[D]" if norm else "") + "\noutput Y\n"
            + _projections("X[b,p,d]", "X[b,m,d]") + _attention_body(form)
            + "Z[b,p,d] = AV[b,h,p,f] * WO[h,f,d]  reduce h, f with +\n")
    act = f"F1A[b,p,s] = {_act(activation, 'F1[b,p,s]')}\n"
    if not norm:
        return (head + "F1[b,p,s] = Z[b,p,d] * W1[d,s]  reduce d with +\n" + act
                + "Y[b,p,d] = F1A[b,p,s] * W2[s,d]  reduce s with +\n")
    return (head + "R1[b,p,d] = Z[b,p,d] + X[b,p,d]\n"
            + _layernorm_body("R1[b,p,d]", "N1", "1", "G1", "BE1", eps)
            + "F1[b,p,s] = N1[b,p,d] * W1[d,s]  reduce d with +\n" + act
            + "F2[b,p,d] = F1A[b,p,s] * W2[s,d]  reduce s with +\n"
            + "R2[b,p,d] = F2[b,p,d] + N1[b,p,d]\n"
            + _layernorm_body("R2[b,p,d]", "Y", "2", "G2", "BE2", eps))


_ATT = ("B", "H", "P", "M", "E", "F")
_ATT_DEF = dict(B=1, H=2, P=32, M=128, E=16, F=16)
LIBRARY: dict[str, Entry] = {e.name: e for e in (
    Entry("gemm", _gemm, ("M", "N", "K"), {}, dict(M=64, N=32, K=16),
          "Z[M,N] = A[M,K] * B[K,N]"),
    Entry("batched-gemm", _batched_gemm, ("G", "M", "N", "K"), {}, dict(G=4, M=32, N=16, K=8),
          "Z[G,M,N] = A[G,M,K] * B[G,K,N]"),
    Entry("conv2d", _conv2d, ("N", "C", "H", "W", "K", "R", "S", "P", "Q"),
          dict(stride=1, dilation=1, padding=0), dict(N=1, C=3, H=12, W=12, K=4, R=3, S=3),
          "O[N,K,P,Q] from I[N,C,H,W] and F[K,C,R,S] (stride, dilation, zero padding)"),
    Entry("dense", _dense, ("N", "I", "O"), dict(activation="relu"), dict(N=8, I=16, O=12),
          "Y = act(X W + BIAS)"),
    Entry("mlp", _mlp, ("N", "I", "H", "O"), dict(activation="relu"),
          dict(N=8, I=16, H=32, O=10), "two dense layers, activation on the hidden one"),
    Entry("layernorm", _layernorm, ("N", "D"), dict(eps=1e-5), dict(N=8, D=32),
          "Y = (X - mean) / sqrt(var + eps) * GAMMA + BETA over D"),
    Entry("softmax", _softmax, ("N", "M"), {}, dict(N=8, M=32), "numerically stable softmax over M"),
    Entry("attention-3pass", _attention("3pass"), _ATT, {}, dict(_ATT_DEF),
          "softmax(Q K^T) V, naive stable softmax (3 passes over M)"),
    Entry("attention-2pass", _attention("2pass"), _ATT, {}, dict(_ATT_DEF),
          "softmax(Q K^T) V, division after the V contraction (2 passes over M)"),
    Entry("attention-1pass", _attention("1pass"), _ATT + ("M0", "M1"), {},
          dict(_ATT_DEF, M0=32), "FuseMax online softmax over M1 x M0 chunks (1 pass over M)"),
    Entry("mha", _mha, _ATT + ("D", "M0", "M1"), dict(form="3pass"), dict(_ATT_DEF, D=24, M0=32),
          "multi-head attention with Q/K/V/output projections"),
    Entry("transformer-layer", _transformer, ("B", "H", "P", "M", "E", "F", "D", "S", "M0", "M1"),
          dict(form="1pass", activation="relu", norm=False, eps=1e-5),
          dict(B=1, H=2, P=64, E=16, F=16, D=32, S=64, M0=32),
          "encoder layer: QKV projections, attention, output projection, FFN "
          "(norm=True adds residuals and post-layernorms)"),
)}


def names() -> tuple[str, ...]:
    """Names of the built-in cascades."""
    return tuple(LIBRARY)


def _entry(name: str) -> Entry:
    if name not in LIBRARY:
        raise CascadeError(f"unknown cascade {name!r}; library cascades: {', '.join(LIBRARY)}")
    return LIBRARY[name]


def _check_options(e: Entry, options: Mapping[str, Any]) -> None:
    bad = [k for k in options if k not in e.options]
    if bad:
        raise CascadeError(f"unknown option(s) {', '.join(bad)} for cascade {e.name}; options: "
                           f"{', '.join(e.options) or 'none'}")


def describe(name: str) -> dict[str, Any]:
    """Ranks, options (with defaults), default sizes and description of a library cascade."""
    e = _entry(name)
    return {"name": e.name, "ranks": list(e.ranks), "options": dict(e.options),
            "default_sizes": dict(e.defaults), "description": e.description}


def default_sizes(name: str, **options: Any) -> dict[str, int]:
    """Small sizes for demos and tests (only ranks the cascade has under ``options``)."""
    from .parser import parse

    e = _entry(name)
    _check_options(e, options)
    ranks = parse(e.build(**options)).ranks
    return {k: v for k, v in e.defaults.items() if k in ranks}


def with_defaults(name: str, sizes: Mapping[str, int] | None = None,
                  **options: Any) -> dict[str, int]:
    """``sizes`` completed with :func:`default_sizes` (a given ``M`` or ``P`` replaces the
    default chunk size ``M0`` by the library's ``min(M, 256)`` rule)."""
    base = default_sizes(name, **options)
    sizes = dict(sizes or {})
    if "M0" in base and ("M" in sizes or "P" in sizes) and "M0" not in sizes:
        base.pop("M0")
    return {**base, **sizes}


@lru_cache(maxsize=128)
def _parse_cached(text: str):
    """Parsed library text (cascades are immutable, so sharing them is safe)."""
    from .parser import parse
    return parse(text)


def get(name: str, **kwargs: Any):
    """The library cascade ``name`` with sizes (upper-case keywords) bound and options
    (lower-case keywords) applied. Unknown names, ranks and options raise
    :class:`CascadeError` listing the valid ones."""
    from .parser import parse

    e = _entry(name)
    options = {k: v for k, v in kwargs.items() if k[:1].islower()}
    sizes = {k: v for k, v in kwargs.items() if not k[:1].islower()}
    _check_options(e, options)
    bad = [k for k in sizes if k not in e.ranks]
    if bad:
        raise CascadeError(f"unknown rank(s) {', '.join(bad)} for cascade {name}; ranks: "
                           f"{', '.join(e.ranks)}")
    for k, v in sizes.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 1:
            raise CascadeError(f"size of rank {k} of cascade {name} must be >= 1; got {v}")
    c = _parse_cached(e.build(**options))
    if "M0" in c.ranks and "M0" not in sizes:
        m = sizes.get("M", sizes.get("P") if c.ranks["M"].formula is not None else None)
        if m is not None:
            sizes["M0"] = min(int(m), 256)
    if "M0" in c.ranks and sizes.get("M0") is not None:
        m = sizes.get("M", sizes.get("P") if c.ranks["M"].formula is not None else None)
        if m is not None and int(m) % int(sizes["M0"]):
            raise CascadeError(f"chunk size M0={sizes['M0']} must divide M={m} in cascade "
                               f"{name} (M is split into M1 = M/M0 chunks of M0)")
    return c.bind(**sizes) if sizes else c
