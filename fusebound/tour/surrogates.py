"""Tour step: predict resources, latency and II of hls4ml designs with the shipped surrogate."""

from __future__ import annotations

TITLE = "surrogates: predict LUT/FF/DSP/BRAM, latency and II of hls4ml designs (shipped GNN)"


def _mlp(widths, rf, name):
    layers = [{"name": "in", "type": "Input", "input_shape": [widths[0]],
               "output_shape": [widths[0]]}]
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append({"name": f"fc{k}", "type": "Dense", "input_shape": [a], "output_shape": [b],
                       "parameters": a * b + b, "reuse_factor": rf,
                       "precision": {"weight": "ap_fixed<8,1>", "result": "ap_fixed<16,6>"}})
    return {"name": name, "strategy": "resource", "io_type": "io_parallel",
            "clock_period_ns": 5.0, "part": "xcu250-figd2104-2L-e", "layers": layers}


def run(out) -> dict:
    import surrogates

    est = surrogates.load()
    designs = [_mlp([64, 32, 32, 16], 128, "mlp-64-32-32-16-rf128"),
               _mlp([64, 32, 32, 16], 1024, "mlp-64-32-32-16-rf1024"),
               _mlp([16, 64, 64, 64, 64, 64, 5], 32, "deep-7-rf32")]
    df = est.predict(designs)
    out(f"model {est.name} ({est.n_parameters():,} parameters), labels "
        f"{sorted(set(est.label_provenance().values()))}, trained on "
        f"{est.info.get('n_train', '?')} designs")
    rows = []
    for r in df.to_dict(orient="records"):
        out(f"  {r['name']:24s} LUT {r['lut']:9.0f} [{r['lut_low']:.0f}, {r['lut_high']:.0f}]  "
            f"DSP {r['dsp']:6.0f}  latency {r['latency_cycles']:7.0f} cycles  "
            f"II {r['ii_cycles']:6.0f}  {'OUT OF RANGE' if r['out_of_range'] else 'in range'}")
        rows.append({k: r[k] for k in ("name", "lut", "ff", "dsp", "bram", "latency_cycles",
                                        "ii_cycles", "out_of_range")})
    val = est.info.get("val", {})
    out("  validation R^2 of this checkpoint: " +
        ", ".join(f"{t} {m['r2']:.2f}" for t, m in val.items()))
    return {"model": est.name, "predictions": rows,
            "val_r2": {t: m["r2"] for t, m in val.items()}}
