"""What the mapper maps: a single Einsum (GEMM, batched GEMM, conv2d, or any one-Einsum
cascade) or a whole cascade (fusion-aware search), built from a small spec dict.

Workload specs (also the ``workload:`` block of an explore YAML)::

    {einsum: gemm, M: 128, N: 128, K: 128}
    {einsum: bgemm, B: 8, M: 128, N: 128, K: 64}
    {einsum: conv2d, K: 64, C: 64, OY: 56, OX: 56, FY: 3, FX: 3, B: 1, stride: 1, pad: 1}
    {cascade: attention-1pass, model: bert, seq_len: 65536}     # sizes from the preset
    {cascade: attention-1pass, sizes: {B: 1, H: 1, P: 4096, M: 4096, E: 64, F: 64}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from dse.errors import DSEError

_EINSUM_KEYS = {
    "gemm": ("M", "N", "K"),
    "bgemm": ("B", "M", "N", "K"),
    "conv2d": ("K", "C", "OY", "OX", "FY", "FX"),
}
_CONV_OPTIONAL = {"B": 1, "stride": 1, "pad": 0}


def _text(kind: str, s: Mapping[str, int]) -> str:
    if kind == "gemm":
        return "cascade gemm\nZ[m,n] = A[m,k] * B[k,n] reduce k with +"
    if kind == "bgemm":
        return "cascade bgemm\nZ[b,m,n] = A[b,m,k] * W[b,k,n] reduce k with +"
    st = s["stride"]
    iy = st * (s["OY"] - 1) + s["FY"]
    ix = st * (s["OX"] - 1) + s["FX"]
    sy = f"{st}*oy+fy" if st != 1 else "oy+fy"
    sx = f"{st}*ox+fx" if st != 1 else "ox+fx"
    return ("cascade conv2d\n"
            f"ranks IY={iy}, IX={ix}\n"
            "input I[B,C,IY,IX], W[K,C,FY,FX]\n"
            f"O[b,k,oy,ox] = I[b,c,{sy},{sx}] * W[k,c,fy,fx] reduce c, fy, fx with +")


@dataclass(frozen=True)
class EinsumWorkload:
    """One computing Einsum of ``cascade`` (labelled ``label``) with every size bound."""

    cascade: Any  # einsum_cascade Cascade
    label: str
    sizes: Mapping[str, int]
    spec: Mapping[str, Any] = field(default_factory=dict)

    @property
    def einsum(self):
        for i, e in enumerate(self.cascade.einsums):
            if self.cascade.einsum_label(i) == self.label:
                return e
        raise DSEError(f"cascade {self.cascade.name!r} has no Einsum labelled {self.label!r}")

    @property
    def name(self) -> str:
        return self.spec.get("name") or self.cascade.name or self.label


@dataclass(frozen=True)
class CascadeWorkload:
    """A whole cascade (a name of ``einsum_cascade.library``) with every rank size bound."""

    cascade: Any
    sizes: Mapping[str, int]
    spec: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.get("name") or self.cascade.name


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise DSEError(f"{what} must be a positive integer; got {v!r}")
    return int(v)


def workload_from_spec(spec: Any):
    """An :class:`EinsumWorkload` or :class:`CascadeWorkload` from a spec dict (see the module
    docstring); workload objects and ``einsum_cascade`` cascades pass through (a cascade with
    one computing Einsum becomes an EinsumWorkload)."""
    if isinstance(spec, (EinsumWorkload, CascadeWorkload)):
        return spec
    if hasattr(spec, "einsums") and hasattr(spec, "ranks"):  # an einsum_cascade Cascade
        return _from_cascade(spec, dict(spec.sizes), {"cascade": spec.name})
    if not isinstance(spec, Mapping):
        raise DSEError(f"workload must be a spec mapping (e.g. {{einsum: gemm, M: 128, N: 128, "
                       f"K: 128}}) or a cascade; got {type(spec).__name__} {spec!r}")
    spec = dict(spec)
    name = spec.pop("name", None)
    if ("einsum" in spec) == ("cascade" in spec):
        raise DSEError(f"workload spec must have exactly one of 'einsum' "
                       f"({', '.join(_EINSUM_KEYS)}) or 'cascade'; got keys {sorted(spec)}")
    if "einsum" in spec:
        kind = spec.pop("einsum")
        if kind not in _EINSUM_KEYS:
            raise DSEError(f"unknown einsum {kind!r}; valid names: {', '.join(_EINSUM_KEYS)}")
        allowed = set(_EINSUM_KEYS[kind]) | (set(_CONV_OPTIONAL) if kind == "conv2d" else set())
        unknown = set(spec) - allowed
        missing = set(_EINSUM_KEYS[kind]) - set(spec)
        if unknown or missing:
            raise DSEError(f"einsum {kind!r} takes sizes {sorted(allowed)} (required: "
                           f"{sorted(_EINSUM_KEYS[kind])}); got unknown {sorted(unknown)}, "
                           f"missing {sorted(missing)}")
        sizes = {k: _int(v, f"size {k} of einsum {kind!r}") if k != "pad" else int(v)
                 for k, v in spec.items()}
        if kind == "conv2d":
            for k, v in _CONV_OPTIONAL.items():
                sizes.setdefault(k, v)
            if sizes["pad"] < 0:
                raise DSEError(f"pad of einsum 'conv2d' must be >= 0; got {sizes['pad']}")
            # padding enlarges the input: OY output rows need (OY-1)*stride+FY input rows
        from einsum_cascade.parser import parse

        bound = {k: v for k, v in sizes.items() if k not in ("stride", "pad")}
        cascade = parse(_text(kind, sizes)).bind(**bound)
        full = {"einsum": kind, **sizes, **({"name": name} if name else {})}
        return EinsumWorkload(cascade, cascade.einsum_label(0), dict(cascade.sizes), full)
    name_c = spec.pop("cascade")
    from einsum_cascade import library

    try:
        cascade = library.get(name_c)
    except (KeyError, ValueError) as e:
        raise DSEError(f"unknown cascade {name_c!r}: {e}") from e
    sizes: dict[str, int] = {}
    model, seq = spec.pop("model", None), spec.pop("seq_len", None)
    if model is not None:
        from dse import workload as wl

        sizes.update(wl.get(model, seq).attention_sizes())
    elif seq is not None:
        raise DSEError("seq_len of a cascade workload needs a model (bert, trxl, t5, xlm)")
    extra = spec.pop("sizes", None) or {}
    if not isinstance(extra, Mapping):
        raise DSEError(f"sizes of a cascade workload must be a mapping rank -> int; got {extra!r}")
    if spec:
        raise DSEError(f"unknown key(s) {sorted(spec)} in cascade workload spec; valid: "
                       f"cascade, model, seq_len, sizes, name")
    sizes.update({k: _int(v, f"size {k}") for k, v in extra.items()})
    known = set(cascade.ranks)
    sizes = {k: v for k, v in sizes.items() if k in known}
    bound = cascade.bind(**sizes)
    free = chunk_ranks(bound)
    missing = [r for r, v in bound.resolve_sizes().items() if v is None and r not in free
               and bound.ranks[r].formula is None]
    if missing:
        raise DSEError(f"cascade {name_c!r} needs sizes for rank(s) {missing}; give model and "
                       f"seq_len or sizes")
    full = {"cascade": name_c, **({"model": model} if model else {}),
            **({"seq_len": seq} if seq else {}), **({"sizes": dict(extra)} if extra else {}),
            **({"name": name} if name else {})}
    return _from_cascade(bound, dict(bound.sizes), full)


def chunk_ranks(cascade) -> list[str]:
    """Unbound ranks that a derived rank's formula uses (``M0`` of ``M1 = M/M0``): chunk
    sizes the fusion-aware search chooses."""
    out = []
    for name, r in cascade.ranks.items():
        if r.size is None and r.formula is None and any(
                x.formula is not None and name in x.formula.names
                for x in cascade.ranks.values()):
            out.append(name)
    return out


def _from_cascade(cascade, sizes, spec):
    probe = dict(sizes)
    free = chunk_ranks(cascade)
    if free:  # provisional chunk of 1 just to count operations
        probe = {k: v for k, v in cascade.with_sizes({**sizes, **{r: 1 for r in free}})
                 .sizes.items()}
    computing = [i for i, e in enumerate(cascade.einsums)
                 if not e.is_initializer and e.op_counts(probe)]
    if len(computing) == 1:
        return EinsumWorkload(cascade, cascade.einsum_label(computing[0]), sizes, spec)
    return CascadeWorkload(cascade, sizes, spec)
