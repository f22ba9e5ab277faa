"""Tour step: describe an hls4ml design, estimate it, check it against parts and real records."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

TITLE = "fpga: hls4ml design model, real synthesis records, analytic estimate"


def _data_dir() -> Path | None:
    from fpga.records import default_data_dir

    return default_data_dir()


def _builtin_design():
    from fpga import Design, Layer, LayerPrecision, Precision

    p, w = Precision(16, 6), Precision(8, 3)
    prec = LayerPrecision(weight=w, bias=w, result=p, accum=p)
    sizes = [16, 64, 32, 32, 5]  # the hls4ml jet-tagging MLP shape
    layers = [Layer("input", "Input", (16,), (16,), precision=LayerPrecision(result=p))]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Layer(f"dense_{i}", "Dense", (a,), (b,), parameters=a * b + b,
                            precision=prec, reuse_factor=1))
        layers.append(Layer(f"act_{i}", "Activation", (b,), (b,),
                            activation="relu" if i < 3 else "softmax",
                            precision=LayerPrecision(result=p)))
    return Design.chain(layers, strategy="latency", io_type="io_parallel", clock_period_ns=5.0,
                        part="xcu250-figd2104-2L-e", name="jet_tagger_mlp")


def run(out: Callable[[str], None]) -> dict[str, Any]:
    import fpga

    design = _builtin_design()
    summary: dict[str, Any] = {"builtin": {}}
    for part in ("alveo-u250", "pynq-z2"):
        est = fpga.estimate(design, part=part)
        util = ", ".join(f"{k} {v:.1f}%" for k, v in est.utilization_pct.items() if k != "uram")
        out(f"{design.name} on {part}: LUT {est.lut:,.0f}, FF {est.ff:,.0f}, DSP {est.dsp:,.0f}, "
            f"BRAM36 {est.bram:,.1f}; latency {est.latency_ns:,.0f} ns; {util}; "
            f"fits: {'yes' if est.fits else 'no'}")
        summary["builtin"][part] = est.to_dict()
    chk = fpga.check_reuse_factor(128, 120, 4093)
    out(chk.message("a 128x120 Dense layer"))
    summary["reuse_check"] = {"requested": chk.requested, "used": chk.used}

    data = _data_dir()
    if data is None:
        out("real records: set FUSEBOUND_HLS4ML_DATA to the hls4ml data folder to import them")
        summary["records"] = None
        return summary
    fixtures = data / "wa_hls4ml" / "fixtures"
    reader = fpga.read_records(fixtures if fixtures.exists() else data)
    records = list(reader)
    out(f"imported {len(records)} wa-hls4ml records from {reader.path.name} "
        f"({reader.skipped.total} skipped)")
    if records:
        rec = records[0]
        est = fpga.estimate(rec.design)
        part = fpga.parts.get(rec.design.part) if rec.design.part else None
        out(f"{rec.design.name}: {len(rec.design.layers)} layers, {rec.design.strategy}, "
            f"part {rec.design.part}")
        for t in ("lut", "ff", "dsp", "bram", "latency_cycles"):
            if t in rec.labels:
                out(f"  {t:15s} measured {rec.labels[t]:>10,.1f} ({rec.provenance[t]}), "
                    f"estimated {est.labels[t]:>10,.1f}")
        if part is not None:
            util = part.utilization({k: v for k, v in rec.labels.items()
                                     if k in ("lut", "ff", "dsp", "bram", "uram")})
            out("  measured utilization of " + part.device + ": " +
                ", ".join(f"{k} {v:.2f}%" for k, v in util.items()))
        summary["records"] = {"count": len(records), "skipped": reader.skipped.to_dict(),
                              "first": rec.design.name, "labels": rec.labels,
                              "estimate": est.labels}
    return summary
