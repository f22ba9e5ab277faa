"""Tour step: one tiny quantized network through the open flow (da4ml -> Verilog -> Yosys);
where the project's open-flow dataset is on disk, a GNN trained on it predicts the same design."""

from __future__ import annotations

import importlib.util
import shutil
from typing import Any, Callable

TITLE = "Open-flow synthesis: da4ml traces an 8-12-8 network, Yosys synthesizes it"


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
    # inside the dataset's space (widths 8-64), so the surrogate below is not extrapolating
    spec = NetworkSpec(widths=(8, 12, 8), input_bits=6, input_int_bits=2, weight_bits=4, act_bits=5,
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
    res = {k: rec[k] for k in keys}
    res["surrogate"] = _surrogate(rec, out)
    return res


def _surrogate(rec: dict, out: Callable[[str], None]) -> dict[str, Any] | None:
    """A small GNN trained on ``datasets/openflow`` (when present) predicts ``rec``'s design."""
    from fpga.openflow.dataset import to_design
    from surrogates.data import openflow_path
    from surrogates.leaderboard.core import FULL_CONFIG
    from surrogates.train import train

    data = openflow_path()
    if not (data / "shards").is_dir():
        out(f"  (no open-flow dataset at {data}: run from a checkout, or set "
            "FUSEBOUND_OPENFLOW_DATA, for the surrogate's prediction)")
        return None
    design = to_design(rec)
    widths = [f"{l.attrs['value_bits']:.1f}" for l in design.layers[1:]]
    out(f"  the widths its layers' weights really see (interval analysis): {', '.join(widths)} "
        f"bits (declared {rec['input_bits']}, {rec['act_bits']})")
    fit = train("gnn", "openflow", split="grouped", seed=0, path=data, progress=False,
                evaluate_test=False, **FULL_CONFIG["gnn"])  # the leaderboard's config
    pred = fit["estimator"].predict([design]).iloc[0]
    out(f"  GNN trained on {fit['split']['sizes']['train']:,} open-flow designs "
        f"({fit['fit_seconds']:.0f} s) predicts {pred['lut']:.0f} LUT, {pred['ff']:.0f} FF, "
        f"latency {pred['latency_cycles']:.1f} cycles (Yosys: {rec['lut']}, {rec['ff']}, "
        f"{rec['latency_cycles']}); out of training range: {pred['ood_reasons'] or 'no'}")
    return {t: float(pred[t]) for t in ("lut", "ff", "latency_cycles")}
