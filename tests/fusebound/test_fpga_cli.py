"""End-to-end checks of ``fusebound fpga ...`` (exit codes, JSON)."""

from __future__ import annotations

import json

import fpga
from fusebound.cli import main


def _design_file(tmp_path, suffix=".yaml"):
    p = fpga.Precision(16, 6)
    d = fpga.Design.chain(
        [fpga.Layer("in", "Input", (16,), (16,)),
         fpga.Layer("fc", "Dense", (16,), (32,), parameters=544, reuse_factor=4,
                    precision=fpga.LayerPrecision(weight=p, bias=p, result=p, accum=p))],
        strategy="resource", part="xcu250-figd2104-2L-e", name="cli_mlp")
    path = tmp_path / f"design{suffix}"
    d.save(path)
    return path


def test_estimate_json(tmp_path, capsys):
    path = _design_file(tmp_path)
    assert main(["fpga", "estimate", str(path), "--part", "xcu250", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    direct = fpga.estimate(fpga.Design.load(path), part="xcu250")
    assert out["design"] == "cli_mlp" and out["dsp"] == direct.dsp
    assert round(out["dsp"]) == 128  # 16*32/4 multipliers, one DSP each
    assert out["latency_ns"] == out["latency_cycles"] * 5.0 and out["fits"] is True
    assert set(out["utilization_pct"]) == {"lut", "ff", "dsp", "bram", "uram"}


def test_estimate_table_and_errors(tmp_path, capsys):
    path = _design_file(tmp_path, ".json")
    assert main(["fpga", "estimate", str(path), "--part", "pynq-z2"]) == 0
    assert "latency_ns" in capsys.readouterr().out
    assert main(["fpga", "estimate", str(path), "--part", "nosuchpart"]) == 2
    assert "unknown FPGA part" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [{"name": "a", "type": "Warp"}]}')
    assert main(["fpga", "estimate", str(bad)]) == 2
    assert "not supported" in capsys.readouterr().err


def test_parts_and_reuse(capsys):
    assert main(["fpga", "parts", "--json"]) == 0
    devices = {p["device"] for p in json.loads(capsys.readouterr().out)}
    assert {"xcu250", "xcu200", "xcvu9p", "xcvu13p", "xczu9eg", "xczu7ev", "xc7z020",
            "xc7a100t"} <= devices
    assert main(["fpga", "reuse", "128", "120", "4093", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["used"] == 3840


def test_import(hls4ml_data, capsys):
    assert main(["fpga", "import", str(hls4ml_data / "wa_hls4ml" / "fixtures"), "--json",
                 "--label-source", "hls_estimate"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records"] == 11 and out["skipped"]["total"] == 2
    assert main(["fpga", "import", str(hls4ml_data / "wa_hls4ml" / "fixtures")]) == 0
    assert "13 records" in capsys.readouterr().out
    assert main(["fpga", "import", "/no/such/path"]) == 2


def test_tour_step(monkeypatch, hls4ml_data):
    from fusebound.tour import fpga as step

    monkeypatch.setenv("FUSEBOUND_HLS4ML_DATA", str(hls4ml_data))
    lines = []
    summary = step.run(lines.append)
    assert summary["records"]["count"] == 13 and summary["reuse_check"]["used"] == 3840
    json.dumps(summary)
    monkeypatch.delenv("FUSEBOUND_HLS4ML_DATA")
    monkeypatch.delenv("FUSEBOUND_SHARED", raising=False)
    assert step.run(lines.append)["records"] is None


def test_readme_example_design(capsys):
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "datasets" / "fpga" / "jet_tagger_mlp.yaml"
    assert main(["fpga", "estimate", str(path), "--part", "xcu250", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # Latency strategy, rf 1: one multiplier per weight, 16*64 + 64*32 + 32*32 + 32*5 = 4256,
    # each 8x16 bits -> one DSP; fully pipelined, so II = 1 cycle
    assert out["dsp"] == 4256 and out["ii_cycles"] == 1
