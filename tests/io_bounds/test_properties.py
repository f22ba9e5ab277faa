"""Property tests: simulated traffic versus bounds and the attainable model (hypothesis)."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import io_bounds as iob
from io_bounds.curves import tiling_traffic
from io_bounds.hbl import hbl_bound
from io_bounds.nest import Nest, gemm
from io_bounds.simulator import simulate

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SIZES = st.sampled_from([1, 2, 3, 4, 6])


@st.composite
def einsums(draw):
    """A random projective Einsum: 2-4 ranks, two inputs and one output over random subsets,
    every rank in some tensor, a reduction rank or not, at most a few hundred iterations."""
    n = draw(st.integers(2, 4))
    ranks = "ijkl"[:n]
    sizes = {r: draw(SIZES) for r in ranks}
    subsets = st.lists(st.sampled_from(ranks), min_size=1, max_size=n, unique=True)
    out = draw(subsets)
    a = draw(subsets)
    b = draw(subsets)
    missing = [r for r in ranks if r not in set(out) | set(a) | set(b)]
    b = b + missing
    nest = Nest.projective("rand", ("Z", out), [("A", a), ("B", b)], sizes, ranks=ranks)
    return nest


@st.composite
def tilings(draw, nest):
    tiles = {r: draw(st.sampled_from([d for d in range(1, L + 1) if L % d == 0]))
             for r, L in nest.sizes.items()}
    order = draw(st.permutations(list(nest.ranks)))
    return tiles, tuple(order)


def _rigorous_bounds(nest, S):
    """Every proven bound that applies to this nest at fast memory S (words)."""
    words = nest.tensor_words()
    out = [("compulsory", float(sum(words.values()))),
           ("hbl", hbl_bound(list(nest.ranks), nest.sizes, list(nest.accesses), S, words).words)]
    rel = [nest.relevant(a) for a in nest.accesses]
    if len(nest.ranks) == 3 and all(len(r) == 2 for r in rel) and \
            len(set(map(frozenset, rel))) == 3:  # a plain matmul in disguise
        m, n, k = (nest.sizes[r] for r in nest.ranks)
        out.append(("smith", iob.matmul(m, n, k, S).words))
    return out


@SETTINGS
@given(st.data())
def test_model_equals_counted_misses_of_its_own_schedule(data):
    nest = data.draw(einsums())
    tiles, order = data.draw(tilings(nest))
    model = tiling_traffic(nest, tiles, order)
    sim = simulate(nest, tiles, order, "tile")
    assert sim["traffic_words"] == model["traffic_words"]
    assert sim["peak_words"] == model["buffer_words"]


@SETTINGS
@given(st.data())
def test_simulated_traffic_is_at_least_every_rigorous_bound(data):
    nest = data.draw(einsums())
    tiles, order = data.draw(tilings(nest))
    total = sum(nest.tensor_words().values())
    S = data.draw(st.integers(len(nest.accesses), max(len(nest.accesses), total + 2)))
    for policy in ("lru", "opt"):
        sim = simulate(nest, tiles, order, policy, S)
        for name, words in _rigorous_bounds(nest, S):
            assert sim["traffic_words"] >= words - 1e-9, (policy, name, S, sim, words)


@SETTINGS
@given(st.data())
def test_belady_loads_never_exceed_the_models_loads(data):
    # Belady minimises misses for a capacity; the tile schedule is one admissible policy with
    # that capacity (its buffer), so optimal loads <= the model's loads
    nest = data.draw(einsums())
    tiles, order = data.draw(tilings(nest))
    model = tiling_traffic(nest, tiles, order)
    out = nest.output.tensor
    z = nest.tensor_words()[out]
    model_loads = model["traffic_words"] - (model["per_tensor"][out] + z) / 2
    opt = simulate(nest, tiles, order, "opt", model["buffer_words"])
    assert opt["loads_words"] <= model_loads


def test_simulated_gemm_respects_smith_at_small_buffers():
    n = gemm(12, 12, 12)
    for S in (3, 8, 27, 64):
        for tiles in (dict(M=1, N=1, K=12), dict(M=2, N=2, K=1), dict(M=4, N=3, K=2)):
            sim = simulate(n, tiles, ("M", "N", "K"), "opt", S)
            assert sim["traffic_words"] >= iob.matmul(12, 12, 12, S).words


@SETTINGS
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 64),
       st.floats(1, 1e5), st.floats(1, 1e5))
def test_bounds_are_non_increasing_in_fast_memory(m, n, k, s1, s2):
    lo, hi = sorted((s1, s2))
    assert iob.matmul(m, n, k, hi).words <= iob.matmul(m, n, k, lo).words
    assert iob.attention(m * 8, n, hi).words <= iob.attention(m * 8, n, lo).words
    assert iob.attention_backward(m * 8, n, hi).words <= \
        iob.attention_backward(m * 8, n, lo).words
    g = gemm(m, n, k)
    w = g.tensor_words()
    assert hbl_bound(list(g.ranks), g.sizes, list(g.accesses), hi, w).words <= \
        hbl_bound(list(g.ranks), g.sizes, list(g.accesses), lo, w).words + 1e-6


@pytest.mark.parametrize("N,d", [(1024, 64), (4096, 128), (77, 5)])
def test_attention_bound_is_continuous_at_d_squared(N, d):
    M = d * d
    left = iob.attention(N, d, M * (1 - 1e-9), constant=3).details["term_words"]
    right = iob.attention(N, d, M * (1 + 1e-9), constant=3).details["term_words"]
    at = iob.attention(N, d, M, constant=3).details["term_words"]
    assert left == pytest.approx(at, rel=1e-6) and right == pytest.approx(at, rel=1e-6)
    assert at == pytest.approx(3 * N * N)


def test_simulator_errors():
    n = gemm(4, 4, 4)
    with pytest.raises(iob.BoundError, match="valid: lru, opt, tile"):
        simulate(n, dict(M=1, N=1, K=1), ("M", "N", "K"), "fifo", 8)
    with pytest.raises(iob.BoundError, match="one iteration"):
        simulate(n, dict(M=1, N=1, K=1), ("M", "N", "K"), "lru", 2)
    with pytest.raises(iob.BoundError, match="permutation"):
        simulate(n, dict(M=1, N=1, K=1), ("M", "N"), "tile")


def test_convolution_simulation_against_hbl_and_model():
    from io_bounds.nest import conv2d

    nest = conv2d(1, 2, 2, 4, 4, 3, 3)
    words = nest.tensor_words()
    for tiles, order in ((dict(N=1, K=1, C=2, P=2, Q=4, R=3, S=3), nest.ranks),
                         (dict(N=1, K=2, C=1, P=4, Q=2, R=1, S=3), ("R", "C", "K", "N", "P",
                                                                     "Q", "S"))):
        model = tiling_traffic(nest, tiles, order)
        assert simulate(nest, tiles, order, "tile")["traffic_words"] == model["traffic_words"]
        for S in (3, 12, 40, 200):
            lb = hbl_bound(list(nest.ranks), nest.sizes, list(nest.accesses), S, words).words
            for policy in ("lru", "opt"):
                assert simulate(nest, tiles, order, policy, S)["traffic_words"] >= lb


def test_strided_model_is_an_upper_bound_of_its_schedule():
    # stride 2 with R = 1 leaves gaps: the model loads the tile's span, the trace touches less
    from io_bounds.nest import conv2d

    nest = conv2d(1, 1, 2, 4, 4, 1, 1, stride=2)
    tiles = dict(N=1, K=1, C=1, P=2, Q=2, R=1, S=1)
    model = tiling_traffic(nest, tiles, nest.ranks)
    sim = simulate(nest, tiles, nest.ranks, "tile")
    assert model["traffic_words"] > sim["traffic_words"]
    assert nest.tensor_words()["I"] == 2 * 4 * 4  # touched, not the 2 * 7 * 7 span


@settings(max_examples=15, deadline=None)
@given(st.floats(2, 5000), st.floats(2, 5000))
def test_cascade_bounds_are_non_increasing_in_fast_memory(s1, s2):
    lo, hi = sorted((s1, s2))
    for name, sizes in (("gemm", dict(M=64, N=48, K=32)),
                        ("attention-3pass", dict(B=1, H=1, P=64, M=256, E=16, F=16))):
        a = iob.lower_bound(name, sizes, lo, detail=False)
        b = iob.lower_bound(name, sizes, hi, detail=False)
        assert b.words <= a.words + 1e-6 and b.words >= b.compulsory_words


@pytest.mark.parametrize("M,K,N,P,m0", [(8, 4, 4, 3, 2), (6, 3, 5, 2, 3), (8, 2, 3, 2, 1),
                                        (4, 4, 4, 4, 4)])
def test_fused_two_gemm_schedule_fits_its_claimed_buffer(M, K, N, P, m0):
    # Belady is optimal for loads at a given capacity; replaying the fused trace with exactly the
    # claimed buffer must need no more loads than the model says (else the occupancy
    # convention would be under-counting), and the total must respect compulsory traffic
    from io_bounds.curves import fused_rows_model
    from io_bounds.simulator import fused_two_gemm_trace, simulate_trace

    buf, traffic = fused_rows_model(M, K, N, P, m0)
    addr, wr, inter = fused_two_gemm_trace(M, K, N, P, m0)
    opt = simulate_trace(addr, wr, "opt", buf, inter)
    assert opt["loads_words"] <= traffic - M * P  # model: Z2 stored once, Z1 never
    assert opt["traffic_words"] >= M * K + K * N + N * P + M * P


@pytest.mark.parametrize("P,M,E,F,p0", [(8, 8, 4, 4, 2), (6, 5, 3, 3, 4), (4, 4, 2, 2, 4),
                                        (5, 6, 2, 3, 1)])
def test_fused_attention_schedule_fits_its_claimed_buffer(P, M, E, F, p0):
    from io_bounds.curves import attention_qs_model
    from io_bounds.simulator import fused_attention_trace, simulate_trace

    buf, traffic = attention_qs_model(P, M, E, F, p0)
    addr, wr, inter = fused_attention_trace(P, M, E, F, p0)
    opt = simulate_trace(addr, wr, "opt", buf, inter)
    assert opt["loads_words"] <= traffic - P * F
    assert opt["stores_words"] == P * F  # only AV reaches DRAM
    assert opt["traffic_words"] >= P * E + M * E + M * F + P * F
