"""The resumable runner: interrupted runs resume, failures are recorded and never lost."""

from __future__ import annotations

import json

import pytest

from fpga.openflow import OpenFlowError, store
from fpga.openflow.runner import generate
from fpga.openflow.space import DesignSpace

from conftest import TINY_SPACE


def _stop_after(k):
    seen = []

    def cb(rec):
        seen.append(rec)
        if len(seen) >= k:
            raise KeyboardInterrupt  # what Ctrl-C / SIGTERM does to the runner
    return cb


@pytest.mark.slow
def test_resume_after_interrupted_run(tools, tmp_path):
    space = DesignSpace.from_dict(TINY_SPACE)
    out = tmp_path / "ds"
    first = generate(space, 3, out, jobs=1, progress=False, on_record=_stop_after(1), shard_size=2)
    assert first.interrupted and first.n_attempted == 1
    assert len(store.read_journal(out)) == 1  # journaled before the interruption took effect
    second = generate(space, 3, out, jobs=1, progress=False, shard_size=2)
    assert not second.interrupted and second.n_skipped == 1 and second.n_attempted == 2
    df = store.read_dataset(out)
    assert sorted(df["index"]) == [0, 1, 2] and df["design_id"].is_unique
    assert set(df["design_id"]) == {space.spec(i).design_id() for i in range(3)}
    assert (df["status"] == "ok").all() and (df["lut"] > 0).all()
    assert store.shard_paths(out) and store.read_journal(out) == []  # compacted at the end
    lines = [json.loads(l) for l in (out / store.RUNS).read_text().splitlines()]
    assert [r["event"] for r in lines if r["event"] != "checkpoint"] == ["start", "end"] * 2
    runs = store.read_runs(out)  # last line of each run
    assert [(r["interrupted"], r["n_attempted"]) for r in runs] == [(True, 1), (False, 2)]
    third = generate(space, 3, out, jobs=1, progress=False)
    assert third.n_attempted == 0 and third.n_skipped == 3


@pytest.mark.slow
def test_failures_are_recorded_then_retried(tools, tmp_path):
    space = DesignSpace.from_dict(TINY_SPACE)
    out = tmp_path / "ds"
    s1 = generate(space, 2, out, jobs=2, progress=False, timeout_s=0.01)
    assert s1.n_failed == 2 and s1.n_ok == 0
    failed = store.read_dataset(out, status="failed")
    assert len(failed) == 2 and failed["reason"].str.contains("timeout").all()
    assert (failed["stage"] == "synth").all()
    s2 = generate(space, 2, out, jobs=1, progress=False)  # failures count as finished
    assert s2.n_attempted == 0
    s3 = generate(space, 2, out, jobs=1, progress=False, retry_failed=True)
    assert s3.n_ok == 2
    assert (store.read_dataset(out)["status"] == "ok").all()


def test_runner_rejects_bad_arguments_and_other_space(tmp_path):
    space = DesignSpace.from_dict(TINY_SPACE)
    with pytest.raises(OpenFlowError, match="n \\(number of designs\\)"):
        generate(space, 0, tmp_path)
    with pytest.raises(OpenFlowError, match="executor"):
        generate(space, 1, tmp_path, executor="slurm")
    with pytest.raises(OpenFlowError, match="jobs"):
        generate(space, 1, tmp_path, jobs=0)
    (tmp_path / store.SPACE).write_text(DesignSpace.from_dict({**TINY_SPACE, "seed": 99}).to_yaml())
    with pytest.raises(OpenFlowError, match="different design space"):
        generate(space, 1, tmp_path)


@pytest.mark.slow
def test_ray_executor_gives_the_same_records(tools, tmp_path):
    pytest.importorskip("ray", reason="executor 'ray' needs pip install 'fusebound[distributed]'")
    space = DesignSpace.from_dict(TINY_SPACE)
    # generous per-design timeout: Ray's start-up shares the cores with the synthesis, and on
    # a loaded 2-core machine a tiny design once hit the space's 120 s deadline
    s = generate(space, 2, tmp_path / "ray", jobs=1, executor="ray", progress=False,
                 timeout_s=900)
    if s.n_ok != 2:
        failed = store.read_dataset(tmp_path / "ray")
        pytest.fail(f"ray run: {s.n_ok} ok; failures: "
                    f"{failed[failed['status'] != 'ok'][['stage', 'reason']].to_dict('records')}")
    df = store.read_dataset(tmp_path / "ray")
    assert set(df["design_id"]) == {space.spec(i).design_id() for i in range(2)}
