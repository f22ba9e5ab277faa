"""Architecture specs: memory levels, compute arrays, per-action energy and per-instance area.

An :class:`Architecture` is declarative and immutable: it says what the hardware *is*, never
how a workload runs on it (that is a :class:`~dse.mapping.Mapping`). Units are in the names:
``capacity_words`` (16-bit words unless ``word_bits`` says otherwise), ``bandwidth_bytes_per_s``,
``read_pJ`` per access of ``access_words`` words, ``area_um2`` per instance, ``clock_hz``.

Presets (``get(name)``): ``fusemax``, ``flat`` and ``flat-edge``, built from the facts in
``shared/spec/fusemax.md`` (45 nm energy and area tables, HBM2 at 400 GiB/s, 940 MHz).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from dse._spec import (check_keys, dump_yaml, frozen_map, load_yaml, name_str, nonneg_float,
                       pos_int, unknown_name)
from dse.errors import DSEError


@dataclass(frozen=True)
class OpCost:
    """How one PE executes one operation kind.

    ``cycles``: issue cycles per operation (e.g. exp by 5th-order Taylor = 6 MAC + 1 add =
    7 cycles). ``actions``: energy/area unit -> actions per operation (``{"mac": 6, "add": 1}``);
    energy per operation = sum(actions[u] * energy_pJ[u]).
    """

    cycles: float
    actions: Mapping[str, float]

    def __post_init__(self) -> None:
        nonneg_float(self.cycles, "cycles of an operation", positive=True)
        if not isinstance(self.actions, Mapping) or not self.actions:
            raise DSEError(f"actions of an operation must be a non-empty mapping unit -> count; "
                           f"got {self.actions!r}")
        for u, c in self.actions.items():
            name_str(u, "action unit name")
            nonneg_float(c, f"action count of unit '{u}'")
        object.__setattr__(self, "cycles", float(self.cycles))
        object.__setattr__(self, "actions", frozen_map({k: float(v) for k, v in self.actions.items()}))

    def to_dict(self) -> dict:
        return {"cycles": self.cycles, "actions": dict(self.actions)}

    @classmethod
    def from_dict(cls, d: Mapping, what: str = "operation") -> "OpCost":
        check_keys(d, {"cycles", "actions"}, {"cycles", "actions"}, what)
        return cls(cycles=d["cycles"], actions=d["actions"])


@dataclass(frozen=True)
class ComputeArray:
    """A spatial array of identical PEs.

    ``dims``: dimension name -> size (``{"rows": 256, "cols": 256}`` or ``{"pes": 256}``);
    ``units``: functional units per PE (for area); ``ops``: op kind -> :class:`OpCost`;
    ``pipelined``: when true the PE's functional units overlap, so one iteration point of an
    Einsum costs ``max_u(sum of that unit's actions)`` cycles instead of the sum of its ops'
    cycles (a dedicated softmax pipeline, as in FLAT's 1D array); ``rf_words`` registers per PE.
    """

    name: str
    dims: Mapping[str, int]
    ops: Mapping[str, OpCost]
    units: Mapping[str, int]
    rf_words: int = 1
    pipelined: bool = False

    def __post_init__(self) -> None:
        name_str(self.name, "compute array name")
        what = f"compute array '{self.name}'"
        if not isinstance(self.dims, Mapping) or not self.dims:
            raise DSEError(f"dims of {what} must be a non-empty mapping name -> size; got {self.dims!r}")
        for d, n in self.dims.items():
            name_str(d, f"dimension name of {what}")
            pos_int(n, f"size of dimension '{d}' of {what}")
        if not isinstance(self.ops, Mapping) or not self.ops:
            raise DSEError(f"ops of {what} must be a non-empty mapping op -> cost; got {self.ops!r}")
        ops = {}
        for k, v in self.ops.items():
            ops[name_str(k, f"op name of {what}")] = v if isinstance(v, OpCost) else \
                OpCost.from_dict(v, f"op '{k}' of {what}")
        if not isinstance(self.units, Mapping):
            raise DSEError(f"units of {what} must be a mapping unit -> count; got {self.units!r}")
        for u, c in self.units.items():
            pos_int(c, f"count of unit '{u}' per PE of {what}")
        pos_int(self.rf_words, f"rf_words of {what}")
        if not isinstance(self.pipelined, bool):
            raise DSEError(f"pipelined of {what} must be true or false; got {self.pipelined!r}")
        object.__setattr__(self, "dims", frozen_map(self.dims))
        object.__setattr__(self, "ops", frozen_map(ops))
        object.__setattr__(self, "units", frozen_map(self.units))

    @property
    def pes(self) -> int:
        """Number of PEs (product of the dimension sizes)."""
        n = 1
        for v in self.dims.values():
            n *= v
        return n

    def to_dict(self) -> dict:
        return {"name": self.name, "dims": dict(self.dims),
                "ops": {k: v.to_dict() for k, v in self.ops.items()},
                "units": dict(self.units), "rf_words": self.rf_words, "pipelined": self.pipelined}

    @classmethod
    def from_dict(cls, d: Mapping) -> "ComputeArray":
        check_keys(d, {"name", "dims", "ops", "units", "rf_words", "pipelined"},
                   {"name", "dims", "ops", "units"}, "compute array")
        return cls(name=d["name"], dims=d["dims"], ops=d["ops"], units=d["units"],
                   rf_words=d.get("rf_words", 1), pipelined=d.get("pipelined", False))


@dataclass(frozen=True)
class MemoryLevel:
    """One memory level. Energy is charged per access of ``access_words`` words.

    ``capacity_words``: ``None`` for unbounded off-chip memory. ``bandwidth_bytes_per_s``:
    required for the off-chip level (memory time = DRAM bytes / bandwidth), ``None`` for
    on-chip levels (not a bottleneck in this model).
    """

    name: str
    capacity_words: int | None
    access_words: int
    read_pJ: float
    write_pJ: float
    bandwidth_bytes_per_s: float | None = None
    area_um2: float = 0.0

    def __post_init__(self) -> None:
        name_str(self.name, "memory level name")
        what = f"memory level '{self.name}'"
        if self.capacity_words is not None:
            pos_int(self.capacity_words, f"capacity_words of {what}")
        pos_int(self.access_words, f"access_words of {what}")
        nonneg_float(self.read_pJ, f"read_pJ of {what}")
        nonneg_float(self.write_pJ, f"write_pJ of {what}")
        if self.bandwidth_bytes_per_s is not None:
            nonneg_float(self.bandwidth_bytes_per_s, f"bandwidth_bytes_per_s of {what}", positive=True)
        nonneg_float(self.area_um2, f"area_um2 of {what}")

    def to_dict(self) -> dict:
        return {"name": self.name, "capacity_words": self.capacity_words,
                "access_words": self.access_words, "read_pJ": self.read_pJ,
                "write_pJ": self.write_pJ, "bandwidth_bytes_per_s": self.bandwidth_bytes_per_s,
                "area_um2": self.area_um2}

    @classmethod
    def from_dict(cls, d: Mapping) -> "MemoryLevel":
        check_keys(d, {"name", "capacity_words", "access_words", "read_pJ", "write_pJ",
                       "bandwidth_bytes_per_s", "area_um2"},
                   {"name", "capacity_words", "access_words", "read_pJ", "write_pJ"}, "memory level")
        return cls(**dict(d))


@dataclass(frozen=True)
class Architecture:
    """A spatial accelerator: ``levels`` (outermost first: off-chip, then the global buffer),
    ``arrays`` of PEs, a clock, and energy (pJ per action) and area (um^2 per instance) tables.

    The cost model uses exactly two levels: ``levels[0]`` off-chip (with a bandwidth, no
    capacity) and ``levels[1]`` the on-chip global buffer (with a capacity).
    """

    name: str
    clock_hz: float
    levels: tuple[MemoryLevel, ...]
    arrays: tuple[ComputeArray, ...]
    energy_pJ: Mapping[str, float]
    area_um2: Mapping[str, float]
    word_bits: int = 16
    description: str = ""

    def __post_init__(self) -> None:
        name_str(self.name, "architecture name")
        what = f"architecture '{self.name}'"
        nonneg_float(self.clock_hz, f"clock_hz of {what}", positive=True)
        pos_int(self.word_bits, f"word_bits of {what}")
        levels = tuple(lv if isinstance(lv, MemoryLevel) else MemoryLevel.from_dict(lv)
                       for lv in (self.levels or ()))
        arrays = tuple(a if isinstance(a, ComputeArray) else ComputeArray.from_dict(a)
                       for a in (self.arrays or ()))
        if len(levels) != 2:
            raise DSEError(f"levels of {what} must be exactly two (off-chip, global buffer); "
                           f"got {len(levels)}")
        if levels[0].capacity_words is not None or levels[0].bandwidth_bytes_per_s is None:
            raise DSEError(f"off-chip level '{levels[0].name}' of {what} must have "
                           f"capacity_words null and a bandwidth_bytes_per_s")
        if levels[1].capacity_words is None:
            raise DSEError(f"global buffer level '{levels[1].name}' of {what} must have a capacity_words")
        if not arrays:
            raise DSEError(f"{what} must have at least one compute array")
        names = [a.name for a in arrays]
        if len(set(names)) != len(names):
            raise DSEError(f"compute array names of {what} must be unique; got {names}")
        for table, label in ((self.energy_pJ, "energy_pJ"), (self.area_um2, "area_um2")):
            if not isinstance(table, Mapping):
                raise DSEError(f"{label} of {what} must be a mapping unit -> value; got {table!r}")
            for u, v in table.items():
                nonneg_float(v, f"{label}['{u}'] of {what}")
        for a in arrays:
            for op, cost in a.ops.items():
                for u in cost.actions:
                    if u not in self.energy_pJ:
                        raise DSEError(f"unit '{u}' used by op '{op}' of array '{a.name}' has no "
                                       f"entry in energy_pJ of {what}; known: {sorted(self.energy_pJ)}")
            for u in a.units:
                if u not in self.area_um2:
                    raise DSEError(f"unit '{u}' of array '{a.name}' has no entry in area_um2 of "
                                   f"{what}; known: {sorted(self.area_um2)}")
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "arrays", arrays)
        object.__setattr__(self, "energy_pJ", frozen_map({k: float(v) for k, v in self.energy_pJ.items()}))
        object.__setattr__(self, "area_um2", frozen_map({k: float(v) for k, v in self.area_um2.items()}))
        object.__setattr__(self, "clock_hz", float(self.clock_hz))

    # -- accessors -------------------------------------------------------------------------
    @property
    def dram(self) -> MemoryLevel:
        return self.levels[0]

    @property
    def buffer(self) -> MemoryLevel:
        return self.levels[1]

    @property
    def word_bytes(self) -> float:
        return self.word_bits / 8

    def array(self, name: str) -> ComputeArray:
        for a in self.arrays:
            if a.name == name:
                return a
        raise DSEError(f"unknown compute array {name!r} in architecture '{self.name}'; "
                       f"valid: {', '.join(a.name for a in self.arrays)}")

    def area_breakdown_um2(self) -> dict[str, float]:
        """Area per component (um^2): each array = PEs x sum(units x area per unit instance),
        plus each memory level's ``area_um2``."""
        out = {}
        for a in self.arrays:
            out[f"array:{a.name}"] = a.pes * sum(c * self.area_um2[u] for u, c in a.units.items())
        for lv in self.levels:
            out[f"memory:{lv.name}"] = lv.area_um2
        return out

    @property
    def area_um2_total(self) -> float:
        return float(sum(self.area_breakdown_um2().values()))

    def with_array_dims(self, array: str, **dims: int) -> "Architecture":
        """A copy with the dimensions of one array replaced (used by the area sweep)."""
        arrays = []
        self.array(array)
        for a in self.arrays:
            if a.name == array:
                d = dict(a.dims)
                for k, v in dims.items():
                    if k not in d:
                        raise DSEError(f"array '{array}' has no dimension {k!r}; valid: {sorted(d)}")
                    d[k] = v
                a = ComputeArray(a.name, d, a.ops, a.units, a.rf_words, a.pipelined)
            arrays.append(a)
        return Architecture(self.name, self.clock_hz, self.levels, tuple(arrays), self.energy_pJ,
                            self.area_um2, self.word_bits, self.description)

    # -- (de)serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description, "clock_hz": self.clock_hz,
                "word_bits": self.word_bits, "levels": [lv.to_dict() for lv in self.levels],
                "arrays": [a.to_dict() for a in self.arrays],
                "energy_pJ": dict(self.energy_pJ), "area_um2": dict(self.area_um2)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Architecture":
        check_keys(d, {"name", "description", "clock_hz", "word_bits", "levels", "arrays",
                       "energy_pJ", "area_um2"},
                   {"name", "clock_hz", "levels", "arrays", "energy_pJ", "area_um2"}, "architecture")
        for key in ("levels", "arrays"):
            if not isinstance(d[key], (list, tuple)):
                raise DSEError(f"{key} of architecture must be a list; got {type(d[key]).__name__}")
        return cls(name=d["name"], clock_hz=d["clock_hz"],
                   levels=tuple(MemoryLevel.from_dict(x) for x in d["levels"]),
                   arrays=tuple(ComputeArray.from_dict(x) for x in d["arrays"]),
                   energy_pJ=d["energy_pJ"], area_um2=d["area_um2"],
                   word_bits=d.get("word_bits", 16), description=d.get("description", ""))

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())

    @classmethod
    def from_yaml(cls, source: str | Path) -> "Architecture":
        """Load from YAML text or a ``.yaml`` file path (``yaml.safe_load``)."""
        return cls.from_dict(load_yaml(source, "architecture"))


# ---------------------------------------------------------------------------------------------
# Presets (shared/spec/fusemax.md)
MIB_WORDS = 2 ** 20 // 2  # 16-bit words per MiB
_ADDR_PJ = 0.0887  # address adder energy per global-buffer access (spec)
_ENERGY = {"mac": 17.1645, "add": 8.3395, "max": 0.028036, "div": 36.251153, "exp": 94.6475}
_AREA = {"mac": 1545.0, "add": 1030.0, "max": 49.29, "div": 23740.9, "exp": 8240.0}
_HBM2 = 400 * 2 ** 30
_CLOCK = 940e6


def _op(cycles: float, **actions: float) -> OpCost:
    return OpCost(cycles, actions)


_BASIC = {"mac": _op(1, mac=1), "mul": _op(1, mac=1), "add": _op(1, add=1), "sub": _op(1, add=1)}
_MAX = {"max": _op(1, max=1), "min": _op(1, max=1)}
_EXP_BY_MAC = {"exp": _op(7, mac=6, add=1)}  # 5th-order Taylor: 6 MAC + 1 add, 7 cycles


def _dram() -> MemoryLevel:
    # 249.6 pJ per 64-bit access = 4 words
    return MemoryLevel("dram", None, 4, 249.6, 249.6, bandwidth_bytes_per_s=_HBM2)


def _fusemax() -> Architecture:
    return Architecture(
        name="fusemax", clock_hz=_CLOCK,
        description="FuseMax (Nayak et al., MICRO 2024): 256x256 2D array with MAC/add/max PEs "
                    "(exp by 6 MAC + 1 add), 256-PE 1D array with divide, 16 MiB buffer, HBM2.",
        levels=(_dram(), MemoryLevel("glb", 16 * MIB_WORDS, 256, 12512.7 + _ADDR_PJ,
                                     15751.4 + _ADDR_PJ, area_um2=84.2e6)),
        arrays=(ComputeArray("2d", {"rows": 256, "cols": 256}, {**_BASIC, **_MAX, **_EXP_BY_MAC},
                             {"mac": 1, "add": 1, "max": 1}, rf_words=12),
                ComputeArray("1d", {"pes": 256},
                             {**_BASIC, **_MAX, **_EXP_BY_MAC, "div": _op(1, div=1)},
                             {"mac": 1, "add": 1, "max": 1, "div": 1}, rf_words=32)),
        energy_pJ=_ENERGY, area_um2=_AREA)


def _flat(edge: bool = False) -> Architecture:
    n = 32 if edge else 256
    glb = (MemoryLevel("glb", MIB_WORDS // 2, 256, 23854.6 + _ADDR_PJ, 27097.5 + _ADDR_PJ,
                       area_um2=175.7e6 / 64) if edge else
           MemoryLevel("glb", 32 * MIB_WORDS, 256, 23854.6 + _ADDR_PJ, 27097.5 + _ADDR_PJ,
                       area_um2=175.7e6))
    dram = _dram() if not edge else MemoryLevel("dram", None, 4, 249.6, 249.6,
                                                bandwidth_bytes_per_s=50 * 2 ** 30)
    desc = ("FLAT cloud (Kao et al.): 256x256 MAC array, 256-PE 1D array with a pipelined exp "
            "unit, 32 MiB buffer, HBM2." if not edge else
            "FLAT edge: 32x32 MAC array, 32-PE 1D array, 512 KiB buffer, 50 GiB/s. The spec gives "
            "no buffer energy/area for 512 KiB: the 32 MiB per-row energies are reused and the "
            "area is scaled linearly (assumptions).")
    return Architecture(
        name="flat-edge" if edge else "flat", clock_hz=_CLOCK, description=desc,
        levels=(dram, glb),
        arrays=(ComputeArray("2d", {"rows": n, "cols": n}, dict(_BASIC), {"mac": 1, "add": 1},
                             rf_words=4),
                ComputeArray("1d", {"pes": n},
                             {**_BASIC, **_MAX, "exp": _op(1, exp=1), "div": _op(1, div=1)},
                             {"mac": 1, "add": 1, "max": 1, "exp": 1, "div": 1}, rf_words=16,
                             pipelined=True)),
        energy_pJ=_ENERGY, area_um2=_AREA)


PRESETS = {"fusemax": _fusemax, "flat": _flat, "flat-edge": lambda: _flat(edge=True)}


def get(name: str | Architecture) -> Architecture:
    """A preset architecture by name (or ``name`` itself when it already is one)."""
    if isinstance(name, Architecture):
        return name
    if name not in PRESETS:
        raise DSEError(unknown_name("architecture", name, PRESETS))
    return PRESETS[name]()


def names() -> list[str]:
    return sorted(PRESETS)
