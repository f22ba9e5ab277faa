"""Catalog of common AMD/Xilinx FPGA parts and their resources.

Look-up by device (``xcu250``), full part name as seen in data (``xcu250-figd2104-2L-e``,
``xc7z020clg400-1``; package and speed grade are ignored) or board alias (``alveo-u250``,
``pynq-z2``, ``zcu102``). Counts are from AMD's product tables (UltraScale+ / 7-series
selection guides and board user guides). ``bram36`` counts 36 Kb block RAMs (each is two
BRAM18); ``bram`` labels in this package use the same BRAM36 unit (0.5 per BRAM18).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from fpga.errors import DesignError

#: Resources every part has, in the units of :class:`fpga.Record` labels.
RESOURCES = ("lut", "ff", "dsp", "bram", "uram")


@dataclass(frozen=True)
class Part:
    """One FPGA device: ``lut``, ``ff`` (flip-flops), ``dsp`` slices, ``bram36`` and ``uram``
    block counts; ``default_part`` a full part name (package and speed grade) and ``family``."""

    device: str
    family: str
    lut: int
    ff: int
    dsp: int
    bram36: int
    uram: int
    default_part: str
    dsp_type: str = "DSP48E2"
    boards: tuple[str, ...] = ()

    @property
    def bram18(self) -> int:
        return 2 * self.bram36

    @property
    def capacity(self) -> dict[str, int]:
        """Resources in label units (``bram`` in BRAM36)."""
        return {"lut": self.lut, "ff": self.ff, "dsp": self.dsp, "bram": self.bram36,
                "uram": self.uram}

    def utilization(self, resources: Mapping[str, float]) -> dict[str, float]:
        """Percent used of each resource present in ``resources`` (label units).

        A resource the part lacks (``uram`` on 7-series) gives ``inf`` when used, else 0.
        """
        cap = self.capacity
        out = {}
        for k, v in resources.items():
            if k not in cap:
                continue
            v = float(v)
            out[k] = 100.0 * v / cap[k] if cap[k] else (0.0 if v == 0 else float("inf"))
        return out

    def fits(self, resources: Mapping[str, float], limit_pct: float = 100.0) -> bool:
        """Whether every resource is within ``limit_pct`` percent of the part."""
        return all(u <= limit_pct for u in self.utilization(resources).values())

    def to_dict(self) -> dict:
        return {"device": self.device, "family": self.family, "default_part": self.default_part,
                "lut": self.lut, "ff": self.ff, "dsp": self.dsp, "bram36": self.bram36,
                "bram18": self.bram18, "uram": self.uram, "dsp_type": self.dsp_type,
                "boards": list(self.boards)}


_PARTS: tuple[Part, ...] = (
    Part("xcu250", "virtexuplus", 1_728_000, 3_456_000, 12_288, 2_688, 1_280,
         "xcu250-figd2104-2L-e", boards=("alveo-u250", "u250")),
    Part("xcu200", "virtexuplus", 1_182_240, 2_364_480, 6_840, 2_160, 960,
         "xcu200-fsgd2104-2-e", boards=("alveo-u200", "u200")),
    Part("xcu280", "virtexuplusHBM", 1_303_680, 2_607_360, 9_024, 2_016, 960,
         "xcu280-fsvh2892-2L-e", boards=("alveo-u280", "u280")),
    Part("xcu55c", "virtexuplusHBM", 1_303_680, 2_607_360, 9_024, 2_016, 960,
         "xcu55c-fsvh2892-2L-e", boards=("alveo-u55c", "u55c")),
    Part("xcvu9p", "virtexuplus", 1_182_240, 2_364_480, 6_840, 2_160, 960,
         "xcvu9p-flga2104-2L-e", boards=("vcu118",)),
    Part("xcvu13p", "virtexuplus", 1_728_000, 3_456_000, 12_288, 2_688, 1_280,
         "xcvu13p-flga2577-2-e"),
    Part("xczu9eg", "zynquplus", 274_080, 548_160, 2_520, 912, 0,
         "xczu9eg-ffvb1156-2-e", boards=("zcu102",)),
    Part("xczu7ev", "zynquplus", 230_400, 460_800, 1_728, 312, 96,
         "xczu7ev-ffvc1156-2-e", boards=("zcu104", "zcu106")),
    Part("xczu3eg", "zynquplus", 70_560, 141_120, 360, 216, 0,
         "xczu3eg-sbva484-1-e", boards=("ultra96", "ultra96-v2")),
    Part("xc7z020", "zynq", 53_200, 106_400, 220, 140, 0,
         "xc7z020clg400-1", dsp_type="DSP48E1", boards=("pynq-z2", "pynq-z1", "zedboard")),
    Part("xc7z010", "zynq", 17_600, 35_200, 80, 60, 0,
         "xc7z010clg400-1", dsp_type="DSP48E1", boards=("zybo-z7-10",)),
    Part("xc7a100t", "artix7", 63_400, 126_800, 240, 135, 0,
         "xc7a100tcsg324-1", dsp_type="DSP48E1", boards=("arty-a7-100", "nexys-a7-100t")),
)

_BY_DEVICE = {p.device: p for p in _PARTS}
_BY_BOARD = {b: p for p in _PARTS for b in p.boards}


def names() -> list[str]:
    """Devices in the catalog."""
    return [p.device for p in _PARTS]


def all_parts() -> tuple[Part, ...]:
    return _PARTS


def get(name: str) -> Part:
    """The catalog part for a device, full part name or board alias (case-insensitive)."""
    if not isinstance(name, str) or not name.strip():
        raise DesignError(f"part name must be a non-empty string; got {name!r}")
    key = name.strip().lower().replace("_", "-")
    if key in _BY_BOARD:
        return _BY_BOARD[key]
    best = None
    for dev, part in _BY_DEVICE.items():
        if key.startswith(dev):
            rest = key[len(dev):]
            if rest and rest[0].isdigit():  # xcu25 must not match xcu250...
                continue
            if best is None or len(dev) > len(best.device):
                best = part
    if best is None:
        raise DesignError(f"unknown FPGA part {name!r}; known devices: {', '.join(names())}; "
                          f"boards: {', '.join(sorted(_BY_BOARD))}")
    return best
