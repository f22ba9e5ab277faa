"""The prediction API and CLI with the shipped default checkpoint."""

import json

import numpy as np
import pytest

import surrogates
from fusebound.cli import main
from surrogates.errors import SurrogateError

TARGETS = ("lut", "ff", "dsp", "bram", "latency_cycles", "ii_cycles")


def _mlp(widths, rf=64, name="mlp", part="xcu250-figd2104-2L-e"):
    """A dense design shaped like the wa-hls4ml 3-layer records (``rf``: one or per layer)."""
    rfs = rf if isinstance(rf, (list, tuple)) else [rf] * (len(widths) - 1)
    layers = [{"name": "in", "type": "Input", "input_shape": [widths[0]],
               "output_shape": [widths[0]], "precision": {"result": "ap_fixed<16,6>"}}]
    for k, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append({"name": f"fc{k}", "type": "Dense", "input_shape": [a], "output_shape": [b],
                       "parameters": a * b + b, "reuse_factor": rfs[k],
                       "precision": {"weight": "ap_fixed<8,1>", "bias": "ap_fixed<8,1>",
                                     "result": "ap_fixed<16,6>", "accum": "ap_fixed<16,6>"}})
    return {"name": name, "strategy": "resource", "io_type": "io_parallel",
            "clock_period_ns": 5.0, "part": part, "layers": layers}


@pytest.fixture(scope="module")
def est():
    return surrogates.load()


def test_default_checkpoint_is_small_and_documented():
    path = surrogates.DEFAULT_CHECKPOINT
    assert path.is_file() and path.stat().st_size < 5e6
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["val"]["lut"]["n"] > 0 and "coverage" in card["val"]["lut"]


def test_predict_dataframe(est):
    # the per-layer reuse factors of two real 3-layer records (dense_104_48_104_104_4b at
    # requested RF 1024 and 2047; their HLS latencies are 2,920 and 6,872 cycles)
    df = est.predict([_mlp([104, 48, 104, 104], rf=[832, 1248, 832], name="a"),
                      _mlp([104, 48, 104, 104], rf=[1664, 2496, 2704], name="b")])
    assert not df["out_of_range"].any()
    for t in TARGETS:
        assert (df[f"{t}_low"] <= df[t]).all() and (df[t] <= df[f"{t}_high"]).all()
    assert np.isfinite(df["lut_util_pct"]).all()
    # utilization = value / capacity of the U250 (1,728,000 LUTs, fpga.parts)
    assert df["lut_util_pct"].iloc[0] == pytest.approx(100 * df["lut"].iloc[0] / 1_728_000)
    # a larger reuse factor serializes the multipliers: more cycles of latency
    assert df["latency_cycles"].iloc[1] > 1.5 * df["latency_cycles"].iloc[0]


def test_out_of_range_designs_are_flagged(est):
    far = _mlp([64, 32], part="xc7z020clg400-1", name="far")
    far["layers"][1]["reuse_factor"] = 100000
    df = est.predict([_mlp([64, 32, 32, 16]), far])
    assert not df["out_of_range"].iloc[0]
    assert df["out_of_range"].iloc[1]
    assert "reuse_factor" in df["ood_reasons"].iloc[1]


def test_pruned_design_is_flagged_by_a_checkpoint_that_saw_only_dense_ones(est):
    """The shipped checkpoint saw no zero weights; a pruned design is out of its range, and a
    range recorded before sparsity was checked still works for everything else."""
    from surrogates.models.base import out_of_range
    from surrogates.predict import to_packed
    pruned = _mlp([64, 32, 32, 16], name="pruned")
    pruned["layers"][2]["attrs"] = {"sparsity": 0.6}
    df = est.predict([_mlp([64, 32, 32, 16]), pruned])
    assert list(df["out_of_range"]) == [False, True]
    assert "weight_sparsity unseen in training: 0..0.6 outside 0..0" in df["ood_reasons"].iloc[1]
    old = dict(est.train_range, ranges={k: v for k, v in est.train_range["ranges"].items()
                                         if k != "weight_sparsity"})
    assert out_of_range(to_packed([pruned]), old) == [""]


def test_unseen_number_of_compute_layers_is_flagged():
    """Depths never seen in training are flagged with the depths that were; a range recorded
    by an older checkpoint (no ``depths``) still works and checks the rest."""
    from surrogates.models.base import out_of_range, training_range
    from surrogates.predict import to_packed
    rng = training_range(to_packed([_mlp([64, 32, 32, 16]), _mlp([64, 32])]))
    assert rng["depths"] == [1, 3]
    reasons = out_of_range(to_packed([_mlp([64, 32, 16]), _mlp([64, 32, 32, 16])]), rng)
    assert reasons[0] == "depth unseen in training: 2 compute layers (seen: 1, 3)"
    assert reasons[1] == ""
    old = {k: v for k, v in rng.items() if k != "depths"}
    assert out_of_range(to_packed([_mlp([64, 32, 16])]), old) == [""]


def test_part_override(est):
    df = est.predict(_mlp([64, 32, 32, 16]), part="xczu9eg")
    assert df["part"].iloc[0] == "xczu9eg"
    assert df["dsp_util_pct"].iloc[0] == pytest.approx(100 * df["dsp"].iloc[0] / 2520)


def test_cli_predict_json(tmp_path, capsys, hls_root):
    f = tmp_path / "d.json"
    f.write_text(json.dumps(_mlp([32, 16, 8])))
    rec = hls_root / "wa_hls4ml/fixtures/test_2layer_merged.json"
    assert main(["predict", str(f), str(rec), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 1 + 4
    for d in out:
        for t in TARGETS:
            assert set(d[t]) >= {"value", "low", "high"}
            assert d[t]["low"] <= d[t]["value"] <= d[t]["high"]
        assert isinstance(d["out_of_range"], bool)


def test_cli_predict_errors(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["predict", str(bad)]) == 2
    assert "must be JSON" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "missing.json")]) == 2
    with pytest.raises(SurrogateError, match="checkpoint"):
        surrogates.load(tmp_path / "none.pt")


def test_cli_train_and_data(tmp_path, capsys, hls_root):
    csv = str(hls_root / "wa_hls4ml/csv_exports")
    assert main(["train", "--model", "gbt", "--data", "wa-hls4ml-csv", "--path", csv,
                 "--limit", "400", "--out", str(tmp_path / "run"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["split"]["name"] == "grouped" and res["seed"] == 0
    assert (tmp_path / "run" / "model.pt").is_file()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["model"] == "gbt"
    assert main(["data", "cache", "wa-hls4ml", "--path",
                 str(hls_root / "wa_hls4ml/fixtures"), "--out", str(tmp_path / "c.h5"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["designs"] == 11
    assert main(["train", "--model", "nope", "--data", str(tmp_path / "c.h5")]) == 2
    assert "model must be one of" in capsys.readouterr().err


def test_cli_train_on_the_openflow_dataset(tmp_path, capsys):
    """``--data openflow`` trains on the project's own open-synthesis labels; the targets this
    flow never varies (DSP 0, BRAM 0, II 1) are left out with a note; asking for HLS labels
    names the provenance the data has."""
    from pathlib import Path
    of = str(Path(__file__).resolve().parents[2] / "datasets" / "openflow")
    assert main(["train", "--model", "gbt", "--data", "openflow", "--path", of,
                 "--limit", "300", "--out", str(tmp_path / "of"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["label_source"] == "open_synthesis"
    assert set(res["val"]) == {"lut", "ff", "latency_cycles"}
    assert any(n.startswith("dsp: not trained (every label is 0)") for n in res["target_notes"])
    est = surrogates.load(tmp_path / "of" / "model.pt")
    assert est.targets == ("lut", "ff", "latency_cycles") and est.provenance == "open_synthesis"
    assert main(["train", "--model", "gbt", "--data", "openflow", "--path", of, "--limit", "50",
                 "--label-source", "hls_estimate"]) == 2
    assert "the data has 'open_synthesis' labels" in capsys.readouterr().err
    assert main(["train", "--data", "openflow", "--path", str(tmp_path / "none")]) == 2
    assert "open-flow dataset must exist" in capsys.readouterr().err


@pytest.mark.slow
def test_predict_pytorch_model_through_hls4ml(est, tmp_path):
    pytest.importorskip("hls4ml", reason="hls4ml not installed (the hls4ml extra)")
    import hls4ml
    import torch
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 5))
    cfg = hls4ml.utils.config_from_pytorch_model(model, input_shape=(16,), granularity="name",
                                                 backend="Vivado", default_reuse_factor=16)
    from surrogates.predict import design_from_pytorch
    d = design_from_pytorch(model, cfg, output_dir=tmp_path / "prj")
    assert [l.type for l in d.layers][:2] == ["Input", "Dense"]
    df = est.predict((model, cfg))
    assert len(df) == 1 and df["lut"].iloc[0] > 0


def test_cli_data_info_and_split(capsys, hls_root):
    fixtures = str(hls_root / "wa_hls4ml/fixtures")
    assert main(["data", "info", "wa-hls4ml", "--path", fixtures, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["designs"] == 11 and info["skipped"]["total"] == 2
    assert main(["data", "split", "wa-hls4ml", "--path", fixtures, "--split", "grouped",
                 "--json"]) == 0
    sp = json.loads(capsys.readouterr().out)
    assert sum(sp["sizes"].values()) == 11 and sp["seed"] == 0
    assert main(["data", "split", "wa-hls4ml", "--path", fixtures, "--split", "nope"]) == 2
    assert "split must be one of" in capsys.readouterr().err


def test_train_applies_a_step_budget():
    """``min_steps`` raises the epochs (and patience) to that many optimizer steps on the
    training split, as the leaderboard does."""
    from pathlib import Path

    from surrogates.train import train
    of = Path(__file__).resolve().parents[2] / "datasets" / "openflow"
    res = train("gnn", "openflow", path=of, limit=120, hidden=8, layers=1, max_epochs=1,
                patience=1, batch_size=64, min_steps=10, progress=False, evaluate_test=False)
    n = res["split"]["sizes"]["train"]
    per_epoch = -(-n // 64)
    assert res["config"]["max_epochs"] == -(-10 // per_epoch) > 1
    assert res["config"]["patience"] == res["config"]["max_epochs"]
    assert "min_steps" not in res["config"]
