"""Leaderboard: real quick runs on a slice of the real data, resume, determinism, failures,
the target check, anchors and outputs."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from surrogates.errors import SurrogateError
from surrogates.leaderboard import JSON_KEYS, run_leaderboard
from surrogates.leaderboard.anchors import (PUBLISHED, PUBLISHED_LABEL, Da4mlFactor,
                                            published_rows, rule4ml_installed)
from surrogates.leaderboard.report import check_targets

MODELS = ["gbt", "mlp", "gnn", "wa-gnn", "wa-transformer", "fpga", "rule4ml"]


@pytest.fixture(scope="module")
def quick(hls_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("lb")
    res = run_leaderboard(data=["wa-hls4ml-csv", "wa-hls4ml"], root=hls_root, quick=True,
                          max_designs=150, models=MODELS, out_dir=out, progress=False)
    return res, out


def test_rows_cover_every_model_split_and_target(quick):
    res, _ = quick
    assert res.rows and all(set(JSON_KEYS) <= set(r) for r in res.json_rows())
    ok = [r for r in res.rows if r["status"] == "ok"]
    for m in ("gbt", "mlp", "gnn", "wa-gnn", "wa-transformer", "fpga"):
        got = {(r["split"], r["target"]) for r in ok if r["model"] == m}
        # 6 targets on the in-distribution test set, and the real wa-hls4ml fixture records
        assert {("in-distribution", t) for t in ("lut", "ff", "dsp", "bram", "latency_cycles",
                                                 "ii_cycles")} <= got, m
        assert any(s == "wa-fixtures" for s, _ in got), m
        # exemplar records carry HLS labels for latency / II only
        assert {t for s, t in got if s == "exemplar"} <= {"latency_cycles", "ii_cycles"}
    for r in ok:
        assert r["n"] >= 1 and r["train_seconds"] is not None
        if r["split"] == r["trained_on"]:
            assert r["throughput_designs_per_s"] > 0
    # learned models with intervals report coverage; the analytic one has none
    assert all(r["coverage"] is not None for r in ok if r["model"] in ("gbt", "gnn"))
    assert all(r["coverage"] is None for r in ok if r["model"] == "fpga")
    assert all(r["n_parameters"] > 0 for r in ok if r["model"] in ("gnn", "wa-gnn"))


def test_rows_are_the_checkpointed_models_scores(quick, hls_root):
    """Recompute one row from its saved checkpoint and the same split: the leaderboard's
    numbers are the model's predictions scored by surrogates.metrics, nothing else."""
    from surrogates import metrics
    from surrogates.leaderboard.datasets import plan_datasets
    from surrogates.models.base import Estimator
    from surrogates.splits import make_split
    res, out = quick
    plan = plan_datasets(["wa-hls4ml-csv"], root=hls_root, quick=True, max_designs=150)[0][0]
    sp = make_split("random", plan.data, seed=0)
    est = Estimator.load(out / "checkpoints" / "wa-hls4ml-csv" / "in-distribution" / "gbt.pt")
    test = plan.data.take(sp.test)
    y = est._labels(test)
    yhat = est.predict_arrays(test)[0]
    row = next(r for r in res.rows if r["model"] == "gbt" and r["split"] == "in-distribution"
               and r["target"] == "lut")
    j = est.targets.index("lut")
    assert row["n"] == len(test)
    assert row["r2"] == pytest.approx(metrics.r2(y[:, j], yhat[:, j]), rel=1e-12)
    assert row["smape"] == pytest.approx(metrics.smape(y[:, j], yhat[:, j]), rel=1e-12)


def test_outputs_written_and_published_rows_kept_apart(quick):
    res, out = quick
    md = (out / "leaderboard.md").read_text()
    assert "## Published numbers (reference only)" in md and PUBLISHED_LABEL in md
    assert "**" in md  # best per column marked
    for f in ("pred_vs_true_wa-hls4ml-csv_in-distribution.png",
              "relerr_box_wa-hls4ml-csv_in-distribution.png"):
        assert (out / "plots" / f).stat().st_size > 1000
    js = json.loads((out / "leaderboard.json").read_text())
    assert {r["model"] for r in js["published"]} == set(PUBLISHED)
    assert all(r["kind"] == PUBLISHED_LABEL for r in js["published"])
    assert not any(r["kind"] == PUBLISHED_LABEL for r in js["rows"])
    csv = (out / "leaderboard.csv").read_text().splitlines()
    assert csv[0].startswith("model,kind,dataset,split")
    assert sum(PUBLISHED_LABEL in line for line in csv) == len(published_rows())
    # our rows are in the targets section, measured
    assert any(c["dataset"] == "wa-hls4ml-csv" and c["split"] == "in-distribution"
               and c["best_model"] for c in res.targets_check)


def test_rule4ml_row_says_why_when_absent(quick):
    res, _ = quick
    r4 = [r for r in res.rows if r["model"] == "rule4ml"]
    assert r4
    if not rule4ml_installed():
        assert all(r["status"] == "skipped" and "rule4ml not installed" in r["error"]
                   for r in r4)


def test_resume_loads_checkpoints_with_identical_rows(quick, hls_root):
    """A rerun into the same folder loads every checkpoint (identical rows); a checkpoint that
    cannot be read is trained again instead of failing."""
    res, out = quick
    (out / "checkpoints/wa-hls4ml-csv/in-distribution/wa-gnn.pt").write_bytes(b"not a ckpt")
    again = run_leaderboard(data=["wa-hls4ml-csv", "wa-hls4ml"], root=hls_root, quick=True,
                            max_designs=150, models=MODELS, out_dir=out, progress=False,
                            plots=False)
    ok = [r for r in again.rows if r["status"] == "ok" and r["model"] != "rule4ml"]
    assert ok and all(r["from_checkpoint"] == (r["model"] != "wa-gnn") for r in ok)
    key = lambda r: (r["model"], r["split"], r["target"])  # noqa: E731
    before = {key(r): r for r in res.rows if r["status"] == "ok"}
    for r in ok:
        for m in ("r2", "smape", "rmse", "p75_abs_rel_err", "within_10pct", "n"):
            assert r[m] == before[key(r)][m] or (np.isnan(r[m]) and np.isnan(before[key(r)][m]))


def test_changed_data_with_the_same_names_retrains(quick, hls_root, monkeypatch):
    """A checkpoint is reused only for the same training data, not just the same design names:
    when the reader yields other numbers for the same designs (here: every LUT label x 2, as a
    changed reader would), the models are trained again."""
    import surrogates.leaderboard.datasets as lbd
    from surrogates.targets import TARGETS
    _, out = quick
    original = lbd._load

    def doubled(*args, **kw):
        data = original(*args, **kw)
        data.labels[:, TARGETS.index("lut")] *= 2.0
        return data

    monkeypatch.setattr(lbd, "_load", doubled)
    again = run_leaderboard(data=["wa-hls4ml-csv"], root=hls_root, quick=True,
                            max_designs=150, models=["gbt", "gnn"], out_dir=out,
                            progress=False, plots=False)
    ok = [r for r in again.rows if r["status"] == "ok"]
    assert ok and not any(r["from_checkpoint"] for r in ok)


def test_same_seed_same_leaderboard_and_failed_model_is_reported(quick, hls_root, tmp_path):
    """Retrain from scratch with the same seed, in 2 worker processes: identical metrics. A
    model whose config makes it fail is a 'failed' row with its error and the others still
    complete."""
    res, _ = quick
    again = run_leaderboard(data=["wa-hls4ml-csv"], root=hls_root, quick=True,
                            max_designs=150, models=["gbt", "gnn", "mlp"], jobs=2,
                            out_dir=tmp_path, progress=False, plots=False,
                            model_config={"mlp": {"hidden": [-3]}})
    before = {(r["model"], r["split"], r["target"]): r for r in res.rows if r["status"] == "ok"}
    ok = [r for r in again.rows if r["status"] == "ok"]
    assert {r["model"] for r in ok} == {"gbt", "gnn"}
    for r in ok:
        b = before[(r["model"], r["split"], r["target"])]
        assert (r["r2"], r["smape"], r["rmse"]) == (b["r2"], b["smape"], b["rmse"])
    failed = [r for r in again.rows if r["model"] == "mlp"]
    assert failed and all(r["status"] == "failed" and r["error"] for r in failed)
    md = (tmp_path / "leaderboard.md").read_text()
    assert "mlp: **failed**" in md
    rec = json.loads((tmp_path / "checkpoints/wa-hls4ml-csv/in-distribution/mlp.json").read_text())
    assert rec["status"] == "failed" and "Traceback" in rec["traceback"]


def _synthetic_deep(tmp_path, n_arch=60):
    """Dense chains of 1-5 layers whose labels follow a simple hardware-like rule (LUT and FF
    proportional to weight bits summed over layers, latency to the layer count), packed into
    an HDF5 cache: a dataset with a deeper-than-trained split."""
    import fpga
    from surrogates.packed import pack_designs
    rng = np.random.default_rng(0)
    designs, labels = [], []
    for a in range(n_arch):
        depth = 1 + a % 5
        widths = rng.integers(4, 33, size=depth + 1).tolist()
        for bits in (4, 8):
            layers = [{"name": "in", "type": "Input", "input_shape": [widths[0]],
                       "output_shape": [widths[0]]}]
            for k in range(depth):
                layers.append({"name": f"d{k}", "type": "Dense", "input_shape": [widths[k]],
                               "output_shape": [widths[k + 1]],
                               "parameters": widths[k] * widths[k + 1],
                               "activation": "relu",
                               "precision": {"weight": f"ap_fixed<{bits},2>"}})
            d = fpga.Design.chain(layers, name=f"a{a}b{bits}", strategy="latency",
                                  part="xcu250-figd2104-2L-e")
            wb = sum(widths[k] * widths[k + 1] for k in range(depth)) * bits
            labels.append({"lut": 1.5 * wb + 100, "ff": 0.7 * wb + 50, "dsp": 0.0,
                           "bram": 0.0, "latency_cycles": 2.0 * depth + 1, "ii_cycles": 1.0})
            designs.append(d)
    prov = [{t: "hls_estimate" for t in lab} for lab in labels]
    data = pack_designs(designs, labels=labels, provenance=prov, source="synthetic")
    return data.save_h5(tmp_path / "synthetic.h5")


def test_deeper_split_scored_and_plotted(tmp_path):
    h5 = _synthetic_deep(tmp_path)
    res = run_leaderboard(data=[str(h5)], quick=True, models=["gbt", "wa-gnn", "wa-transformer"],
                          out_dir=tmp_path / "out", progress=False)
    deeper = [r for r in res.rows if r["split"] == "deeper" and r["status"] == "ok"]
    assert {r["model"] for r in deeper} == {"gbt", "wa-gnn", "wa-transformer"}
    sp = next(s for s in res.splits if s["split"] == "deeper")
    assert sp["params"]["max_depth"] == 3  # depths 1-5 equally common: <= 3 holds 60%
    assert (tmp_path / "out/plots/depth_synthetic.png").stat().st_size > 1000
    chk = next(c for c in res.targets_check if c["split"] == "deeper")
    assert chk["met"] in (True, False) and chk["best_model"] == "gbt"
    # dsp / bram / ii are constant here: not scored, and the report says so
    ds = res.datasets[0]
    assert set(ds["targets"]) == {"lut", "ff", "latency_cycles"}
    assert any("every label is 0" in n for n in ds["notes"])


def _row(model, target, r2, smape, params, split="in-distribution"):
    return {"model": model, "dataset": "d", "split": split, "target": target, "status": "ok",
            "r2": r2, "smape": smape, "n_parameters": params}


def test_check_targets_by_hand():
    rows = []
    for t in ("lut", "ff", "latency_cycles"):
        rows += [_row("wa-gnn", t, 0.80, 10.0, 1000), _row("wa-transformer", t, 0.85, 12.0, 800),
                 _row("gnn", t, 0.90, 8.0, 300)]
    c = {x["split"]: x for x in check_targets(rows)}
    assert c["in-distribution"]["met"] is True and c["in-distribution"]["best_model"] == "gnn"
    assert c["in-distribution"]["params_ratio"] == pytest.approx(300 / 800)
    assert c["deeper"]["met"] is None and "not measurable" in c["deeper"]["reasons"][0]
    # gnn loses SMAPE on ff to wa-gnn (10.0 < 11.0): not met, and the reason names ff
    rows2 = [dict(r, smape=11.0) if (r["model"], r["target"]) == ("gnn", "ff") else r
             for r in rows]
    c2 = check_targets(rows2)[0]
    assert c2["met"] is False and any(x.startswith("ff:") for x in c2["reasons"])
    # too many parameters (700 / 800 > 0.5)
    rows3 = [dict(r, n_parameters=700) if r["model"] == "gnn" else r for r in rows]
    c3 = check_targets(rows3)[0]
    assert c3["met"] is False and any("parameters" in x for x in c3["reasons"])
    # deeper split: beating the paper models is not enough below R^2 0.9
    deep = [dict(r, split="deeper", r2=r["r2"] - 0.1) for r in rows]
    c4 = {x["split"]: x for x in check_targets(rows + deep)}["deeper"]
    assert c4["met"] is False and any("< 0.9" in x for x in c4["reasons"])


def test_published_rows_match_the_spec(shared_spec):
    """The reference rows are the spec's numbers (wa-hls4ml paper Table 4 and the
    post-synthesis retraining), in the spec's target order BRAM / DSP / FF / LUT / cycles / II."""
    text = (shared_spec / "hls4ml_data.md").read_text()
    nums = lambda s: tuple(float(x) for x in s.split(" / "))  # noqa: E731
    gnn = re.search(r"GNN \(5 x GATv2.*?\):\s*([\d. /]+); SMAPE % ([\d. /]+)\.", text, re.S)
    assert PUBLISHED["wa-gnn (paper)"][2] == nums(gnn.group(1).strip())
    assert PUBLISHED["wa-gnn (paper)"][3] == nums(gnn.group(2).strip())
    tr = re.search(r"Transformer \(one token.*?\):\s*([\d. /]+)\.", text, re.S)
    assert PUBLISHED["wa-transformer (paper)"][2] == nums(tr.group(1).strip())
    post = re.search(r"GNN ([\d. /]+); Transformer ([\d. /]+); rule4ml 0\.2\.0 MLP baseline "
                     r"([\d. /]+)\.", " ".join(text.split()))
    assert PUBLISHED["wa-gnn (paper, retrained post-synth)"][2] == nums(post.group(1).strip())
    assert PUBLISHED["wa-transformer (paper, retrained post-synth)"][2] == nums(
        post.group(2).strip())
    assert PUBLISHED["rule4ml 0.2.0 MLP (published)"][2] == nums(post.group(3).strip())


def test_da4ml_factor_fits_least_squares_through_zero(csv_small):
    _, first = np.unique(np.asarray(csv_small.names), return_index=True)
    data = csv_small.take(np.sort(first)[:40])  # unique names: the lookup is by name
    x = np.arange(1, 41, dtype=float)
    lookup = {n: {"da4ml_cost": x[i], "da4ml_latency": 2.0} for i, n in enumerate(data.names)}
    est = Da4mlFactor(lookup=lookup, targets=("lut", "latency_cycles"))
    est.fit(data.take(np.arange(30)))
    y = data.labels[:30, 0].astype(float)
    # least squares through 0: f = sum(x y) / sum(x^2)
    assert est.factors[0] == pytest.approx(np.sum(x[:30] * y) / np.sum(x[:30] ** 2))
    v = est.predict_arrays(data.take(np.arange(30, 40)))[0]
    assert np.allclose(v[:, 0], est.factors[0] * x[30:40])


def test_da4ml_estimate_in_cycles_and_registers():
    from surrogates.leaderboard.anchors import da4ml_estimate
    piped = {"mode": "pipelined", "latency_cutoff": 4.0, "da4ml_latency": 13.0,
             "da4ml_reg_bits": 700.0, "da4ml_cost": 3000.0}
    assert da4ml_estimate(piped, "da4ml_cycles") == 5.0       # ceil(13 / 4) stages + 1
    assert da4ml_estimate(piped, "da4ml_reg_bits") == 700.0
    comb = dict(piped, mode="combinational", latency_cutoff=None, da4ml_reg_bits=None)
    assert da4ml_estimate(comb, "da4ml_cycles") == 0.0        # no registers, no cycles
    assert da4ml_estimate(comb, "da4ml_reg_bits") == 0.0
    assert da4ml_estimate(comb, "da4ml_cost") == 3000.0
    assert da4ml_estimate({"da4ml_latency": 9.0}, "da4ml_cycles") is None   # cutoff unknown


def test_bad_inputs_have_clear_errors(hls_root, tmp_path):
    with pytest.raises(SurrogateError, match="leaderboard models must be among"):
        run_leaderboard(data=["wa-hls4ml-csv"], root=hls_root, models=["nope"], quick=True)
    with pytest.raises(SurrogateError, match="data source must be one of"):
        run_leaderboard(data=["no-such-source"], root=hls_root, quick=True)
    with pytest.raises(SurrogateError, match="--from-checkpoints must exist"):
        run_leaderboard(data=["wa-hls4ml-csv"], root=hls_root, quick=True,
                        from_checkpoints=tmp_path / "missing")
    with pytest.raises(SurrogateError, match="splits must be among"):
        run_leaderboard(data=["wa-hls4ml-csv"], root=hls_root, quick=True, splits=["sideways"])


def test_full_wa_hls4ml_layout_uses_published_split_and_exemplar(hls_root, tmp_path):
    """A folder laid out like the downloaded wa-hls4ml dataset (train_* / val_* / test_* /
    exemplar files; here the real fixture records under those names) is trained on its
    published split with post-synthesis labels and scored on test and exemplar."""
    import shutil
    src = hls_root / "wa_hls4ml" / "fixtures"
    dst = tmp_path / "wa_hls4ml" / "fixtures"
    dst.mkdir(parents=True)
    for name, new in (("test_2layer_merged.json", "train_2layer_merged.json"),
                      ("test_3layer_merged.json", "train_3layer_merged.json"),
                      ("test_latency_merged.first1.json", "val_latency_merged.json"),
                      ("test_2_20_merged.first1.json", "test_2_20_merged.json"),
                      ("test_conv2d_merged.first1.json", "test_conv2d_merged.json"),
                      ("exemplar_models.first_Bipc_Particle.json", "exemplar_models.json")):
        shutil.copy(src / name, dst / new)
    res = run_leaderboard(data=["wa-hls4ml"], root=tmp_path, quick=True, models=["gbt"],
                          splits=["published"], progress=False, cache=False)
    ds = res.datasets[0]
    assert ds["dataset"] == "wa-hls4ml" and ds["provenance"] == "post_synthesis"
    assert ds["splits"][0] == "published"
    sizes = next(s for s in res.splits if s["split"] == "published")
    assert sizes["sizes"]["train"] == 8 and sizes["eval_sets"] == {"published": 2,
                                                                   "exemplar": 2}
    assert {r["split"] for r in res.rows if r["status"] == "ok"} == {"published", "exemplar"}


def test_unknown_split_is_rejected_before_any_data_is_loaded(tmp_path):
    # tmp_path holds no data: the split name must be the error, not "no dataset found"
    with pytest.raises(SurrogateError, match="splits must be among"):
        run_leaderboard(root=tmp_path, openflow=tmp_path, quick=True, splits=["nosuch"])


def test_step_budget_gives_small_datasets_enough_steps():
    from surrogates.leaderboard.core import step_budget
    cfg = {"max_epochs": 30, "patience": 8, "batch_size": 128, "min_steps": 1600}
    big = step_budget(cfg, 7000)        # 55 batches x 30 epochs >= 1600 steps: unchanged
    assert big["max_epochs"] == 30 and big["patience"] == 8 and "min_steps" not in big
    small = step_budget(cfg, 300)       # 3 batches per epoch -> 534 epochs
    assert small["max_epochs"] == 534 and small["patience"] == round(8 * 534 / 30)
    tiny = step_budget(cfg, 10)         # 1 batch per epoch: capped at 20x the epochs
    assert tiny["max_epochs"] == 600
    mid = step_budget(cfg, 2000)        # 16 batches per epoch -> 100 epochs
    assert mid["max_epochs"] == 100 and mid["patience"] == round(8 * 100 / 30)
    assert step_budget({"max_iter": 5}, 10) == {"max_iter": 5}   # not a neural config
