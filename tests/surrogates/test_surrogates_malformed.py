"""Malformed surrogate input found by QA: SurrogateError naming the problem (CLI: exit 2)."""

from __future__ import annotations

import pytest

from fusebound.cli import main
from surrogates.errors import SurrogateError


@pytest.mark.parametrize("config, message", [
    ({"max_epochs": 0}, "max_epochs of model 'gnn' must be an int >= 1; got 0"),  # was: saved untrained
    ({"max_epochs": -1}, "max_epochs"),                                           # was: unbounded
    ({"hidden": 0}, "hidden of model 'gnn' must be an int >= 1"),
    ({"layers": -1}, "layers of model 'gnn'"),
    ({"lr": float("nan")}, "lr of model 'gnn' must be a finite number > 0"),
    ({"dropout": 1.0}, "dropout of model 'gnn'"),
])
def test_bad_hyperparameters_are_refused_at_creation(config, message):
    from surrogates import create
    with pytest.raises(SurrogateError, match=message):
        create("gnn", **config)


def test_lightning_option_errors_are_surrogate_errors():
    # `train --devices -3` ended in "internal error: TypeError", `--accelerator tpu` in
    # ModuleNotFoundError
    from surrogates.encoding import EncodedSet  # noqa: F401 - torch side importable
    from surrogates.training import fit_net
    with pytest.raises(SurrogateError, match="Lightning cannot train with .*devices=-3"):
        fit_net(None, None, None, max_epochs=1, devices=-3, progress=False)


def test_split_seed_and_limit(csv_small):
    from surrogates.data import load_dataset
    from surrogates.splits import make_split
    with pytest.raises(SurrogateError, match="seed of split 'grouped' must be an int >= 0"):
        make_split("grouped", csv_small, seed=-1)
    with pytest.raises(SurrogateError, match="limit of records to read must be an int >= 1"):
        load_dataset("wa-hls4ml-csv", "unused", limit=-5)


@pytest.mark.parametrize("content", [b"\xde\xad\xbe\xef" * 10, b""])
def test_unreadable_checkpoint_message_does_not_advise_unsafe_loading(tmp_path, content):
    from surrogates import load
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(SurrogateError, match="must be a file written by Estimator.save") as e:
        load(path)
    assert "weights_only" not in str(e.value)


def test_checkpoint_without_meta_is_damaged_not_a_keyerror(tmp_path):
    import torch

    from surrogates.models.base import CHECKPOINT_FORMAT
    path = tmp_path / "no_meta.pt"
    torch.save({"format": CHECKPOINT_FORMAT}, path)
    from surrogates import load
    with pytest.raises(SurrogateError, match="is damaged.*'meta'"):
        load(path)


def test_cli_train_refuses_neural_options_for_gbt(capsys):
    # they were dropped silently: `train --model gbt --hidden 16 --max-epochs 0` trained a GBT
    assert main(["train", "--model", "gbt", "--hidden", "16", "--max-epochs", "0"]) == 2
    err = capsys.readouterr().err
    assert "--max-epochs, --hidden of train apply to neural models only" in err


def test_cache_to_a_directory_is_refused_before_writing(csv_small, tmp_path):
    # `data cache ntorc --out adir` wrote the whole cache to adir.tmp, then failed the rename
    with pytest.raises(SurrogateError, match="must be a file path; got a directory"):
        csv_small.save_h5(tmp_path)
    assert not list(tmp_path.parent.glob(tmp_path.name + ".tmp"))


def test_fitting_on_labels_of_another_provenance_names_the_ones_the_data_has():
    """A model asked for HLS labels on open-flow data said only "got none"."""
    from pathlib import Path

    from surrogates import create
    from surrogates.data import load_dataset
    of = Path(__file__).resolve().parents[2] / "datasets" / "openflow"
    data = load_dataset("records", of, label_source="post_synthesis", limit=20)
    with pytest.raises(SurrogateError, match="got none \\(the data has 'open_synthesis' labels"):
        create("gbt", provenance="hls_estimate").fit(data)
