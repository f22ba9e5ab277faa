"""``fusebound cascade``: exit codes, tables and JSON, end to end through ``main``."""

import json

import pytest

from einsum_cascade import library, parse
from fusebound.cli import main


def _run(capsys, *argv):
    code = main(["cascade", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_show_prints_notation_that_parses(capsys):
    code, out, _ = _run(capsys, "show", "attention-1pass", "--size", "M=512")
    assert code == 0
    assert parse(out) == library.get("attention-1pass", M=512)


def test_show_json_and_file_round_trip(capsys, tmp_path):
    code, out, _ = _run(capsys, "show", "gemm", "--json", "--size", "M=4")
    assert code == 0
    path = tmp_path / "g.json"
    path.write_text(out)
    code, out2, _ = _run(capsys, "show", str(path))
    assert code == 0 and parse(out2) == library.get("gemm", M=4)
    src = tmp_path / "chain.ec"
    src.write_text("ranks N=3\nY[n] = exp(X[n])\nZ[n] = Y[n] * X[n]\n")
    code, out, _ = _run(capsys, "run", str(src), "--json")
    assert code == 0 and json.loads(out)["outputs"][0]["shape"] == "3"


def test_check_json(capsys):
    code, out, _ = _run(capsys, "check", "attention-3pass", "--json")
    d = json.loads(out)
    assert code == 0 and d["valid"] and d["outputs"] == ["AV"] and "M" in d["symbolic_ranks"]


def test_analyze_table_and_json(capsys):
    code, out, _ = _run(capsys, "analyze", "attention-2pass", "--size", "M=256")
    assert code == 0 and "passes" in out and "capacity_words" in out
    code, out, _ = _run(capsys, "analyze", "attention-2pass", "--size", "M=256", "--json")
    d = json.loads(out)
    assert code == 0 and d["passes"]["M"] == 2 and d["sizes"]["M"] == 256


def test_run_with_boolean_option(capsys):
    code, out, _ = _run(capsys, "run", "transformer-layer", "--opt", "norm=true", "--json")
    assert code == 0 and json.loads(out)["ok"]


def test_run_checks_the_reference(capsys):
    code, out, _ = _run(capsys, "run", "conv2d", "--opt", "stride=2", "--opt", "padding=1",
                        "--json")
    d = json.loads(out)
    assert code == 0 and d["ok"] and d["outputs"][0]["rel_error"] < 1e-9


@pytest.mark.parametrize("argv, message", [
    (["show", "no-such"], "neither a library cascade"),
    (["analyze", "attention-1pass", "--size", "M=500"], "must divide M=500"),
    (["analyze", "gemm", "--size", "M"], "--size expects KEY=VALUE"),
    (["analyze", "gemm", "--size", "M=x"], "expects an integer"),
    (["run", "gemm", "--size", "Q=3"], "unknown rank"),
    (["check", "gemm", "--opt", "stride=2"], "unknown option"),
])
def test_bad_input_exits_2_with_a_message(capsys, argv, message):
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and message in err


def test_parse_error_in_file_shows_caret(capsys, tmp_path):
    src = tmp_path / "bad.ec"
    src.write_text("ranks M\nZ[m] = A[m] +* B[m]\n")
    code, _, err = _run(capsys, "check", str(src))
    assert code == 2 and "line 2, column 14" in err and "^" in err


def test_yaml_file_with_sizes(capsys, tmp_path):
    path = tmp_path / "att.yaml"
    path.write_text(library.get("attention-2pass").to_yaml())
    code, out, _ = _run(capsys, "analyze", str(path), "--size", "B=1", "--size", "H=1",
                        "--size", "P=4", "--size", "M=8", "--size", "E=2", "--size", "F=2",
                        "--json")
    assert code == 0 and json.loads(out)["passes"]["M"] == 2
    code, _, err = _run(capsys, "analyze", str(path))
    assert code == 2 and "is undefined" in err
