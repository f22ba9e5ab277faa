"""Invariants of the cost model over the paper's configurations and random GEMM mappings."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dse import arch as arch_mod
from dse import mapping as mapping_mod
from dse.api import query
from dse.mapping import Binding, Kernel, Mapping
from dse.model import candidate_arrays, compile_plan, evaluate, evaluate_batch
from einsum_cascade import library

CONFIGS = mapping_mod.CONFIGS


def _compulsory_words(r) -> float:
    c = r.cascade
    return float(sum(c.footprint_words(t) for t in (*c.inputs, *c.outputs)))


@pytest.mark.parametrize("config,arch", CONFIGS)
@pytest.mark.parametrize("seq", [1024, 4096, 262144])
def test_invariants_of_the_paper_configurations(config, arch, seq):
    # B=1 keeps io_bounds' compulsory count (an enumeration of touched indices) short
    r = query(mapping_mod.get(config).cascade, arch=arch, mapping=config, model="t5", seq_len=seq,
              B=1)
    for a, u in r.utilization.items():
        assert 0.0 <= u <= 1.0 + 1e-12, a
    assert r.latency_s >= r.cycles / r.clock_hz * (1 - 1e-12)       # >= compute-only time
    assert r.latency_s >= r.traffic_bytes / arch_mod.get(arch).dram.bandwidth_bytes_per_s * (1 - 1e-12)
    assert r.traffic_words >= _compulsory_words(r) * (1 - 1e-12)
    why = r.explain()   # (HBL is skipped where it cannot bound a cascade: fast at 256K)
    assert why["lower_bound_words"] is not None
    assert r.traffic_words >= why["lower_bound_words"] * (1 - 1e-9)
    assert why["gap"] >= 1 - 1e-9
    assert sum(r.energy_breakdown_pJ.values()) == pytest.approx(r.energy_pJ)
    # every Einsum's activity is a fraction of the latency
    assert (r.einsums["activity"] <= 1 + 1e-12).all()


@pytest.mark.parametrize("config,arch", CONFIGS)
def test_energy_and_latency_scale_linearly_with_batch(config, arch):
    m = mapping_mod.get(config)
    one = query(m.cascade, arch=arch, mapping=config, model="bert", seq_len=4096, B=1)
    two = query(m.cascade, arch=arch, mapping=config, model="bert", seq_len=4096, B=2)
    assert two.energy_pJ == pytest.approx(2 * one.energy_pJ, rel=1e-12)
    assert two.latency_s == pytest.approx(2 * one.latency_s, rel=1e-12)
    assert two.traffic_bytes == pytest.approx(2 * one.traffic_bytes, rel=1e-12)


def test_overlap_never_slower_and_ablation_order():
    kw = dict(model="bert", seq_len=16384)
    arch_only = query("attention-1pass", arch="fusemax", mapping="architecture", **kw)
    fused = query("attention-1pass", arch="fusemax", mapping="fusemax", **kw)
    # the same work and traffic, only the schedule differs
    assert fused.energy_pJ == pytest.approx(arch_only.energy_pJ)
    assert fused.latency_s < arch_only.latency_s
    # sequential groups: total = sum of all Einsum cycles
    assert arch_only.cycles == pytest.approx(arch_only.einsums["cycles"].sum())


def _gemm_mapping(tiles, order, spatial, factors) -> Mapping:
    return Mapping("rand", "gemm", (Kernel("k", ("Z",), tiles, order),),
                   (Binding("Z", "2d", spatial, factors),))


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_batch_evaluator_equals_single_mapping_evaluator(data):
    """The mapper's batched path and dse.evaluate agree exactly on random GEMM mappings."""
    arch = arch_mod.get("fusemax")
    M, K, N = (data.draw(st.sampled_from([16, 48, 100, 256, 384])) for _ in range(3))
    cascade = library.get("gemm", M=M, K=K, N=N)
    n = 6
    maps = []
    for _ in range(n):
        tiles = {r: data.draw(st.integers(1, s)) for r, s in (("M", M), ("K", K), ("N", N))}
        order = tuple(data.draw(st.permutations(["M", "K", "N"])))
        a, b = data.draw(st.sampled_from([("M", "N"), ("N", "M"), ("K", "M"), ("N", "K")]))
        factors = {a: data.draw(st.integers(1, 256)), b: data.draw(st.integers(1, 256))}
        maps.append(_gemm_mapping(tiles, order, {a: "cols", b: "rows"}, factors))
    big = arch.from_dict({**arch.to_dict(), "levels": [
        arch.to_dict()["levels"][0], {**arch.to_dict()["levels"][1], "capacity_words": 10 ** 9}]})
    singles = [evaluate(cascade, big, m) for m in maps]
    plan, arrays = candidate_arrays(cascade, big, maps)   # one plan, candidates as arrays
    out = evaluate_batch(plan, **arrays)
    for i, s in enumerate(singles):
        assert out["latency_s"][i] == s.latency_s
        assert out["energy_pJ"][i] == s.energy_pJ
        assert out["traffic_bytes"][i] == s.traffic_bytes
        assert out["cycles"][i] == s.cycles
        assert out["utilization"][i, 0] == s.utilization["2d"]


def test_candidate_arrays_reject_mixed_structures():
    from dse.errors import DSEError

    c = library.get("gemm", M=64, K=64, N=64)
    a = _gemm_mapping({"M": 8}, ("M",), {"M": "cols"}, {})
    b = Mapping("other", "gemm", (Kernel("k", ("Z",), {"M": 8}, ("M",)),),
                (Binding("Z", "1d", {"M": "pes"}),))
    arch = arch_mod.get("fusemax")
    with pytest.raises(DSEError, match="differs in structure"):
        candidate_arrays(c, arch, [a, b])


def test_evaluate_batch_prunes_by_capacity_and_matches_auto_resolution():
    # the batch path's 'fits' agrees with the single path's choice of the largest auto tile
    c = library.get("gemm", M=65536, K=1024, N=1024)
    arch = arch_mod.get("fusemax")
    r = evaluate(c, arch, mapping_mod.get("gemm"))
    plan = compile_plan(c, arch, mapping_mod.get("gemm"))
    m_idx = plan.ranks.index("M")
    t = r.tiles["gemm"]["M"]
    assert t < 65536 and r.capacity_limited
    tiles = np.stack([plan.tile_default] * 2)
    tiles[0, 0, m_idx], tiles[1, 0, m_idx] = t, t + 256
    out = evaluate_batch(plan, tiles)
    assert out["fits"].tolist() == [True, False]
    assert out["latency_s"][0] == r.latency_s


@pytest.mark.parametrize("args,kw,bottleneck", [
    # FLAT-edge's 512 KiB buffer cannot hold 64 score rows of 8K: QK and SN spill
    (("attention-3pass", "flat-edge", "flat"), dict(model="bert", seq_len=8192, B=1, H=1),
     "buffer capacity"),
    # a skinny GEMM that fits whole (no capacity limit) but has 2 words per MAC-cycle row
    (("gemm", "flat-edge", "gemm"), dict(M=4096, K=16, N=32), "memory bandwidth"),
    (("attention-1pass", "fusemax", "fusemax"), dict(model="t5", seq_len=4096, B=1), "array 1d"),
])
def test_explain_names_the_bottleneck(args, kw, bottleneck):
    workload, arch, mapping = args
    r = query(workload, arch=arch, mapping=mapping, **kw)
    why = r.explain()
    assert why["bottleneck"] == bottleneck
    assert f"bottleneck: {bottleneck}" in why["text"]
    if bottleneck == "buffer capacity":
        assert r.spilled == ["QK", "SN"] and r.bound == "memory"
