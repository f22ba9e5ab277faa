"""Tour step: predict resources, latency and II of hls4ml designs with the shipped surrogate."""

from __future__ import annotations

TITLE = "surrogates: predict LUT/FF/DSP/BRAM, latency and II of hls4ml designs (shipped GNN)"


#: (widths, per-layer reuse factors, weight bits, HLS labels LUT / latency cycles) of two real
#: wa-hls4ml 3-layer records (dense_104_48_104_104_4b at requested RF 1024 and 2047; CSV
#: export 3layer.csv) - shown beside the predictions for comparison.
REAL = [([104, 48, 104, 104], [832, 1248, 832], 4, 32468, 2920),
        ([104, 48, 104, 104], [1664, 2496, 2704], 4, 30996, 6872)]


def _mlp(widths, rfs, bits, name):
    layers = [{"name": "in", "type": "Input", "input_shape": [widths[0]],
               "output_shape": [widths[0]], "precision": {"result": "ap_fixed<16,6>"}}]
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append({"name": f"fc{k}", "type": "Dense", "input_shape": [a], "output_shape": [b],
                       "parameters": a * b + b, "reuse_factor": rfs[k],
                       "precision": {"weight": f"ap_fixed<{bits},1>",
                                     "bias": f"ap_fixed<{bits},1>",
                                     "result": "ap_fixed<16,6>", "accum": "ap_fixed<16,6>"}})
    return {"name": name, "strategy": "resource", "io_type": "io_parallel",
            "clock_period_ns": 5.0, "part": "xcu250-figd2104-2L-e", "layers": layers}


def run(out) -> dict:
    import surrogates

    est = surrogates.load()
    designs = [_mlp(w, rf, b, f"dense_{'_'.join(map(str, w))}_{b}b_rf{rf[0]}")
               for w, rf, b, _, _ in REAL]
    designs.append(_mlp([104, 48, 104, 104, 104, 104], [832, 1248, 1248, 1248, 832], 4,
                        "deeper_5_dense_rf832"))
    df = est.predict(designs)
    out(f"model {est.name} ({est.n_parameters():,} parameters), labels "
        f"{sorted(set(est.label_provenance().values()))}, trained on "
        f"{est.info.get('n_train', '?')} designs")
    rows = []
    for i, r in enumerate(df.to_dict(orient="records")):
        real = (f"  (HLS: LUT {REAL[i][3]}, latency {REAL[i][4]})" if i < len(REAL)
                else "  (5 dense layers: training had 1-3, and one 7-layer record)")
        out(f"  {r['name']:30s} LUT {r['lut']:7.0f} [{r['lut_low']:.0f}, {r['lut_high']:.0f}]"
            f"  latency {r['latency_cycles']:6.0f} cycles  II {r['ii_cycles']:6.0f}"
            f"  {'OUT OF RANGE' if r['out_of_range'] else 'in range'}{real}")
        rows.append({k: r[k] for k in ("name", "lut", "ff", "dsp", "bram", "latency_cycles",
                                        "ii_cycles", "out_of_range")})
    val = est.info.get("val", {})
    out("  validation SMAPE of this checkpoint: " +
        ", ".join(f"{t} {m['smape']:.1f}%" for t, m in val.items()) +
        " (R^2 and coverage: surrogates/checkpoints/README.md)")
    return {"model": est.name, "predictions": rows,
            "val_smape_pct": {t: m["smape"] for t, m in val.items()},
            "val_r2": {t: m["r2"] for t, m in val.items()}}
