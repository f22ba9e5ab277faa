"""``fusebound synth``: end-to-end CLI runs, JSON output and exit codes."""

from __future__ import annotations

import json
import shutil
import importlib.util

import numpy as np
import pytest

from fusebound.cli import main

needs_tools = pytest.mark.skipif(
    shutil.which("yosys") is None or importlib.util.find_spec("da4ml") is None,
    reason="needs yosys (apt-get install yosys) and da4ml (pip install 'fusebound[openflow]')")


@needs_tools
def test_synth_run_npz_model_json(tmp_path, capsys):
    rng = np.random.default_rng(0)
    model = tmp_path / "m.npz"
    np.savez(model, W0=rng.normal(size=(4, 3)), b0=rng.normal(size=3), W1=rng.normal(size=(3, 2)))
    out = tmp_path / "ds"
    code = main(["synth", "run", str(model), "--weight-bits", "3", "--input-bits", "5",
                 "--act-bits", "4", "--act-int-bits", "2", "--out", str(out), "--json"])
    rec = json.loads(capsys.readouterr().out)
    assert code == 0 and rec["status"] == "ok" and rec["architecture"] == "4-3-2"
    assert rec["user_weights"] is True and rec["bias"] is True and rec["lut"] > 0
    assert rec["model_file"] == "m.npz"
    assert (out / "pending.jsonl").read_text().count("\n") == 1
    assert main(["synth", "summary", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_ok"] == 1


def test_synth_errors_exit_2(tmp_path, capsys):
    assert main(["synth", "run", str(tmp_path / "none.pt")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "m.txt"
    bad.write_text("x")
    assert main(["synth", "run", str(bad)]) == 2
    assert "must end in" in capsys.readouterr().err
    space = tmp_path / "s.yaml"
    space.write_text("name: x\nlayers: [0, 3]\n")
    assert main(["synth", "generate", "--space", str(space), "--n", "2", "--out", str(tmp_path / "o")]) == 2
    assert "layers" in capsys.readouterr().err
    assert main(["synth", "summary", str(tmp_path / "empty")]) == 2


def test_synth_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["synth", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    assert "generate" in text and "run" in text and "summary" in text
