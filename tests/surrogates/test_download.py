"""The hub download cannot run offline: its call is checked against a stand-in module."""

import sys
import types

import pytest

from fusebound.cli import main


def test_download_calls_snapshot_download(monkeypatch, tmp_path):
    calls = []
    fake = types.ModuleType("huggingface_hub")
    fake.snapshot_download = lambda **kw: calls.append(kw) or kw["local_dir"]
    monkeypatch.setitem(sys.modules, "huggingface_hub", fake)
    from surrogates.download import download
    out = download("wa-hls4ml", tmp_path, subsets=["2layer", "exemplar"])
    assert out == tmp_path
    assert calls[0]["repo_id"] == "fastmachinelearning/wa-hls4ml"
    assert calls[0]["repo_type"] == "dataset"
    assert calls[0]["allow_patterns"] == ["*2layer*", "*exemplar*", "*.md"]


def test_download_errors(monkeypatch, tmp_path, capsys):
    assert main(["data", "download", "imagenet", "--to", str(tmp_path)]) == 2
    assert "must be one of" in capsys.readouterr().err
    from surrogates import _deps

    def missing(name):
        raise ImportError(f"surrogates needs the optional package '{name}'; install it with: "
                          'pip install "fusebound[download]"')
    monkeypatch.setattr(_deps, "require", missing)
    assert main(["data", "download", "wa-hls4ml", "--to", str(tmp_path)]) == 2
    assert "fusebound[download]" in capsys.readouterr().err
