"""Analytic estimator: hand-derived counts, reuse-factor correction, fitting, coefficients."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fpga
from fpga import Design, DesignError, Layer, LayerPrecision, Precision
from fpga.estimator import (ANALYTIC_COEFFICIENTS, COEFFICIENTS_FILE, FEATURES, bram18_for,
                            design_features, estimate, fit_coefficients)


def test_bram18_for():
    assert bram18_for(8, 3840) == 2      # depth <= 4096 -> 4 bits wide per BRAM18
    assert bram18_for(36, 512) == 1      # 36 x 512 aspect ratio
    assert bram18_for(37, 512) == 2
    assert bram18_for(1, 20000) == 2     # deeper than 16K words
    assert bram18_for(0, 10) == 0


def _dense(w_bits=16, rf=4, strategy="resource", n_in=16, n_out=32):
    p = Precision(16, 6)
    prec = LayerPrecision(weight=Precision(w_bits, 2), bias=p, result=p, accum=p)
    return Design.chain([Layer("in", "Input", (n_in,), (n_in,), precision=LayerPrecision(result=p)),
                         Layer("fc", "Dense", (n_in,), (n_out,), parameters=n_in * n_out + n_out,
                               precision=prec, reuse_factor=rf)],
                        strategy=strategy, part="xcu250-figd2104-2L-e")


def test_hand_derived_counts():
    # 16x32 dense, rf 4: 512/4 = 128 multipliers; 16x16-bit products fit one DSP48E2 (27x18)
    est = estimate(_dense(), coefficients=ANALYTIC_COEFFICIENTS)
    assert est.dsp == 128
    # weights in BRAM: width 128 mults x 16 bits = 2048 bits, depth 4 -> 36-bit BRAM18s:
    # ceil(2048/36) = 57 BRAM18 = 28.5 BRAM36
    assert est.bram == 28.5
    # latency: rf 4 + adder tree ceil(log2 16)+1 = 5, + 1 layer + constant 2 -> 12 cycles
    assert est.latency_cycles == 12 and est.latency_ns == 60.0 and est.ii_cycles == 4
    # 4-bit weights: multipliers move to LUTs (128 x 4 x 16 bit-products), no DSP
    narrow = design_features(_dense(w_bits=4))
    assert narrow["dsp_mults"] == 0 and narrow["lut_mult_bits"] == 128 * 4 * 16


def test_invalid_reuse_factor_is_corrected_and_reported():
    est = estimate(_dense(rf=5), coefficients=ANALYTIC_COEFFICIENTS)
    assert est.dsp == 128  # hls4ml uses rf 4 for the requested 5 (16x32)
    assert len(est.notes) == 1 and "ReuseFactor=4" in est.notes[0]


def test_part_utilization_and_verdict():
    big = _dense(n_in=64, n_out=64, rf=1, strategy="latency")
    est = estimate(big, part="pynq-z2", coefficients=ANALYTIC_COEFFICIENTS)
    assert est.dsp == 4096 and not est.fits
    assert est.utilization_pct["dsp"] == pytest.approx(100 * 4096 / 220)
    assert estimate(big, part="alveo-u250").fits
    assert estimate(big).part == "xcu250-figd2104-2L-e"
    assert estimate(Design.chain([Layer("in", "Input", (4,), (4,))])).fits is None
    df = est.breakdown()
    assert list(df["layer"]) == ["in", "fc"] and df["dsp"].sum() == est.dsp


def test_bad_inputs(tmp_path):
    with pytest.raises(DesignError, match="fpga.Design"):
        estimate({"layers": []})
    with pytest.raises(DesignError, match="unknown features"):
        estimate(_dense(), coefficients={"lut": {"magic": 1.0}})
    with pytest.raises(DesignError, match="does not exist"):
        estimate(_dense(), coefficients=tmp_path / "none.json")
    with pytest.raises(DesignError, match="unknown FPGA part"):
        estimate(_dense(), part="xc9999")


def _objective(records, coefs, t):
    y = np.array([r.labels[t] for r in records if t in r.labels])
    x = np.array([[design_features(r.design)[k] for k in FEATURES[t]]
                  for r in records if t in r.labels])
    c = np.array([coefs[t][k] for k in FEATURES[t]])
    return float(np.sum(((x @ c - y) / (y + 1)) ** 2))


def test_fit_never_worse_than_analytic_on_training_data(hls4ml_data):
    # NNLS minimises the weighted relative residual over c >= 0, and the analytic coefficients
    # are one such c, so the fitted training objective can only be lower or equal.
    recs = list(fpga.read_records(hls4ml_data / "ntorc" / "dense_resources_collapsed.csv"))[:600]
    fitted = fit_coefficients(recs, targets=["lut", "ff", "dsp"])
    for t in ("lut", "ff", "dsp"):
        assert _objective(recs, fitted["coefficients"], t) <= \
            _objective(recs, ANALYTIC_COEFFICIENTS, t) * (1 + 1e-9)
        assert fitted["n_records"][t] == 600 and fitted["provenance"][t] == ["hls_estimate"]
    assert fitted["coefficients"]["latency_cycles"] == ANALYTIC_COEFFICIENTS["latency_cycles"]


def test_shipped_coefficients_carry_their_config():
    data = json.loads(COEFFICIENTS_FILE.read_text())
    assert set(data["coefficients"]) == set(FEATURES)
    assert data["config"]["seed"] == 0 and "split" in data["config"]
    assert estimate(_dense()).coefficients.startswith("fitted")
