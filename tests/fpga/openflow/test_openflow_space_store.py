"""Design spaces (YAML, determinism) and the dataset folder (journal, shards, manifest)."""

from __future__ import annotations

import json

import pytest

from fpga.openflow import OpenFlowError
from fpga.openflow import store
from fpga.openflow.space import DesignSpace, default_space, load_space


def test_default_space_matches_issue_ranges():
    s = default_space()
    assert (s.layers, s.neurons, s.input_bits, s.weight_bits) == ((1, 6), (8, 64), (4, 12), (2, 10))
    assert set(s.modes) == {"combinational", "pipelined"} and len(s.sparsity) >= 3
    specs = s.specs(60)
    assert {sp.n_layers for sp in specs} == set(range(1, 7))
    for sp in specs:
        assert all(8 <= w <= 64 for w in sp.widths)
        assert sp.n_weights * (1 - sp.sparsity) * sp.weight_bits <= s.max_nonzero_weight_bits


def test_designs_depend_only_on_seed_and_index():
    s = default_space()
    assert [x.design_id() for x in s.specs(5)] == [s.spec(i).design_id() for i in range(5)]
    assert s.specs(3, start=2)[0] == s.spec(2)
    other = DesignSpace.from_dict({**s.to_dict(), "seed": s.seed + 1})
    assert other.spec(0) != s.spec(0)


def test_space_yaml_roundtrip_and_errors(tmp_path):
    s = default_space()
    p = tmp_path / "s.yaml"
    p.write_text(s.to_yaml())
    assert load_space(p) == s
    with pytest.raises(OpenFlowError, match="does not exist"):
        load_space(tmp_path / "missing.yaml")
    with pytest.raises(OpenFlowError, match="unknown design-space key"):
        DesignSpace.from_dict({"name": "x", "depth": 3})
    with pytest.raises(OpenFlowError, match=r"\[min, max\]"):
        DesignSpace.from_dict({"name": "x", "layers": 3})
    with pytest.raises(OpenFlowError, match="modes"):
        DesignSpace.from_dict({"name": "x", "modes": ["fast"]})
    with pytest.raises(OpenFlowError, match="rejects even the smallest"):
        DesignSpace.from_dict({"name": "x", "max_nonzero_weight_bits": 10})
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(OpenFlowError, match="not valid YAML"):
        load_space(bad)


def _rec(i, status="ok"):
    return {"design_id": f"d{i}", "status": status, "widths": [4, 2], "architecture": "4-2",
            "n_layers": 1, "lut": 10 + i, "stage": "done" if status == "ok" else "synth",
            "reason": "" if status == "ok" else "YosysError: boom"}


def test_journal_shards_dedupe_and_torn_line(tmp_path):
    for i in range(3):
        store.append_journal(tmp_path, _rec(i))
    shard = store.flush_shard(tmp_path)
    assert shard.name == "part-00000.parquet" and store.read_journal(tmp_path) == []
    store.append_journal(tmp_path, _rec(1, "failed"))  # a later record of d1 wins
    with open(tmp_path / store.PENDING, "a") as f:
        f.write('{"design_id": "d9", "sta')  # killed mid-write
    df = store.read_dataset(tmp_path)
    assert sorted(df["design_id"]) == ["d0", "d1", "d2"]
    assert df.set_index("design_id").loc["d1", "status"] == "failed"
    assert df["widths"].iloc[0] == [4, 2]
    assert store.finished_ids(tmp_path, include_failed=False) == {"d0", "d2"}
    assert len(store.read_dataset(tmp_path, status="failed")) == 1


def test_journal_corruption_in_the_middle_is_an_error(tmp_path):
    (tmp_path / store.PENDING).write_text('{"design_id": "a"}\nnot json\n{"design_id": "b"}\n')
    with pytest.raises(OpenFlowError, match="line 2"):
        store.read_journal(tmp_path)


def test_manifest_detects_changes(tmp_path):
    (tmp_path / store.SPACE).write_text("name: x\n")
    store.append_journal(tmp_path, _rec(0))
    store.flush_shard(tmp_path)
    store.write_manifest(tmp_path)
    assert store.verify_manifest(tmp_path) == []
    (tmp_path / store.SPACE).write_text("name: y\n")
    assert store.verify_manifest(tmp_path) == ["space.yaml"]
    (tmp_path / store.MANIFEST).write_text("00  ../outside.txt\n")
    with pytest.raises(OpenFlowError, match="outside"):
        store.verify_manifest(tmp_path)


def test_read_dataset_errors(tmp_path):
    with pytest.raises(OpenFlowError, match="does not exist"):
        store.read_dataset(tmp_path / "nope")
    with pytest.raises(OpenFlowError, match="no open-flow records"):
        store.read_dataset(tmp_path)
    assert json.loads(json.dumps(_rec(0)))["lut"] == 10
