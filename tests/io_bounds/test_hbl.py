from fractions import Fraction

import pytest

import io_bounds as iob
from io_bounds import BoundError
from io_bounds.hbl import Access, hbl_bound, hbl_solve, projection
from io_bounds.nest import Nest, conv2d, gemm


def _proj(spec):
    """spec: (ranks, [(tensor, indices, is_output), ...])"""
    ranks, accs = spec
    return list(ranks), [projection(t, ranks, list(ix), out) for t, ix, out in accs]


def test_matmul_exponent_is_exactly_three_halves():
    ranks, acc = _proj(("mnk", [("A", "mk", False), ("B", "kn", False), ("C", "mn", True)]))
    sol = hbl_solve(ranks, acc)
    assert sol.sigma_exact == Fraction(3, 2)
    assert sol.s == (0.5, 0.5, 0.5)


@pytest.mark.parametrize("spec", [
    ("gmnk", [("A", "gmk", False), ("B", "gkn", False), ("C", "gmn", True)]),     # batched
    ("abcd", [("A", "acd", False), ("B", "cdb", False), ("Z", "ab", True)]),      # contraction
    ("ijkl", [("A", "ijl", False), ("B", "lk", False), ("Z", "ijk", True)]),      # TTM
])
def test_other_contractions_also_give_three_halves(spec):
    # every rank lies in exactly two of the three tensors, so s = (1/2, 1/2, 1/2) is optimal:
    # summing the per-rank constraints of a rank from each pair gives sum s >= 3/2
    ranks, acc = _proj(spec)
    assert hbl_solve(ranks, acc).sigma_exact == Fraction(3, 2)


def test_matrix_vector_exponent_is_one():
    ranks, acc = _proj(("ij", [("A", "ij", False), ("x", "j", False), ("y", "i", True)]))
    assert hbl_solve(ranks, acc).sigma_exact == 1


def test_convolution_lattice_solution_is_exactly_feasible():
    n = conv2d(1, 4, 4, 6, 6, 3, 3)
    sol = hbl_solve(list(n.ranks), list(n.accesses))
    assert not sol.projective and sol.constraints > len(n.ranks)
    assert sol.sigma_exact >= Fraction(3, 2)  # at least as much as matmul's exponent


def test_hbl_bound_shape_for_matmul_and_weaker_than_smith():
    n = gemm(2048, 2048, 2048)
    for S in (256, 4096, 65536):
        b = hbl_bound(list(n.ranks), n.sizes, list(n.accesses), S, n.tensor_words())
        # HBL: S (mnk / (2S)^{3/2} - 1); Smith's constant is larger
        expect = S * (2048 ** 3 / (2 * S) ** 1.5 - 1)
        assert b.details["term_words"] == pytest.approx(expect, rel=1e-9)
        assert b.words <= iob.matmul(2048, 2048, 2048, S).words
        assert b.details["sigma_exact"] == "3/2"


def test_small_loop_bounds_use_dinh_demmel_exponents():
    n = gemm(4096, 4096, 2)  # K tiny: the LP puts weight on the loop bound of K
    b = hbl_bound(list(n.ranks), n.sizes, list(n.accesses), 1024, n.tensor_words())
    assert b.details["t"]["K"] > 0
    big = gemm(4096, 4096, 4096)
    b2 = hbl_bound(list(big.ranks), big.sizes, list(big.accesses), 1024, big.tensor_words())
    assert b2.details["t"]["K"] == 0


def test_rank_in_no_access_is_an_error():
    with pytest.raises(BoundError, match="appear in no tensor access"):
        hbl_solve(["i", "j"], [projection("A", ["i", "j"], ["i"])])


def test_access_validation():
    with pytest.raises(BoundError, match="one coefficient per rank"):
        Access("A", ((1, 0), (1,)))
    with pytest.raises(BoundError, match="no index expressions"):
        Access("A", ())
    with pytest.raises(BoundError, match="exactly one output"):
        Nest("x", ("i",), {"i": 2}, (projection("A", ["i"], ["i"]),))
