"""Tour step: one tiny quantized network through the open flow (da4ml -> Verilog -> Yosys)."""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any, Callable

TITLE = "Open-flow synthesis: da4ml traces a 6-4-2 network, Yosys synthesizes it"


def run(out: Callable[[str], None]) -> dict[str, Any]:
    from fpga.openflow import NetworkSpec
    from fpga.openflow.flow import synthesize_design

    missing = [name for name, ok in (("yosys (apt-get install -y yosys)", shutil.which("yosys")),
                                     ("da4ml (pip install 'fusebound[openflow]')",
                                      importlib.util.find_spec("da4ml")))
               if not ok]
    if missing:
        msg = "skipped: needs " + " and ".join(missing)
        out(f"  {msg}")
        return {"skipped": msg}
    spec = NetworkSpec(widths=(6, 4, 2), input_bits=6, input_int_bits=2, weight_bits=4, act_bits=5,
                       act_int_bits=2, sparsity=0.25, mode="pipelined", latency_cutoff=2.0, seed=1)
    rec = synthesize_design(spec, timeout_s=120)
    if rec["status"] != "ok":
        raise RuntimeError(f"open flow failed at {rec['stage']}: {rec['reason']}")
    out(f"  {spec.architecture} network, {spec.weight_bits}-bit weights, pipelined at cutoff 2: "
        f"bit-exact on {rec['bitexact_samples']} inputs")
    out(f"  Yosys {rec['yosys_version'].split()[1]} synth_xilinx: {rec['lut']} LUT, {rec['ff']} FF, "
        f"{rec['carry']} CARRY4, latency {rec['latency_cycles']} cycles, II {rec['ii_cycles']}")
    out(f"  da4ml's own estimate (a baseline, not a label): {rec['da4ml_cost']:.0f}; "
        f"wall time {rec['wall_s']:.1f} s")
    keys = ("design_id", "lut", "ff", "carry", "dsp", "bram", "latency_cycles", "ii_cycles",
            "da4ml_cost", "bitexact_mismatch", "da4ml_version", "yosys_version", "wall_s")
    return {k: rec[k] for k in keys}
