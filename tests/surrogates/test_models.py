"""Estimators: short real training runs, save/load, intervals, registry, bad input."""

import numpy as np
import pytest

from surrogates.errors import SurrogateError
from surrogates.models import available, create
from surrogates.models.base import Estimator
from surrogates.packed import empty
from surrogates.splits import make_split

FAST = {"max_epochs": 1, "progress": False, "hidden": 16, "layers": 1, "batch_size": 256}


@pytest.fixture(scope="module")
def parts(csv_small):
    sp = make_split("grouped", csv_small, seed=0)
    return csv_small.take(sp.train), csv_small.take(sp.val)


def _mean_predictor_mse(est, val):
    z = est.scaler.transform(est._labels(val))
    return float(np.nanmean(z ** 2))  # the train-mean predictor is 0 in standardized space


@pytest.mark.slow
def test_gnn_training_lowers_val_loss_well_below_mean(parts, tmp_path):
    train, val = parts
    est = create("gnn", max_epochs=12, progress=False, hidden=32, layers=2, batch_size=64,
                 lr=5e-3, out_dir=str(tmp_path), seed=0)
    est.fit(train, val)
    base = _mean_predictor_mse(est, val)
    assert est.info["training"]["best_val_loss"] < 0.25 * base
    assert est.info["val"]["lut"]["r2"] > 0.5
    # Lightning artefacts: CSV log with val_loss per epoch and a checkpoint file
    logs = list(tmp_path.rglob("metrics.csv"))
    assert logs and "val_loss" in logs[0].read_text().splitlines()[0]
    assert list((tmp_path / "checkpoints").glob("*.ckpt"))
    cov = est.info["val"]["lut"]["coverage"]
    assert 0.0 <= cov <= 1.0


@pytest.mark.parametrize("name", ["gnn", "gnn-sage", "transformer", "wa-gnn", "wa-transformer"])
def test_neural_save_load_identical(name, parts, tmp_path):
    train, val = parts
    cfg = dict(FAST)
    if name == "wa-transformer":
        cfg["d"] = cfg.pop("hidden")
    est = create(name, **cfg).fit(train.take(np.arange(200)), val.take(np.arange(60)))
    path = est.save(tmp_path / f"{name}.pt")
    back = Estimator.load(path)
    a, b = est.predict_arrays(val), back.predict_arrays(val)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    lo, v, hi = a[1], a[0], a[2]
    assert np.all(lo <= v) and np.all(v <= hi)


def test_checkpoint_without_linear_path_loads_and_mismatch_is_clear(parts, tmp_path):
    """A GNN saved before the readout's linear path existed (no ``skip`` in its config, no
    ``node_linear`` weights) still loads and predicts the same; weights that do not fit the
    recorded architecture are a SurrogateError naming it, not a torch traceback."""
    import json

    import torch
    train, val = parts
    est = create("gnn", skip=False, **FAST).fit(train.take(np.arange(200)), val.take(np.arange(60)))
    path = est.save(tmp_path / "old.pt")
    blob = torch.load(path, weights_only=True)
    meta = json.loads(blob["meta"])
    del meta["config"]["skip"]  # as written by the older code
    blob["meta"] = json.dumps(meta)
    torch.save(blob, tmp_path / "old_format.pt")
    back = Estimator.load(tmp_path / "old_format.pt")
    assert back.config["skip"] is False
    assert np.array_equal(back.predict_arrays(val)[0], est.predict_arrays(val)[0])
    meta["config"]["hidden"] = 24  # weights are 16 wide
    blob["meta"] = json.dumps(meta)
    torch.save(blob, tmp_path / "mismatch.pt")
    with pytest.raises(SurrogateError, match="must match its architecture"):
        Estimator.load(tmp_path / "mismatch.pt")


@pytest.mark.parametrize("name", ["gbt", "mlp"])
def test_flat_baselines_fit_save_load(name, parts, tmp_path):
    train, val = parts
    cfg = {"max_iter": 30} if name == "gbt" else {"max_iter": 60, "n_members": 2, "hidden": [32]}
    est = create(name, **cfg).fit(train, val)
    assert est.info["val"]["latency_cycles"]["r2"] > 0.8
    assert 0.0 <= est.info["val"]["lut"]["coverage"] <= 1.0
    back = Estimator.load(est.save(tmp_path / "m.pt"))
    for x, y in zip(est.predict_arrays(val), back.predict_arrays(val)):
        assert np.array_equal(x, y)


def test_mlp_does_not_explode_out_of_range(parts):
    """A design 10^4 times larger than any in training gets a prediction from the clipped
    features (within the training labels' order of magnitude), not e^60."""
    from surrogates.features import LAYER_COLUMNS
    train, val = parts
    est = create("mlp", max_iter=60, n_members=2, hidden=[32]).fit(train, val)
    huge = val.take(np.arange(3))
    cols = [LAYER_COLUMNS.index(c) for c in ("in_size", "out_size", "parameters")]
    huge.layer_num[:, cols] *= 1e4
    point, low, high = est.predict_arrays(huge)
    assert np.all(np.isfinite(point)) and np.all(np.isfinite(high))
    top = np.nanmax(train.labels[:, :point.shape[1]], axis=0)
    assert np.all(point <= 10 * top[None, :] + 10)


def test_gbt_numpy_traversal_matches_sklearn(parts):
    from sklearn.ensemble import HistGradientBoostingRegressor
    from surrogates.encoding import EncodedSet
    from surrogates.models.classic import export_hgb, predict_trees
    train, _ = parts
    X = EncodedSet.from_packed(train).flat().astype(np.float64)
    y = np.log1p(train.labels[:, 0])
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):
        m = HistGradientBoostingRegressor(max_iter=20, random_state=0).fit(X, y)
    assert np.allclose(predict_trees(export_hgb(m), X), m.predict(X), atol=1e-9)


def test_fpga_baseline_calibrates_on_train_and_round_trips(parts, tmp_path):
    train, val = parts
    raw = create("fpga", calibrate=False).fit(train, val)
    cal = create("fpga").fit(train, val)
    assert cal.coefficients is not None and "chosen" in cal.info["calibration"]
    assert raw.coefficients is None
    v, lo, hi = cal.predict_arrays(val.take(np.arange(5)))
    assert np.all(v[:, 0] > 0) and np.all(np.isnan(lo))
    back = Estimator.load(cal.save(tmp_path / "fpga.pt"))
    assert np.array_equal(back.predict_arrays(val.take(np.arange(5)))[0], v)


def test_registry_and_bad_inputs(parts, tmp_path):
    assert {"gnn", "transformer", "wa-gnn", "wa-transformer", "gbt", "mlp", "fpga"} <= \
        set(available())
    with pytest.raises(SurrogateError, match="model must be one of"):
        create("xgboost-9000")
    with pytest.raises(SurrogateError, match="empty dataset"):
        create("gbt").fit(empty())
    with pytest.raises(SurrogateError, match="fitted"):
        create("gbt").predict_arrays(parts[1])
    with pytest.raises(SurrogateError, match="provenance"):
        create("gbt", provenance="vibes")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(SurrogateError, match="checkpoint"):
        Estimator.load(tmp_path / "junk.pt")
