"""dse.explore end to end: sweeps mapped by the mapper, Pareto fronts, executors agree."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dse.errors import DSEError
from dse.explorer import ArchSpace, explore
from dse.mapper.search import pareto_mask

GEMM = {"einsum": "gemm", "M": 256, "N": 256, "K": 256}
SPACE = ArchSpace(base="fusemax", array_2d=(16, 32, 64), buffer_words=(16384, 262144))


def test_explore_gemm_sweep_fronts_and_files(tmp_path):
    res = explore(GEMM, SPACE, budget=3000, executor="serial")
    t = res.table
    assert len(t) == 6
    # the fronts are the non-dominated sets of the rows
    assert t["pareto_area_latency"].tolist() == pareto_mask(
        t[["area_um2", "latency_s"]].to_numpy()).tolist()
    assert t["pareto_energy_latency"].any()
    # a bigger array never maps to a slower best latency at the same buffer (compute-bound
    # GEMM: 256^3 MACs / PEs cycles at least)
    for words, g in t.groupby("buffer_words"):
        lat = g.sort_values("rows")["latency_s"].to_numpy()
        assert np.all(np.diff(lat) <= 0)
    paths = res.write(tmp_path)
    assert {p.name for p in paths} == {"explore.csv", "explore.json", "pareto_area_latency.png",
                                       "pareto_energy_latency.png"}
    data = json.loads((tmp_path / "explore.json").read_text())
    assert data["config"]["search"]["budget"] == 3000 and len(data["rows"]) == 6


def test_local_pool_matches_serial():
    a = explore(GEMM, SPACE, budget=2000, executor="serial").table
    b = explore(GEMM, SPACE, budget=2000, executor="local", workers=2).table
    assert a.drop(columns=[]).equals(b)


def test_explore_errors():
    with pytest.raises(DSEError, match="executor must be one of"):
        explore(GEMM, SPACE, budget=10, executor="slurm")
    with pytest.raises(DSEError, match="budget"):
        explore(GEMM, SPACE, budget=0, executor="serial")
    tiny = ArchSpace(base="fusemax", buffer_words=(2,))
    with pytest.raises(DSEError, match="cannot hold one tile"):
        explore(GEMM, tiny, budget=10, executor="serial")


@pytest.mark.slow
def test_ray_matches_local():
    ray = pytest.importorskip("ray", reason="Ray is not installed: pip install "
                                            "'fusebound[distributed]' to run this test")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        local = explore(GEMM, SPACE, budget=2000, executor="local", workers=2).table
        remote = explore(GEMM, SPACE, budget=2000, executor="ray").table
    finally:
        ray.shutdown()
    assert local.equals(remote)
