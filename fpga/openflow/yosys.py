"""Yosys logic synthesis (``synth_xilinx``) and cell-count labels.

One pinned flow per dataset (:data:`FLOW`): ``read_verilog`` of the da4ml sources, then
``hierarchy; proc; flatten; setundef -zero; synth_xilinx -top <top> -family <family> -flatten``
and ``stat``. Yosys has no timing model
here, so there is no Fmax label; it reports ``CARRY4`` for every 7-series-like family.

Labels from the ``stat`` cell counts (:func:`labels_from_cells`):

* ``lut``   = LUT1..LUT6 + INV (Yosys emits ``INV`` cells that occupy a LUT1 each on Xilinx)
  + LUTs used as memory (``SRL16E``/``SRLC32E`` shift registers and distributed RAM, in LUT
  sites: table :data:`_LUTRAM_SITES`), like Vivado's "CLB LUTs";
* ``ff``    = every flip-flop / latch primitive (``FD*``, ``LD*``);
* ``carry`` = CARRY4 + CARRY8;
* ``dsp``   = DSP48* cells;
* ``bram``  = RAMB36* + 0.5 x RAMB18* (BRAM36 units, as in the hls4ml data);
* ``lutram`` (the LUT sites used as memory, included in ``lut``) and ``muxf`` (MUXF7/8/9) are
  extra counts, not labels.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from fpga.openflow.errors import OpenFlowError

#: The pinned synthesis script (``{top}``/``{family}`` filled in) - recorded with every design.
#: ``setundef -zero`` before ``synth_xilinx``: da4ml 0.5.2 sometimes selects one bit above an
#: unsigned ReLU output (``v[6:2]`` of a 6-bit wire); Verilog makes that bit ``x`` and Yosys then
#: folds whole pipelines to constants (0 LUT). The bit is 0 in da4ml's own (bit-exact)
#: semantics, so undefined bits are tied to 0; for RTL without ``x`` the pass changes nothing.
FLOW = ("hierarchy -top {top}; proc; flatten; setundef -zero; "
        "synth_xilinx -top {top} -family {family} -flatten")
FAMILIES = ("xc7", "xcup", "xcu", "xc6s", "xc5v", "xc6v")

_SECTION = re.compile(r"Number of cells:\s*(\d+)")
_OLD_ROW = re.compile(r"^\s+([A-Za-z_$\\][\w$\\.]*)\s+(\d+)\s*$")          # "     LUT2   6292"  (<=0.3x)
_NEW_ROW = re.compile(r"^\s+(\d+)\s+(?:[\d.]+\s+)?([A-Za-z_$\\][\w$\\.]*)\s*$")  # "   6292   LUT2"   (>=0.4x)


class YosysError(OpenFlowError):
    """Yosys failed, timed out, or printed no usable ``stat``."""


def yosys_binary() -> str | None:
    """Path of the ``yosys`` executable on PATH, or ``None`` (install: ``apt-get install yosys``)."""
    return shutil.which("yosys")


def yosys_version(binary: str | None = None) -> str:
    """``yosys -V`` first line, e.g. ``"Yosys 0.23 (git sha1 7ce5011c24b)"``."""
    binary = binary or yosys_binary()
    if binary is None:
        raise YosysError("yosys is not on PATH; install it with: apt-get install -y yosys")
    out = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"


def parse_stat(text: str) -> dict[str, int]:
    """Cell counts of the top-level (last) ``stat`` section of a Yosys log or ``stat`` output.

    Understands the Yosys <= 0.3x layout (``NAME  COUNT``) and the newer one (``COUNT  NAME``).
    Raises :class:`YosysError` when no ``Number of cells`` line is found.
    """
    matches = list(_SECTION.finditer(text))
    if not matches:
        raise YosysError("no 'Number of cells' line in the Yosys stat output")
    last = matches[-1]
    total = int(last.group(1))
    cells: dict[str, int] = {}
    for line in text[last.end():].splitlines()[1:]:
        if not line.strip():
            if cells:
                break
            continue
        m = _OLD_ROW.match(line)
        if m:
            name, count = m.group(1), int(m.group(2))
        else:
            m = _NEW_ROW.match(line)
            if not m:
                break
            name, count = m.group(2), int(m.group(1))
        cells[name] = cells.get(name, 0) + count
    if cells and sum(cells.values()) != total:
        raise YosysError(f"stat cell rows sum to {sum(cells.values())} but 'Number of cells' says {total}")
    return cells


#: LUT sites of distributed-RAM primitives (UG474/UG574); SRL16E/SRLC32E use 1.
_LUTRAM_SITES = {"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM128X1D": 4,
                 "RAM256X1S": 4, "RAM256X1D": 8, "RAM512X1S": 8, "RAM32X1D": 2, "RAM64X1D": 2,
                 "RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2}


def _lutram_sites(cell: str) -> int:
    """LUT sites one LUT-as-memory primitive occupies (0 for other cells)."""
    if cell.startswith("SRL"):
        return 1
    return _LUTRAM_SITES.get(cell, 0)


def labels_from_cells(cells: Mapping[str, int]) -> dict[str, float]:
    """``lut, ff, carry, dsp, bram, lutram, muxf`` from Xilinx primitive counts (module docstring)."""
    def total(pred) -> int:
        return int(sum(v for k, v in cells.items() if pred(k)))

    lutram = sum(v * _lutram_sites(k) for k, v in cells.items())
    lut = total(lambda k: re.fullmatch(r"LUT[1-6]", k) is not None or k == "INV") + lutram
    ff = total(lambda k: re.fullmatch(r"(FD|LD)[A-Z0-9_]*", k) is not None)
    carry = total(lambda k: k in ("CARRY4", "CARRY8"))
    dsp = total(lambda k: k.startswith("DSP48"))
    bram36 = total(lambda k: k.startswith("RAMB36"))
    bram18 = total(lambda k: k.startswith("RAMB18"))
    muxf = total(lambda k: k in ("MUXF7", "MUXF8", "MUXF9"))
    return {"lut": int(lut), "ff": ff, "carry": carry, "dsp": dsp, "bram": bram36 + 0.5 * bram18,
            "lutram": int(lutram), "muxf": muxf}


@dataclass(frozen=True)
class SynthResult:
    cells: dict[str, int]
    script: str
    synth_s: float
    log_tail: str
    warnings: tuple[str, ...] = ()


def synthesize(files: Sequence[str | Path], top: str, family: str = "xc7", timeout_s: float = 600.0,
               workdir: str | Path | None = None, binary: str | None = None) -> SynthResult:
    """Run the pinned Yosys flow on ``files`` and return the top module's cell counts.

    Raises :class:`YosysError` on a non-zero exit (with the log tail), on timeout, or when no
    ``stat`` is found.
    """
    if family not in FAMILIES:
        raise OpenFlowError(f"family must be one of {', '.join(FAMILIES)}; got {family!r}")
    binary = binary or yosys_binary()
    if binary is None:
        raise YosysError("yosys is not on PATH; install it with: apt-get install -y yosys")
    workdir = Path(workdir) if workdir is not None else Path(files[0]).parent
    stat_path = (workdir / "yosys_stat.txt").resolve()
    paths = [str(Path(f).resolve()) for f in files] + [str(stat_path)]
    bad = [p for p in paths if re.search(r"[\s;\"']", p)]
    if bad:  # Yosys script arguments cannot be quoted reliably (``tee -o`` keeps the quotes)
        raise YosysError(f"paths given to yosys must not contain spaces, quotes or ';'; got {bad[0]!r}")
    srcs = " ".join(paths[:-1])
    script = f"read_verilog {srcs}; {FLOW.format(top=top, family=family)}; tee -q -o {stat_path} stat"
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([binary, "-q", "-p", script], capture_output=True, text=True,
                              timeout=timeout_s, cwd=workdir)
    except subprocess.TimeoutExpired as e:
        raise YosysError(f"yosys timed out after {timeout_s:.0f} s") from e
    elapsed = time.perf_counter() - t0
    tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
    if proc.returncode != 0:
        raise YosysError(f"yosys exited with status {proc.returncode}: {tail[-800:]}")
    if not stat_path.exists():
        raise YosysError(f"yosys wrote no stat output ({stat_path}): {tail[-800:]}")
    cells = parse_stat(stat_path.read_text())
    warnings = tuple(line.strip() for line in (proc.stdout + proc.stderr).splitlines() if "Warning:" in line)
    return SynthResult(cells=cells, script=FLOW.format(top=top, family=family), synth_s=elapsed,
                       log_tail=tail, warnings=warnings)
