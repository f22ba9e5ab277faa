"""Tour step: a seconds-long leaderboard (tiny models, a slice of real data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

TITLE = "leaderboard: our surrogates vs the re-implemented wa-hls4ml GNN on the same designs"


def _hls_root() -> Path | None:
    from fpga.records import default_data_dir

    return default_data_dir()


def run(out: Callable[[str], None]) -> dict[str, Any]:
    import tempfile

    from surrogates.leaderboard import run_leaderboard
    from surrogates.leaderboard.datasets import available_sources

    root = _hls_root()
    found = available_sources(root)
    source = next((s for s in ("wa-hls4ml-csv", "openflow") if s in found), None)
    if source is None:
        out("no data: set FUSEBOUND_HLS4ML_DATA to the hls4ml data folder (or generate "
            "datasets/openflow) to run the leaderboard")
        return {"ran": False}
    with tempfile.TemporaryDirectory() as tmp:
        res = run_leaderboard(data=[source], root=root, quick=True, max_designs=120,
                              models=["gbt", "gnn", "wa-gnn"], splits=["in-distribution"],
                              out_dir=tmp, plots=False, progress=False, log=lambda s: None)
    ok = [r for r in res.rows if r["status"] == "ok" and r["split"] == "in-distribution"]
    out(f"{source}: {res.datasets[0]['designs']} designs (quick mode: tiny models, 2 epochs), "
        f"in-distribution test split, {res.seconds:.1f} s")
    summary = {"ran": True, "dataset": source, "seconds": round(res.seconds, 2), "models": {}}
    for m in ("gbt", "gnn", "wa-gnn"):
        rs = {r["target"]: r for r in ok if r["model"] == m}
        if not rs:
            continue
        lut = rs.get("lut")
        line = ", ".join(f"{t} R^2 {r['r2']:.2f}" for t, r in rs.items()
                         if t in ("lut", "ff", "latency_cycles"))
        out(f"  {m:7s} {line}; LUT SMAPE {lut['smape']:.1f}%" if lut else f"  {m:7s} {line}")
        summary["models"][m] = {t: {"r2": r["r2"], "smape": r["smape"]} for t, r in rs.items()}
    out("  (2 epochs on ~100 designs: this shows the machinery, not the models' accuracy)")
    out("full run: fusebound leaderboard --out DIR (every model, split and dataset on disk)")
    return summary
