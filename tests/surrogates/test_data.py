"""Loaders on the real files in shared/data/hls4ml, the HDF5 cache, streaming."""

import numpy as np
import pytest

from surrogates.data import load_dataset, summarize
from surrogates.errors import SurrogateError
from surrogates.packed import PackedDesigns, iter_h5_batches


def test_wa_json_fixtures_hls_labels(hls_root):
    d = load_dataset("wa-hls4ml", hls_root / "wa_hls4ml/fixtures", label_source="hls_estimate")
    # 13 fixture records (SOURCES.md); the 2 exemplar ones lack hls_resource_report (spec)
    assert len(d) == 11
    assert d.skipped["total"] == 2
    s = summarize(d)
    assert s["provenance"]["lut"] == {"hls_estimate": 11}
    assert set(d.split_names()) == {"test"}          # test_*_merged files
    assert "Conv2D" in s["layer_types"]


def test_wa_json_fixtures_post_synthesis(fixtures_post):
    s = summarize(fixtures_post)
    assert s["designs"] == 13
    assert s["provenance"]["lut"] == {"post_synthesis": 13}
    # latency exists only as an HLS estimate
    assert s["provenance"]["latency_cycles"] == {"hls_estimate": 13}
    assert s["published_split"] == {"test": 11, "exemplar": 2}


def test_csv_export_counts(hls_root):
    d = load_dataset("wa-hls4ml-csv", hls_root / "wa_hls4ml/csv_exports")
    # SOURCES.md: 10,001 designs of 2,338 architectures; the conv2d CSV rows cannot be
    # reconstructed as designs and are reported as skipped (42 rows)
    assert len(d) == 10001
    assert len(np.unique(d.arch)) == 2338
    assert d.skipped["total"] == 42
    assert np.all(d.depth == 3)


def test_all_sources_keep_their_skipped_counts(hls_root):
    """``all`` concatenates the sources; the records each one skipped (with reasons) are still
    reported, not lost in the concatenation (the 2 exemplar records without an HLS report)."""
    d = load_dataset("all", hls_root, limit=20)
    assert len(d) == 11 + 20 + 20
    reasons = {r["reason"]: r["count"] for r in d.skipped["reasons"]}
    assert reasons.get("hls_resource_report missing") == 2
    assert d.skipped["total"] == sum(reasons.values())
    assert summarize(d)["skipped"] == d.skipped


def test_ntorc_dedupe(hls_root):
    d = load_dataset("ntorc", hls_root / "ntorc", limit=3000)
    u = d.dedupe()
    assert 0 < len(u) < len(d)
    assert np.all(d.depth == 1)
    assert d.parts == ["xczu7ev-ffvc1156-2-e"]


def test_cache_round_trip_and_stream(csv_small, tmp_path):
    path = csv_small.save_h5(tmp_path / "c.h5")
    back = PackedDesigns.load_h5(path, with_designs=True)
    for name in ("layer_ptr", "layer_num", "edges", "labels", "arch", "part"):
        assert np.array_equal(getattr(back, name), getattr(csv_small, name), equal_nan=True)
    assert back.names == csv_small.names and back.design_json == csv_small.design_json
    batches = list(iter_h5_batches(path, batch_size=500))
    assert [len(b) for b in batches] == [500, 500, 200]
    again = PackedDesigns.concat(batches)
    assert np.array_equal(again.layer_num, csv_small.layer_num)
    assert np.array_equal(again.edge_ptr, csv_small.edge_ptr)


def test_load_dataset_cache_reuses_file(hls_root, tmp_path):
    a = load_dataset("wa-hls4ml", hls_root / "wa_hls4ml/fixtures", cache=True, cache_dir_=tmp_path)
    files = list(tmp_path.glob("*.h5"))
    assert len(files) == 1
    b = load_dataset("wa-hls4ml", hls_root / "wa_hls4ml/fixtures", cache=True, cache_dir_=tmp_path)
    assert b.names == a.names and np.array_equal(a.labels, b.labels, equal_nan=True)


def test_bad_sources(tmp_path):
    with pytest.raises(SurrogateError, match="data source must be one of"):
        load_dataset("nope", tmp_path)
    with pytest.raises(SurrogateError, match="must exist"):
        load_dataset("wa-hls4ml", tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SurrogateError, match="at least one labelled design"):
        load_dataset("records", tmp_path / "empty")
    (tmp_path / "x.h5").write_text("not hdf5")
    with pytest.raises(SurrogateError, match="HDF5"):
        PackedDesigns.load_h5(tmp_path / "x.h5")


def test_manifest_matches_shared_files(hls_root):
    from surrogates.manifest import MANIFEST, check
    assert check(hls_root) == []
    # cross-check with the upstream SHA256SUMS shipped beside the CSV exports
    import json
    sums = dict(reversed(line.split()) for line in
                (hls_root / "wa_hls4ml/csv_exports/SHA256SUMS").read_text().splitlines() if line)
    files = {f["path"].rsplit("/", 1)[-1]: f["sha256"] for f in
             json.loads(MANIFEST.read_text())["sources"]["wa-hls4ml-csv"]["files"]}
    assert files["3layer.csv"] == sums["3layer.csv"]


def test_keep_designs_false_holds_arrays_only(hls_root):
    d = load_dataset("wa-hls4ml", hls_root / "wa_hls4ml/fixtures", keep_designs=False)
    assert d.design_json is None and len(d) == 11
    with pytest.raises(SurrogateError, match="design JSON"):
        d.designs()


def test_importing_surrogates_does_not_import_torch():
    import subprocess
    import sys
    code = ("import sys, surrogates, surrogates.data, surrogates.splits, surrogates.packed, "
            "surrogates.metrics, surrogates.encoding, fusebound.commands.surrogates; "
            "surrogates.SurrogateError; "
            "print(any(m in sys.modules for m in ('torch', 'torch_geometric', 'lightning')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_optional_package_gives_install_hint(monkeypatch):
    import importlib

    from surrogates import _deps

    def fail(name):
        raise ImportError(f"No module named {name!r}")
    monkeypatch.setattr(importlib, "import_module", fail)
    with pytest.raises(ImportError, match="pip install torch-geometric"):
        _deps.require("torch_geometric.nn")
    with pytest.raises(ImportError, match=r"fusebound\[download\]"):
        _deps.require("huggingface_hub")


def test_cache_of_older_packing_is_refused(csv_small, tmp_path):
    import h5py
    path = csv_small.take(np.arange(3)).save_h5(tmp_path / "old.h5")
    with h5py.File(path, "r+") as f:
        f.attrs["format"] = "fusebound-packed-designs/1"
    with pytest.raises(SurrogateError, match="must have format"):
        PackedDesigns.load_h5(path)
