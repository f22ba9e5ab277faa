"""Sliding-window (convolution) tensors: words, tile footprints and DRAM traffic counted by the
distinct elements an index expression touches, not by the product of the ranks indexing it."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dse.mapper.workloads import workload_from_spec
from dse.mapping import Binding, Kernel, Mapping
from dse.model import compile_plan, distinct_index_values, evaluate, evaluate_batch, \
    candidate_arrays
from tests.dse.costmodel_helpers import tiny_arch


def _conv(**kw):
    w = workload_from_spec({"einsum": "conv2d", **kw})
    return w.cascade, w.label


def _mapping(label, tiles, order, spatial=None):
    return Mapping("m", "conv2d", (Kernel("k", (label,), tiles, order),),
                   (Binding(label, "2d", spatial or {"K": "rows"}),))


def test_tensor_words_of_a_conv_are_the_window_extent():
    # ResNet18 conv2_x 3x3 (benchmarks/mapper_vs_zigzag.py): I has B*C*(OY+FY-1)*(OX+FX-1)
    # = 1*64*58*58 = 215,296 words, not B*C*OY*FY*OX*FX = 1,806,336
    c, lb = _conv(K=64, C=64, OY=56, OX=56, FY=3, FX=3, pad=1)
    p = compile_plan(c, tiny_arch(10 ** 9), _mapping(lb, {}, ()))
    words = dict(zip(p.tensors, p.t_words))
    assert words == {"I": 215296.0, "W": 64 * 64 * 9.0, "O": 64 * 56 * 56.0}
    # stride 2, dilation 1: s*(OY-1) + FY = 2*3 + 3 = 9 rows, 2*4 + 2 = 10 columns
    c, lb = _conv(K=2, C=3, OY=4, OX=5, FY=3, FX=2, stride=2)
    p = compile_plan(c, tiny_arch(10 ** 9), _mapping(lb, {}, ()))
    assert dict(zip(p.tensors, p.t_words))["I"] == 3 * 9 * 10
    # stride 2 with a 1-wide filter skips every other row: 4 rows and 5 columns are touched
    c, lb = _conv(K=2, C=3, OY=4, OX=5, FY=1, FX=1, stride=2)
    p = compile_plan(c, tiny_arch(10 ** 9), _mapping(lb, {}, ()))
    assert dict(zip(p.tensors, p.t_words))["I"] == 3 * 4 * 5


def test_tiny_conv_traffic_and_footprint_by_hand():
    # O[k,oy,ox] = I[c,oy+fy,ox+fx] W[k,c,fy,fx], K=2, C=1, OY=OX=4, FY=FX=3: I is 6x6 = 36
    # words, W 2*9 = 18, O 2*16 = 32.
    c, lb = _conv(K=2, C=1, OY=4, OX=4, FY=3, FX=3)
    arch = tiny_arch(10 ** 6)
    whole = evaluate(c, arch, _mapping(lb, {}, ()))
    assert whole.traffic_words == 36 + 18 + 32
    assert whole.occupancy_words["k"] == 36 + 18 + 32
    # OY cut into 2 tiles of 2 rows: each input tile is (2+3-1) x 6 = 24 words (the 2 halo rows
    # are fetched again: 48 words of I), W stays (18), O written once (32); the buffer holds
    # 24 + 18 + 2*2*4 = 58 words
    cut = evaluate(c, arch, _mapping(lb, {"OY": 2}, ("OY",)))
    assert cut.traffic_words == 48 + 18 + 32
    assert cut.occupancy_words["k"] == 24 + 18 + 16
    # a remainder tile: OY=4 in tiles of 3 -> tiles of 3 and 1 rows touch 5 + 3 = 8 rows
    rem = evaluate(c, arch, _mapping(lb, {"OY": 3}, ("OY",)))
    assert rem.traffic_words == 8 * 6 + 18 + 32
    # FY cut to 1 as the only loop, OY whole: each fy fetches rows fy..fy+3 (4 rows):
    # 3 * 4 * 6 = 72 words of I; W is read once in pieces (18); O stays in the buffer across
    # the fy loop (its ranks are not cut) and is written once (32)
    fy = evaluate(c, arch, _mapping(lb, {"FY": 1}, ("FY",)))
    assert fy.traffic_words == 72 + 18 + 32
    # the same with OX cut into 2 tiles outside the fy loop: O tile 2*4*2 = 16 words is
    # finished within one ox tile (written once: 32); I per (ox tile, fy): 4 rows x (2+3-1)
    # columns = 16 words, 2 * 3 * 16 = 96; W is re-read for each ox tile (2 * 18)
    both = evaluate(c, arch, _mapping(lb, {"FY": 1, "OX": 2}, ("OX", "FY")))
    assert both.traffic_words == 96 + 36 + 32
    # FY outside OX: O's tiles are revisited for every fy: written 3 times and read back
    # twice (5 * 32); I 3 * 2 * 16 = 96 again; W read once (18)
    psum = evaluate(c, arch, _mapping(lb, {"FY": 1, "OX": 2}, ("FY", "OX")))
    assert psum.traffic_words == 96 + 18 + 5 * 32


@settings(max_examples=60, deadline=None)
@given(a=st.integers(1, 5), b=st.integers(1, 5), x=st.integers(1, 9), y=st.integers(1, 9))
def test_distinct_index_values_matches_enumeration(a, b, x, y):
    """The closed form dse uses (io_bounds', re-exported by dse.model) equals io_bounds'
    enumeration of touched elements (np.unique over every value; Nest.touched now uses the
    closed form itself, so it is no oracle)."""
    from io_bounds.touched import enumerate_index_values

    assert distinct_index_values([a, b], [x, y]) == enumerate_index_values([a, b], [x, y])


def test_distinct_index_values_split_rank():
    # M0*m1 + m0 (a rank split into chunks): every (m1, m0) is a distinct element
    assert distinct_index_values([256, 1], [16, 256]) == 16 * 256
    assert distinct_index_values([256, 1], [4, 100]) == 4 * 100


def _conv_mappings(draw, sizes, n):
    ranks = ["K", "C", "OY", "OX", "FY", "FX"]
    maps = []
    for _ in range(n):
        tiles = {r: draw(st.integers(1, sizes[r])) for r in ranks}
        order = tuple(draw(st.permutations(ranks)))
        a, b = draw(st.sampled_from(list(itertools.permutations(["K", "C", "OX", "OY"], 2))))
        maps.append(Mapping("rand", "conv2d", (Kernel("k", (LABEL,), tiles, order),),
                            (Binding(LABEL, "2d", {a: "rows", b: "cols"}),)))
    return maps


LABEL = "O"


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_conv_traffic_at_least_compulsory_and_lower_bound(data):
    """Random small convs and tilings: DRAM traffic >= the words that must move (each touched
    input element and each output once) and, for stride 1, >= io_bounds.lower_bound at the
    buffer words the mapping occupies; the batched evaluator agrees exactly with
    dse.evaluate."""
    import io_bounds

    # sizes >= 2: one loop-nest structure, whose HBL lattice io_bounds computes once (~3 s)
    sizes = {"K": data.draw(st.integers(2, 4)), "C": data.draw(st.integers(2, 3)),
             "OY": data.draw(st.integers(2, 6)), "OX": data.draw(st.integers(2, 6)),
             "FY": data.draw(st.integers(2, 3)), "FX": data.draw(st.integers(2, 3))}
    stride = data.draw(st.integers(1, 2))
    c, lb = _conv(**sizes, stride=stride)
    assert lb == LABEL
    arch = tiny_arch(10 ** 6)
    maps = _conv_mappings(data.draw, sizes, 3)
    iy = len({stride * o + f for o in range(sizes["OY"]) for f in range(sizes["FY"])})
    ix = len({stride * o + f for o in range(sizes["OX"]) for f in range(sizes["FX"])})
    compulsory = (sizes["C"] * iy * ix + sizes["K"] * sizes["C"] * sizes["FY"] * sizes["FX"]
                  + sizes["K"] * sizes["OY"] * sizes["OX"])
    singles = [evaluate(c, arch, m) for m in maps]
    plan, arrays = candidate_arrays(c, arch, maps)
    out = evaluate_batch(plan, **arrays)
    for i, s in enumerate(singles):
        assert s.traffic_words >= compulsory
        if stride == 1:  # (io_bounds' HBL lattice takes seconds on strided nests)
            bound = io_bounds.lower_bound(c, None, s.occupancy_words["k"], detail=False)
            assert s.traffic_words >= bound.words * (1 - 1e-12)
        assert out["traffic_words"][i] == s.traffic_words
        assert out["latency_s"][i] == s.latency_s
        assert out["energy_pJ"][i] == s.energy_pJ
        assert out["occupancy_words"][i, 0] == s.occupancy_words["k"]


def test_conv_batch_traffic_never_below_whole_tensor_sweep():
    # cutting ranks can only add halo refetch: every tiling moves >= the untiled traffic
    c, lb = _conv(K=4, C=2, OY=6, OX=5, FY=3, FX=2)
    arch = tiny_arch(10 ** 6)
    plan = compile_plan(c, arch, _mapping(lb, {}, ()))
    rng = np.random.default_rng(0)
    n = 500
    tiles = np.ceil(rng.random((n, 1, len(plan.ranks))) * plan.rank_size).clip(1)
    out = evaluate_batch(plan, tiles=tiles)
    base = evaluate_batch(plan)["traffic_words"][0]
    assert base == 2 * 8 * 6 + 4 * 2 * 3 * 2 + 4 * 6 * 5   # words of I, W and O
    assert (out["traffic_words"] >= base).all()
