"""The mapper's mapping space, search strategies and Pareto fronts (no cost model needed:
searches here score candidates with a synthetic objective built from the decoded arrays)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dse.errors import DSEError
from dse.mapper.search import Budget, pareto_mask, run_search
from dse.mapper.space import ArrayShape, LoopNest, MappingSpace, divisors, space_for


def small_space(cap=4096.0):
    return space_for(LoopNest.gemm(8, 12, 6), ArrayShape((4, 4), (cap,)))


def test_divisors():
    assert divisors(12) == [1, 2, 3, 4, 6, 12]
    assert divisors(1) == [1]


def test_exhaustive_enumeration_is_complete_and_unique():
    sp = small_space()
    g = sp.enumerate(0, sp.size + 10)
    assert len(g) == sp.size
    assert len({tuple(r) for r in g}) == sp.size
    b = sp.decode(g)
    # every tile divides the padded rank and is a multiple of its spatial factor
    padded = b.s * b.q
    assert np.all(padded % b.tiles[:, 0, :] == 0)
    assert np.all(b.tiles[:, 0, :] % b.s == 0)
    # spatial factors never exceed the array dimension; one rank per dimension
    assert np.all(b.spatial_factor <= np.array([4, 4]))
    two = (b.spatial_rank[:, 0] >= 0) & (b.spatial_rank[:, 1] >= 0)
    assert np.all(b.spatial_rank[two, 0] != b.spatial_rank[two, 1])
    # decoded candidates are distinct mappings
    key = np.concatenate([b.spatial_rank, b.spatial_factor, b.tiles[:, 0, :], b.order,
                          b.inner[:, None]], axis=1)
    assert len(np.unique(key, axis=0)) == sp.size


def test_space_size_by_hand():
    # GEMM 8x12x6 on a 4-wide 1D array, one level, no padding choices beyond divisors:
    # spatial: none | m in {2,4} | n in {2,3,4} | k in {2,3} (+ padded min(4,N) already a
    # divisor except k: min(4,6)=4 is padded) -> 1 + 2 + 3 + 3 = 9 choices
    sp = MappingSpace(LoopNest.gemm(8, 12, 6), ArrayShape((4,), (1e9,)))
    assert sp.spatial_count == 9
    # no unrolling: tiles = divisors of 8, 12, 6 -> 4*6*4 = 96, times 3! orders, times
    # 3 stationary-rank choices
    assert int(np.prod(sp.tile_card[0])) * len(sp.order_table) * sp.n_inner == 96 * 6 * 3


def test_samples_and_mutations_stay_in_space():
    sp = space_for(LoopNest.conv2d(16, 8, 14, 14, 3, 3), ArrayShape((8, 8), (1e4, 1e6)))
    rng = np.random.default_rng(1)
    g = sp.sample(2000, rng)
    for arr in (g, sp.mutate(g, rng), sp.crossover(g, g[::-1], rng)):
        assert np.all(arr[:, 0] < sp.spatial_count)
        card = sp.tile_card[arr[:, 0]]
        assert np.all((arr[:, 1:-2] >= 0) & (arr[:, 1:-2] < card))
        assert np.all((arr[:, -1] >= 0) & (arr[:, -1] < sp.n_inner))
        b = sp.decode(arr)
        # nested chains: the inner level's tile divides the outer one's
        assert np.all(b.tiles[:, 1, :] % b.tiles[:, 0, :] == 0)


def test_footprint_sliding_window():
    nest = LoopNest.conv2d(K=4, C=2, OY=5, OX=5, FY=3, FX=3)
    sp = MappingSpace(nest, ArrayShape((2, 2), (1e9,)))
    full = np.array([[1, 4, 2, 5, 5, 3, 3]])
    # input tile: b*c*(oy+fy-1)*(ox+fx-1) = 1*2*7*7; weights 4*2*3*3; outputs 4*5*5
    assert sp.footprint_words(full).tolist() == [[98, 72, 100]]


def test_capacity_pruning_and_too_small_architecture():
    sp = small_space(cap=60.0)
    b = sp.decode(sp.enumerate(0, sp.size))
    fit = sp.fits(b)
    used = sp.footprint_words(b.tiles[:, 0, :]).sum(axis=1)
    assert np.array_equal(fit, used <= 60) and fit.any() and not fit.all()
    with pytest.raises(DSEError, match="cannot hold one tile"):
        space_for(LoopNest.gemm(8, 8, 8), ArrayShape((4, 4), (2.0,)))


def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(0)
    pts = rng.integers(0, 20, (300, 2)).astype(float)
    mask = pareto_mask(pts)
    uniq = {tuple(p) for p in pts}
    brute = {p for p in uniq if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in uniq)}
    assert {tuple(p) for p in pts[mask]} == brute
    assert mask.sum() == len(brute)  # duplicates kept once


def synthetic(sp):
    """A synthetic cost from the decoded arrays: 'latency' = padded steps + tile traffic."""
    def evaluate(genes):
        b = sp.decode(genes)
        steps = np.prod(b.q, axis=1).astype(float)
        traffic = sp.footprint_words(b.tiles[:, 0, :]).sum(axis=1) * (1 + b.order[:, 0])
        energy = traffic + 0.1 * steps
        return steps + 0.01 * traffic, energy, sp.fits(b)
    return evaluate


@pytest.mark.parametrize("strategy", ["random", "local", "genetic"])
def test_strategies_reach_the_exhaustive_optimum(strategy):
    sp = small_space()
    ev = synthetic(sp)
    full, _, _ = run_search(sp, ev, objective="latency", budget=Budget(candidates=sp.size),
                            strategy="exhaustive", seed=0, batch_size=4096, progress=False,
                            desc="")
    lat, en, ok = ev(sp.enumerate(0, sp.size))
    assert full.evaluated == sp.size and math.isclose(full.best_score, lat[ok].min())
    tr, interrupted, used = run_search(sp, ev, objective="latency",
                                       budget=Budget(candidates=6000), strategy=strategy, seed=3,
                                       batch_size=512, progress=False, desc="")
    assert not interrupted and used == strategy and tr.evaluated == 6000
    assert tr.best_score <= full.best_score * 1.05


def test_front_is_the_pareto_set_of_everything_seen():
    sp = small_space()
    ev = synthetic(sp)
    tr, _, _ = run_search(sp, ev, objective="edp", budget=Budget(candidates=sp.size),
                          strategy="exhaustive", seed=0, batch_size=1000, progress=False, desc="")
    lat, en, ok = ev(sp.enumerate(0, sp.size))
    pts = np.stack([lat[ok], en[ok]], 1)
    expect = {tuple(p) for p in pts[pareto_mask(pts)]}
    assert {tuple(p) for p in tr.front_cost} == expect
    assert math.isclose(tr.best_score, float((lat[ok] * en[ok]).min()))


def test_interrupted_search_returns_best_so_far():
    sp = small_space()
    ev = synthetic(sp)
    calls = itertools.count()

    def flaky(genes):
        if next(calls) == 3:
            raise KeyboardInterrupt
        return ev(genes)

    tr, interrupted, _ = run_search(sp, flaky, objective="latency", budget=Budget(candidates=10**6),
                                    strategy="random", seed=0, batch_size=100, progress=False,
                                    desc="")
    assert interrupted and tr.evaluated == 300 and tr.best_genes is not None


@pytest.mark.parametrize("bad", [0, -1, 0.0, {"candidates": 0}, {"bogus": 1}, True, "x"])
def test_bad_budgets(bad):
    with pytest.raises(DSEError, match="budget"):
        Budget.parse(bad, default=10)


def test_unknown_strategy_and_objective():
    sp = small_space()
    with pytest.raises(DSEError, match="genetic"):
        run_search(sp, synthetic(sp), objective="latency", budget=Budget(candidates=5),
                   strategy="annealing", seed=0, batch_size=10, progress=False, desc="")
    with pytest.raises(DSEError, match="edp"):
        run_search(sp, synthetic(sp), objective="power", budget=Budget(candidates=5),
                   strategy="random", seed=0, batch_size=10, progress=False, desc="")


def test_bad_loop_nests():
    with pytest.raises(DSEError, match="positive integer"):
        LoopNest.gemm(0, 4, 4)
    with pytest.raises(DSEError, match="dims of array"):
        ArrayShape((0, 4), (10.0,))
