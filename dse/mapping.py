"""Mapping specs: which array runs each Einsum, what is spatial, how the buffer is tiled,
which Einsums are fused into one kernel and which overlap in time.

A :class:`Mapping` is written against a cascade (``cascade``: a name of
``einsum_cascade.library``) and is architecture-agnostic where it can be: spatial factors
default to the size of the array dimension a rank is mapped to, so the same mapping runs on
a 16 x 16 or a 512 x 512 array.

- :class:`Binding` (per Einsum, by its label = output tensor name): ``array``, ``spatial``
  (rank -> array dimension) and optional ``factors`` (rank -> spatial factor, default the
  dimension size; several ranks on one dimension must multiply to at most its size).
- :class:`Kernel`: a fused group of Einsums sharing one global-buffer tile. ``tiles``
  (rank -> words of that rank held per tile, or ``"auto"``: the largest that fits the buffer,
  at least ``min_tiles``; ranks not listed are held whole); ``order`` (the off-chip loop order
  over the tiled ranks, outermost first); ``spill`` (intermediates that may go to DRAM, in that
  order, when the tile at its minimum still does not fit); ``registers`` (intermediates kept
  in the PE registers of the array that produces and consumes them: no buffer traffic);
  ``overlap`` (groups of Einsums that run concurrently on different arrays).

Presets (``get(name)``) are the five configurations of the FuseMax paper (``unfused``,
``flat``, ``cascade``, ``architecture``, ``fusemax``) plus ``gemm`` (a simple
output-stationary GEMM mapping used for the projections and FFN of an encoder layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping as MappingT

from dse._spec import (check_keys, dump_yaml, frozen_map, load_yaml, name_str, pos_int,
                       unknown_name)
from dse.errors import MappingError

AUTO = "auto"


def _names(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise MappingError(f"{what} must be a list of names; got {value!r}")
    out = tuple(name_str(v, f"entry of {what}", MappingError) for v in value)
    if len(set(out)) != len(out):
        raise MappingError(f"{what} must not repeat names; got {list(out)}")
    return out


@dataclass(frozen=True)
class Binding:
    """Where one Einsum runs: ``array`` name, ``spatial`` rank -> array dimension, optional
    spatial ``factors`` rank -> PEs used along that dimension (default: the dimension size),
    and ``inner``: the innermost temporal rank on the array (operands it does not index stay in
    the PEs across it: ``inner: P`` with K spatial is K-stationary). Default: the first reduced
    rank that is not spatial (output-stationary), else the last temporal rank it iterates."""

    einsum: str
    array: str
    spatial: MappingT[str, str]
    factors: MappingT[str, int] = field(default_factory=dict)
    inner: str | None = None

    def __post_init__(self) -> None:
        name_str(self.einsum, "einsum of a binding", MappingError)
        what = f"binding of Einsum '{self.einsum}'"
        name_str(self.array, f"array of {what}", MappingError)
        if not isinstance(self.spatial, MappingT):
            raise MappingError(f"spatial of {what} must be a mapping rank -> dimension; "
                               f"got {self.spatial!r}")
        for r, d in self.spatial.items():
            name_str(r, f"rank in spatial of {what}", MappingError)
            name_str(d, f"dimension of rank '{r}' in spatial of {what}", MappingError)
        if not isinstance(self.factors, MappingT):
            raise MappingError(f"factors of {what} must be a mapping rank -> int; got {self.factors!r}")
        for r, f in self.factors.items():
            if r not in self.spatial:
                raise MappingError(f"factor given for rank '{r}' of {what}, which is not spatial; "
                                   f"spatial ranks: {sorted(self.spatial)}")
            pos_int(f, f"spatial factor of rank '{r}' of {what}", MappingError)
        if self.inner is not None:
            name_str(self.inner, f"inner rank of {what}", MappingError)
        object.__setattr__(self, "spatial", frozen_map(self.spatial))
        object.__setattr__(self, "factors", frozen_map(self.factors))

    def to_dict(self) -> dict:
        d = {"einsum": self.einsum, "array": self.array, "spatial": dict(self.spatial)}
        if self.factors:
            d["factors"] = dict(self.factors)
        if self.inner is not None:
            d["inner"] = self.inner
        return d

    @classmethod
    def from_dict(cls, d: MappingT) -> "Binding":
        check_keys(d, {"einsum", "array", "spatial", "factors", "inner"}, {"einsum", "array"},
                   "binding", MappingError)
        return cls(d["einsum"], d["array"], d.get("spatial") or {}, d.get("factors") or {},
                   d.get("inner"))


@dataclass(frozen=True)
class Kernel:
    """A fused group of Einsums sharing one buffer tile (see the module docstring)."""

    name: str
    einsums: tuple[str, ...]
    tiles: MappingT[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    min_tiles: MappingT[str, int] = field(default_factory=dict)
    spill: tuple[str, ...] = ()
    registers: tuple[str, ...] = ()
    overlap: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        name_str(self.name, "kernel name", MappingError)
        what = f"kernel '{self.name}'"
        object.__setattr__(self, "einsums", _names(self.einsums, f"einsums of {what}"))
        if not self.einsums:
            raise MappingError(f"einsums of {what} must not be empty")
        if not isinstance(self.tiles, MappingT):
            raise MappingError(f"tiles of {what} must be a mapping rank -> size or 'auto'; "
                               f"got {self.tiles!r}")
        autos = []
        for r, t in self.tiles.items():
            if t == AUTO:
                autos.append(r)
            else:
                pos_int(t, f"tile of rank '{r}' of {what} (or 'auto')", MappingError)
        if len(autos) > 1:
            raise MappingError(f"{what} may have at most one 'auto' tile; got {autos}")
        for r, t in self.min_tiles.items():
            pos_int(t, f"min tile of rank '{r}' of {what}", MappingError)
            if self.tiles.get(r) != AUTO:
                raise MappingError(f"min_tiles given for rank '{r}' of {what}, whose tile is not 'auto'")
        object.__setattr__(self, "order", _names(self.order, f"order of {what}"))
        missing = [r for r in self.order if r not in self.tiles]
        if missing:
            raise MappingError(f"order of {what} names rank(s) {missing} that have no tile; "
                               f"tiled ranks: {sorted(self.tiles)}")
        object.__setattr__(self, "spill", _names(self.spill, f"spill of {what}"))
        object.__setattr__(self, "registers", _names(self.registers, f"registers of {what}"))
        both = set(self.spill) & set(self.registers)
        if both:
            raise MappingError(f"tensor(s) {sorted(both)} of {what} cannot be both spilled and "
                               f"held in registers")
        groups = tuple(_names(g, f"overlap group of {what}") for g in self.overlap)
        seen: list[str] = []
        for g in groups:
            for e in g:
                if e not in self.einsums:
                    raise MappingError(f"overlap group {list(g)} of {what} names Einsum '{e}', "
                                       f"which is not in the kernel; its Einsums: {list(self.einsums)}")
                if e in seen:
                    raise MappingError(f"Einsum '{e}' appears in two overlap groups of {what}")
                seen.append(e)
        object.__setattr__(self, "overlap", groups)
        object.__setattr__(self, "tiles", frozen_map(self.tiles))
        object.__setattr__(self, "min_tiles", frozen_map(self.min_tiles))

    @property
    def auto_rank(self) -> str | None:
        for r, t in self.tiles.items():
            if t == AUTO:
                return r
        return None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "einsums": list(self.einsums)}
        if self.tiles:
            d["tiles"] = dict(self.tiles)
        if self.order:
            d["order"] = list(self.order)
        if self.min_tiles:
            d["min_tiles"] = dict(self.min_tiles)
        if self.spill:
            d["spill"] = list(self.spill)
        if self.registers:
            d["registers"] = list(self.registers)
        if self.overlap:
            d["overlap"] = [list(g) for g in self.overlap]
        return d

    @classmethod
    def from_dict(cls, d: MappingT) -> "Kernel":
        check_keys(d, {"name", "einsums", "tiles", "order", "min_tiles", "spill", "registers",
                       "overlap"}, {"name", "einsums"}, "kernel", MappingError)
        overlap = d.get("overlap") or ()
        if isinstance(overlap, str) or not isinstance(overlap, (list, tuple)):
            raise MappingError(f"overlap of kernel '{d['name']}' must be a list of lists; got {overlap!r}")
        return cls(d["name"], d["einsums"], d.get("tiles") or {}, d.get("order") or (),
                   d.get("min_tiles") or {}, d.get("spill") or (), d.get("registers") or (),
                   tuple(overlap))


@dataclass(frozen=True)
class Mapping:
    """A complete mapping of one cascade: ``kernels`` (run one after another) and one
    ``Binding`` per computing Einsum. Copies (``BK = K[...]``) and initial values
    (``RM[0,p] = -inf``) cost nothing and need neither a binding nor a kernel."""

    name: str
    cascade: str
    kernels: tuple[Kernel, ...]
    bindings: tuple[Binding, ...]
    description: str = ""

    def __post_init__(self) -> None:
        name_str(self.name, "mapping name", MappingError)
        name_str(self.cascade, f"cascade of mapping '{self.name}'", MappingError)
        kernels = tuple(k if isinstance(k, Kernel) else Kernel.from_dict(k) for k in self.kernels)
        bindings = tuple(b if isinstance(b, Binding) else Binding.from_dict(b) for b in self.bindings)
        if not kernels:
            raise MappingError(f"mapping '{self.name}' must have at least one kernel")
        seen: dict[str, str] = {}
        for k in kernels:
            for e in k.einsums:
                if e in seen:
                    raise MappingError(f"Einsum '{e}' is in kernels '{seen[e]}' and '{k.name}' of "
                                       f"mapping '{self.name}'; each Einsum runs in one kernel")
                seen[e] = k.name
        names = [b.einsum for b in bindings]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise MappingError(f"Einsum(s) {dup} have more than one binding in mapping '{self.name}'")
        kn = [k.name for k in kernels]
        if len(set(kn)) != len(kn):
            raise MappingError(f"kernel names of mapping '{self.name}' must be unique; got {kn}")
        object.__setattr__(self, "kernels", kernels)
        object.__setattr__(self, "bindings", bindings)

    def binding(self, einsum: str) -> Binding | None:
        for b in self.bindings:
            if b.einsum == einsum:
                return b
        return None

    def to_dict(self) -> dict:
        return {"name": self.name, "cascade": self.cascade, "description": self.description,
                "kernels": [k.to_dict() for k in self.kernels],
                "bindings": [b.to_dict() for b in self.bindings]}

    @classmethod
    def from_dict(cls, d: MappingT) -> "Mapping":
        check_keys(d, {"name", "cascade", "description", "kernels", "bindings"},
                   {"name", "cascade", "kernels", "bindings"}, "mapping", MappingError)
        for key in ("kernels", "bindings"):
            if not isinstance(d[key], (list, tuple)):
                raise MappingError(f"{key} of mapping must be a list; got {type(d[key]).__name__}")
        return cls(d["name"], d["cascade"], tuple(Kernel.from_dict(k) for k in d["kernels"]),
                   tuple(Binding.from_dict(b) for b in d["bindings"]), d.get("description", ""))

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())

    @classmethod
    def from_yaml(cls, source: str | Path) -> "Mapping":
        """Load from YAML text or a ``.yaml`` file path (``yaml.safe_load``)."""
        try:
            return cls.from_dict(load_yaml(source, "mapping"))
        except MappingError:
            raise
        except ValueError as e:  # DSEError from the YAML loader
            raise MappingError(str(e)) from e


# ---------------------------------------------------------------------------------------------
# Presets: the five configurations of the FuseMax paper (shared/spec/fusemax.md) and a GEMM.
_BH = {"B": 1, "H": 1}
_TWO_D_FM = {"P": "cols", "M0": "rows"}   # FuseMax 2D: P over columns, M0 over rows
_ONE_D = {"P": "pes"}                     # 1D: P over the PEs


def _b(einsum: str, array: str, spatial: dict, inner: str | None = None) -> Binding:
    return Binding(einsum, array, spatial, inner=inner)


ONE_PASS_2D = ("QK", "LM", "SLN", "SLD", "SLNV")
ONE_PASS_1D = ("RM", "PRM", "SPD", "RD", "SPNV", "RNV", "AV")
ONE_PASS = ("QK", "LM", "RM", "SLN", "PRM", "SPD", "SLD", "RD", "SPNV", "SLNV", "RNV", "AV")
THREE_PASS = ("QK", "GM", "SN", "SD", "A", "AV")


def _unfused() -> Mapping:
    return Mapping(
        "unfused", "attention-3pass",
        description="QK, softmax and AV as separate kernels (FLAT hardware), intermediates "
                    "through DRAM; each kernel uses the whole array it runs on.",
        kernels=(Kernel("qk", ("QK",), {**_BH, "P": AUTO, "M": 4096}, ("B", "H", "P", "M")),
                 Kernel("softmax", ("GM", "SN", "SD", "A"), {**_BH, "P": AUTO, "M": 256},
                        ("B", "H", "P", "M"), spill=("SN",)),
                 Kernel("av", ("AV",), {**_BH, "P": AUTO, "M": 4096}, ("B", "H", "P", "M"))),
        bindings=(_b("QK", "2d", {"P": "cols", "M": "rows"}),
                  *(_b(e, "1d", _ONE_D) for e in ("GM", "SN", "SD", "A")),
                  _b("AV", "2d", {"P": "cols", "M": "rows"})))


def _flat() -> Mapping:
    return Mapping(
        "flat", "attention-3pass",
        description="FLAT: QK -> softmax -> AV fused per row group; QK and AV with E (F) "
                    "spatial over the rows and M over the columns, K (V) stationary while query "
                    "rows stream; softmax on the 1D array with M over its PEs; the 2D and 1D "
                    "arrays overlap; scores spill to DRAM when a 64-row group no longer fits.",
        kernels=(Kernel("attention", THREE_PASS, {**_BH, "P": AUTO, "M": 256},
                        ("B", "H", "P", "M"), min_tiles={"P": 64}, spill=("SN", "QK"),
                        overlap=(THREE_PASS,)),),
        bindings=(_b("QK", "2d", {"E": "rows", "M": "cols"}, inner="P"),
                  *(_b(e, "1d", {"M": "pes"}) for e in ("GM", "SN", "SD", "A")),
                  _b("AV", "2d", {"F": "rows", "M": "cols"}, inner="P")))


def _one_pass(name: str, on_2d: tuple[str, ...], registers: tuple[str, ...],
              overlap: tuple[tuple[str, ...], ...], description: str) -> Mapping:
    bindings = tuple(_b(e, "2d", _TWO_D_FM) if e in on_2d else _b(e, "1d", _ONE_D)
                     for e in ONE_PASS)
    return Mapping(
        name, "attention-1pass", description=description,
        kernels=(Kernel("attention", ONE_PASS, {**_BH, "P": AUTO, "M1": 1},
                        ("B", "H", "P", "M1"), registers=registers, overlap=overlap),),
        bindings=bindings)


FUSEMAX_OVERLAP = (("QK", "LM", "RD", "RNV", "AV"), ("RM",), ("SLN", "SLD", "PRM", "SPD"),
                   ("SLNV", "SPNV"))


#: per-chunk temporaries produced and consumed on the 1D array stay in its PE registers
_ONE_D_TEMPS = ("PRM", "SPD", "SPNV")


def _cascade() -> Mapping:
    return _one_pass("cascade", ("QK", "SLNV"), ("LM",) + _ONE_D_TEMPS, (),
                     "+Cascade: the 1-pass cascade on FLAT hardware; only QK and SLNV on the 2D "
                     "array, every other Einsum on the 1D array; no overlap.")


def _architecture() -> Mapping:
    return _one_pass("architecture", ONE_PASS_2D, ("QK", "SLN") + _ONE_D_TEMPS, (),
                     "+Architecture: FuseMax hardware and binding (QK, LM, SLN, SLD, SLNV on the "
                     "2D array) but the Einsums run one after another.")


def _fusemax() -> Mapping:
    return _one_pass("fusemax", ONE_PASS_2D, ("QK", "SLN") + _ONE_D_TEMPS, FUSEMAX_OVERLAP,
                     "FuseMax (+Binding): the overlapped binding; per chunk {QK, LM} with "
                     "{RD, RNV, AV}, RM alone, {SLN, SLD} with {PRM, SPD}, {SLNV} with {SPNV}.")


def _gemm() -> Mapping:
    return Mapping(
        "gemm", "gemm",
        description="Simple output-stationary GEMM Z[M,N] = A[M,K] B[K,N]: M over the columns, "
                    "N over the rows, K temporal; the buffer holds the largest M tile that fits "
                    "with one array-width of N.",
        kernels=(Kernel("gemm", ("Z",), {"M": AUTO, "N": 256}, ("M", "N")),),
        bindings=(_b("Z", "2d", {"M": "cols", "N": "rows"}),))


PRESETS = {"unfused": _unfused, "flat": _flat, "cascade": _cascade,
           "architecture": _architecture, "fusemax": _fusemax, "gemm": _gemm}

#: The paper's five configurations in order, with the architecture each runs on.
CONFIGS: tuple[tuple[str, str], ...] = (("unfused", "flat"), ("flat", "flat"),
                                        ("cascade", "flat"), ("architecture", "fusemax"),
                                        ("fusemax", "fusemax"))


def get(name: str | Mapping) -> Mapping:
    """A preset mapping by name (or ``name`` itself when it already is a Mapping)."""
    if isinstance(name, Mapping):
        return name
    if name not in PRESETS:
        raise MappingError(unknown_name("mapping", name, PRESETS))
    return PRESETS[name]()


def names() -> list[str]:
    return list(PRESETS)
