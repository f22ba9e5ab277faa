"""Dataset rows as fpga Designs/Records through fpga.read_records, splits, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fpga
from fpga.openflow import OpenFlowError, store
from fpga.openflow.dataset import split_masks, summarize, to_design, to_record
from fpga.openflow.space import default_space


def _row(i, status="ok", widths=(8, 16, 4)):
    r = {"design_id": f"id{i:04d}", "index": i, "status": status, "stage": "done" if status == "ok" else "trace",
         "reason": "" if status == "ok" else "OpenFlowError: boom", "widths": list(widths),
         "architecture": "-".join(map(str, widths)), "n_layers": len(widths) - 1,
         "input_bits": 8, "input_int_bits": 3, "weight_bits": 6, "weight_frac_bits": 5,
         "act_bits": 7, "act_int_bits": 2, "sparsity": 0.25, "bias": True, "mode": "pipelined",
         "latency_cutoff": 4.0, "seed": 5, "family": "xc7", "yosys_version": "Yosys 0.23",
         "da4ml_cost": 100.0 + i, "wall_s": 3.0}
    if status == "ok":
        r.update(lut=120 + i, ff=40, carry=30, dsp=0, bram=0.0, latency_cycles=3, ii_cycles=1,
                 cells='{"LUT2": 120, "FDRE": 40, "CARRY4": 30}')
    return r


def test_to_design_is_hls4ml_style():
    d = to_design(_row(1))
    assert d.strategy == "distributed_arithmetic" and d.io_type == "io_parallel"
    assert [l.type for l in d.layers] == ["Input", "Dense", "Dense"]
    assert d.layers[1].parameters == 8 * 16 + 16 and d.layers[1].activation == "relu"
    assert d.layers[2].activation == "linear"
    p = d.layers[1].precision
    assert p.weight.to_str() == "ap_fixed<6,1>" and p.result.to_str() == "ap_ufixed<7,2>"
    assert d.layers[0].precision.result.to_str() == "ap_fixed<8,4>"


def test_layer_sparsity_is_the_share_of_zero_weights_rebuilt_from_the_seed():
    """Each dense layer carries its own share of zero weights (the mask probability 0.25 plus
    the uniform draw's own zeros, 1/64 at 6 bits, plus chance), computed from the weights the
    seed rebuilds; a digest that does not match, or a user's model, falls back to the row's
    sparsity."""
    from fpga.openflow import NetworkSpec
    from fpga.openflow.flow import spec_columns

    spec = NetworkSpec(widths=(8, 16, 4), input_bits=8, input_int_bits=3, weight_bits=6,
                       weight_frac_bits=5, act_bits=7, act_int_bits=2, sparsity=0.25, bias=True,
                       mode="pipelined", latency_cutoff=4, seed=5)
    row = dict(_row(1), **spec_columns(spec), weight_digest=spec.weight_digest())
    ws, _ = spec.integer_weights()
    want = [float(np.mean(w == 0)) for w in ws]
    got = [l.attrs["sparsity"] for l in to_design(row).layers[1:]]
    assert got == want and want[0] != want[1] and all(w > 0.25 for w in want)
    for bad in ({"weight_digest": "0" * 16}, {"user_weights": True}):
        fallback = [l.attrs["sparsity"] for l in to_design(dict(row, **bad)).layers[1:]]
        assert fallback == [0.25, 0.25]


def test_layers_carry_the_input_width_their_weights_really_see():
    """``value_bits`` of each dense layer: the interval-analysis width of its inputs, averaged
    over its nonzero weights (from the rebuilt weights); absent when they cannot be rebuilt."""
    from fpga.openflow import NetworkSpec
    from fpga.openflow.flow import spec_columns

    spec = NetworkSpec(widths=(8, 16, 16, 4), input_bits=8, input_int_bits=3, weight_bits=3,
                       weight_frac_bits=5, act_bits=8, act_int_bits=4, sparsity=0.5, bias=False,
                       mode="combinational", seed=2)
    row = dict(_row(1), **spec_columns(spec), weight_digest=spec.weight_digest())
    got = [l.attrs["value_bits"] for l in to_design(row).layers[1:]]
    assert got == spec.effective_input_bits()
    assert got[0] == 8.0 and 0 < got[1] < 8  # small weights: hidden values stay narrow
    assert all("value_bits" not in l.attrs
               for l in to_design(dict(row, weight_digest="0" * 16)).layers[1:])


def test_to_record_labels_and_meta():
    rec = to_record(_row(2))
    assert rec.labels["lut"] == 122 and rec.labels["latency_cycles"] == 3
    assert set(rec.provenance.values()) == {"open_synthesis"}
    assert "carry" not in rec.labels and rec.meta["carry"] == 30  # not an fpga target
    assert "da4ml_cost" not in rec.labels and rec.meta["da4ml_cost"] == 102.0
    with pytest.raises(OpenFlowError, match="failed at 'trace'"):
        to_record(_row(3, "failed"))


def test_read_records_reads_an_openflow_folder(tmp_path):
    (tmp_path / store.SPACE).write_text(default_space().to_yaml())
    for i in range(3):
        store.append_journal(tmp_path, _row(i))
    store.flush_shard(tmp_path)
    store.append_journal(tmp_path, _row(3, "failed"))
    store.append_journal(tmp_path, _row(4))
    reader = fpga.read_records(tmp_path)
    recs = list(reader)
    assert sorted(r.meta["design_id"] for r in recs) == ["id0000", "id0001", "id0002", "id0004"]
    assert reader.summary()["by_source"] == {"openflow": 4}
    assert reader.skipped.total == 1 and "trace" in next(iter(reader.skipped.counts))
    # a shard alone, named explicitly
    assert len(list(fpga.read_records(store.shard_paths(tmp_path)[0], source="openflow"))) == 3


def _frame(n=300):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        depth = int(rng.integers(1, 7))
        widths = tuple(int(w) for w in rng.choice([8, 16, 32], size=depth + 1))
        rows.append(_row(i, widths=widths))
    return pd.DataFrame(rows)


def test_splits_are_disjoint_and_respect_their_rule():
    df = _frame()
    for kind in ("random", "architecture", "depth"):
        m = split_masks(df, kind, seed=1)
        total = m["train"].astype(int) + m["val"].astype(int) + m["test"].astype(int)
        assert (total == 1).all(), kind
        assert m["train"].sum() > 0 and m["test"].sum() > 0
    m = split_masks(df, "depth")
    assert (df.loc[m["test"], "n_layers"] >= 4).all() and (df.loc[~m["test"], "n_layers"] <= 3).all()
    m = split_masks(df, "architecture", seed=1)
    assert not set(df.loc[m["test"], "architecture"]) & set(df.loc[m["train"] | m["val"], "architecture"])
    m = split_masks(df, "random", seed=1, test_frac=0.2)
    assert 0.1 < m["test"].mean() < 0.3
    # membership is per design: growing the frame keeps old rows where they were
    grown = split_masks(_frame(400), "random", seed=1)
    assert (grown["test"][:300] == m["test"]).all()
    with pytest.raises(OpenFlowError, match="split kind"):
        split_masks(df, "by_part")


def test_summarize_counts(tmp_path):
    for i in range(4):
        store.append_journal(tmp_path, _row(i))
    store.append_journal(tmp_path, _row(9, "failed"))
    s = summarize(tmp_path)
    assert (s["n_ok"], s["n_failed"], s["failed_by_stage"]) == (4, 1, {"trace": 1})
    assert {l["label"] for l in s["labels"]} >= {"lut", "ff", "carry", "da4ml_cost"}


def test_da4ml_baseline_fits_on_train_only():
    from fpga.openflow.dataset import da4ml_baseline, smape_pct

    df = _frame(200)
    # lut = 1.25 * cost exactly on every row -> factor 1.25, perfect test metrics
    df["da4ml_cost"] = np.arange(200, dtype=float) + 10
    df["lut"] = 1.25 * df["da4ml_cost"]
    b = da4ml_baseline(df, "depth")
    assert b["factor"] == pytest.approx(1.25) and b["r2_test"] == pytest.approx(1.0)
    assert b["smape_test_pct"] == pytest.approx(0.0, abs=1e-9)
    # corrupt only test rows: the fitted factor must not move
    m = split_masks(df, "depth")
    df.loc[m["test"], "lut"] *= 3
    assert da4ml_baseline(df, "depth")["factor"] == pytest.approx(1.25)
    # SMAPE by hand: y=10, yhat=5 -> 200 * 5 / 16 = 62.5
    assert smape_pct([10], [5]) == pytest.approx(62.5)


def test_summary_markdown_reports_counts_and_baseline(tmp_path):
    from fpga.openflow.dataset import summary_markdown

    df = _frame(60)
    df["da4ml_cost"] = np.arange(60, dtype=float) + 10
    df["lut"] = 2 * df["da4ml_cost"]
    for row in df.to_dict(orient="records"):
        store.append_journal(tmp_path, row)
    store.append_journal(tmp_path, _row(999, "failed"))
    md = summary_markdown(tmp_path)
    assert "synthesized (`ok`) **60**, failed 1" in md
    assert "| `lut` | 20 |" in md  # min of 2 * (0 + 10)
    assert "| depth | `lut` ~ `da4ml_cost` | 2 |" in md


def test_a_users_spec_dict_uses_its_explicit_weights():
    """``NetworkSpec.to_dict()`` of a user's model carries its weights: the layers get their
    real zero share and input widths (not the dense default); weights that do not fit the
    widths are an error naming the design, not a silent fallback."""
    from fpga.openflow import NetworkSpec

    spec = NetworkSpec(widths=(2, 3, 1), weight_bits=4, act_bits=4, act_int_bits=2,
                       weights=(((1, 0, 4), (0, 0, -4)), ((1,), (1,), (0,))))
    d = to_design(dict(spec.to_dict(), design_id="mine"))
    assert [l.attrs["sparsity"] for l in d.layers[1:]] == [0.5, 1 / 3]
    assert [l.attrs["value_bits"] for l in d.layers[1:]] == spec.effective_input_bits()
    bad = dict(spec.to_dict(), design_id="mine", weights=[[[1, 0]], [[1]]])
    with pytest.raises(OpenFlowError, match="design mine: its explicit weights"):
        to_design(bad)
