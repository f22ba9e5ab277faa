"""`fusebound query` / `fusebound fusemax` end to end, and properties of the reproduction."""

import json

import pytest

from dse.fusemax import reproduce
from fusebound.cli import main

ROW_KEYS = {"model", "seq_len", "config", "scope", "latency_s", "energy_pJ", "traffic_bytes",
            "util_2d", "util_1d"}


def test_query_cli_json(capsys):
    code = main(["query", "attention-1pass", "--arch", "fusemax", "--mapping", "fusemax",
                 "--model", "bert", "--seq", "4096", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sizes"]["P"] == 4096 and out["sizes"]["H"] == 12
    assert out["latency_s"] > 0 and out["energy_pJ"] > 0 and 0 < out["utilization"]["2d"] <= 1
    assert out["explain"]["bottleneck"].startswith("array ")
    assert {e["einsum"] for e in out["einsums"]} >= {"QK", "SLNV", "RNV"}


def test_query_cli_table_and_sizes(capsys):
    assert main(["query", "gemm", "--mapping", "gemm", "-s", "M=512", "-s", "K=256",
                 "-s", "N=256"]) == 0
    out = capsys.readouterr().out
    assert "bottleneck:" in out and "Z" in out


@pytest.mark.parametrize("argv,msg", [
    (["query", "nope"], "unknown workload 'nope'"),
    (["query", "attention-1pass", "--arch", "flat", "--model", "bert", "--seq", "1024"],
     "cannot execute op 'max'"),
    (["query", "gemm", "--mapping", "gemm", "-s", "M=x"], "size of rank M must be an integer"),
    (["query", "gemm", "--mapping", "gemm", "-s", "M"], "--size must look like RANK=N"),
    (["query", "attention-1pass", "--mapping", "missing.yaml"], "cannot read mapping file"),
    (["fusemax", "--models", "gpt9"], "unknown workload 'gpt9'"),
    (["fusemax", "--seq", "0"], "sequence lengths must be positive"),
])
def test_cli_errors_exit_2(argv, msg, capsys):
    assert main(argv) == 2
    assert msg in capsys.readouterr().err


def test_fusemax_cli_json_and_out(tmp_path, capsys):
    code = main(["fusemax", "--json", "--models", "t5", "--seq", "1024", "65536",
                 "--out", str(tmp_path)])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list) and len(rows) == 1 * 2 * 5 * 2
    for r in rows:
        assert ROW_KEYS <= set(r)
        assert r["model"] == "t5" and isinstance(r["seq_len"], int)
        assert r["config"] in {"unfused", "flat", "cascade", "architecture", "fusemax"}
        assert r["scope"] in {"attention", "end_to_end"}
    for name in ("fusemax.csv", "means.csv", "utilization.png", "speedup_energy_attention.png",
                 "speedup_energy_end_to_end.png", "pareto_area_latency_256k.png", "pareto_256k.csv"):
        assert (tmp_path / name).stat().st_size > 0, name


def test_reproduction_properties():
    rep = reproduce(models=["bert", "xlm"], seq_lens=[1024, 262144], pareto=False)
    assert len(rep.rows) == 2 * 2 * 5 * 2
    by = {(r["model"], r["seq_len"], r["config"], r["scope"]): r for r in rep.rows}
    for (model, n, c, scope), r in by.items():
        if c != "fusemax":
            continue
        # FuseMax is faster than FLAT and Unfused and uses less energy, at every point
        assert r["speedup_vs_flat"] > 1 and r["speedup_vs_unfused"] > 1
        assert r["energy_vs_flat"] < 1 and r["energy_vs_unfused"] < 1
        # the overlapped binding is what beats +Architecture
        assert r["latency_s"] < by[(model, n, "architecture", scope)]["latency_s"]
        # end-to-end adds GEMMs that FuseMax does not speed up: smaller gains
        if scope == "end_to_end":
            assert r["speedup_vs_flat"] <= by[(model, n, c, "attention")]["speedup_vs_flat"]
    assert set(rep.means) == {"attention", "end_to_end"}
    assert rep.activity and all(0 <= a["activity"] <= 1 for a in rep.activity)
