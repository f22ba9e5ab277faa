"""``fusebound map`` and ``fusebound explore`` end to end (exit codes, JSON, files)."""

from __future__ import annotations

import json

from fusebound.cli import main


def test_map_gemm_json(capsys):
    code = main(["map", "gemm", "-s", "M=64", "-s", "N=64", "-s", "K=64", "--arch", "tpu-like",
                 "--budget", "2000", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["evaluated"] == 2000 and out["arch"] == "tpu-like"
    # 64^3 MACs on 32x32 PEs take at least 256 cycles at 1 GHz
    assert out["latency_s"] >= 256e-9
    assert out["best"]["mapping"]["bindings"][0]["array"] == "2d"
    assert out["front"]


def test_map_cascade_table(capsys):
    code = main(["map", "attention-1pass", "--model", "t5", "--seq", "1024", "--budget", "15"])
    assert code == 0
    assert "best mapping: chunk M0=" in capsys.readouterr().out


def test_map_bad_input_exit_2(capsys):
    assert main(["map", "gemm", "-s", "M=64"]) == 2
    assert "missing" in capsys.readouterr().err
    assert main(["map", "gemm", "-s", "M=8", "-s", "N=8", "-s", "K=8", "--budget", "0"]) == 2
    assert "budget" in capsys.readouterr().err
    assert main(["map", "gemm", "-s", "M=8", "-s", "N=8", "-s", "K=8", "--arch", "nope"]) == 2
    assert "unknown architecture" in capsys.readouterr().err


def test_explore_cli(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("workload: {einsum: gemm, M: 128, N: 128, K: 128}\n"
                    "arch_space: {base: fusemax, array_2d: [16, 32]}\n"
                    "search: {budget: 1000}\n")
    out = tmp_path / "out"
    assert main(["explore", str(spec), "--out", str(out), "--executor", "serial",
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and (out / "pareto_area_latency.png").exists()
    assert main(["explore", str(spec), "--out", str(out), "--executor", "ray",
                 "--address", "ray://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "unreachable" in err or "needs Ray" in err  # Ray absent: install hint
