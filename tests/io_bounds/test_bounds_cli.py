import json

import pytest

from fusebound.cli import main


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_gemm_json(capsys):
    r = _json(capsys, ["bounds", "gemm", "--m", "256", "--n", "128", "--k", "64",
                       "--buffer", "2KiB", "--json"])
    assert r["bound"]["fast_memory_words"] == 1024
    assert r["bound"]["bytes"] == 2 * r["bound"]["words"]
    assert r["attainable"]["traffic_words"] >= r["bound"]["words"]


def test_gemm_table(capsys):
    assert main(["bounds", "gemm", "--m", "64", "--n", "64", "--k", "64", "--buffer", "512"]) == 0
    out = capsys.readouterr().out
    assert "smith-matmul" in out and "attainable" in out and "gap" in out


def test_attention_table_and_json(capsys):
    assert main(["bounds", "attention", "--n", "1024", "--d", "64", "--buffer", "16KiB"]) == 0
    out = capsys.readouterr().out
    assert "FlashAttention fa2" in out and "no constant" in out
    r = _json(capsys, ["bounds", "attention", "--n", "1024", "--d", "64", "--buffer", "8192",
                       "--json"])
    assert r["forward"]["rigorous"] is False and r["flash_attention"]["fa1"]["traffic_words"] > 0


def test_curve_json_and_plot(capsys, tmp_path):
    png = tmp_path / "c.png"
    r = _json(capsys, ["bounds", "curve", "attention-1pass", "--size", "B=1", "--size", "H=1",
                       "--size", "P=128", "--size", "M=128", "--size", "E=16", "--size", "F=16",
                       "--buffer", "4096", "--plot", str(png), "--json"])
    assert png.stat().st_size > 1000
    assert "flash_fa2_words" in r["grid"] and r["at_buffers"][0]["buffer_words"] == 4096
    t = [p["traffic_words"] for p in r["curve"]]
    assert t == sorted(t, reverse=True)


def test_curve_table_from_file(capsys, tmp_path):
    f = tmp_path / "chain.ec"
    f.write_text("cascade chain\nranks M, K, N, P\ninput A[M,K], B[K,N], D[N,P]\noutput Z2\n"
                 "Z1[m,n] = A[m,k] * B[k,n]  reduce k with +\n"
                 "Z2[m,p] = Z1[m,n] * D[n,p]  reduce n with +\n")
    assert main(["bounds", "curve", str(f), "--size", "M=32", "--size", "K=16", "--size", "N=8",
                 "--size", "P=4"]) == 0
    assert "two-GEMM chain" in capsys.readouterr().out


@pytest.mark.parametrize("argv,msg", [
    (["bounds", "gemm", "--m", "0", "--n", "2", "--k", "2", "--buffer", "64"], "positive"),
    (["bounds", "gemm", "--m", "2.5", "--n", "2", "--k", "2", "--buffer", "64"], "positive"),
    (["bounds", "gemm", "--m", "2", "--n", "2", "--k", "2", "--buffer", "1B"], "one element"),
    (["bounds", "attention", "--n", "-4", "--d", "2", "--buffer", "64"], "positive"),
    (["bounds", "curve", "gemm", "--size", "M=4", "--size", "N=x", "--size", "K=2"], "N"),
    (["bounds", "curve", "gemm", "--size", "M=4"], "needs sizes"),
    (["bounds", "curve", "nope", "--size", "M=4"], "library"),
])
def test_bad_input_exits_2(capsys, argv, msg):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and msg in err


def test_curve_library_options(capsys):
    r = _json(capsys, ["bounds", "curve", "conv2d", "--size", "N=1", "--size", "C=2",
                       "--size", "H=9", "--size", "W=9", "--size", "K=2", "--size", "R=3",
                       "--size", "S=3", "--opt", "stride=2", "--json"])
    assert r["sizes"]["P"] == 4  # (9 - 3) // 2 + 1
    assert main(["bounds", "curve", "conv2d", "--size", "N=1", "--opt", "strid=2"]) == 2
    assert "unknown option" in capsys.readouterr().err
