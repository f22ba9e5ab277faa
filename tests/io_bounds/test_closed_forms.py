import math

import pytest

import io_bounds as iob
from io_bounds import Bound, BoundError
from io_bounds.closed_forms import attention_backward, compulsory, flash_attention_traffic


def test_matmul_smith_golden():
    # hand: 2*1024^3/sqrt(65536) - 2*65536 = 2^31/2^8 - 2^17 = 8,388,608 - 131,072
    b = iob.matmul(1024, 1024, 1024, 65536)
    assert b.words == 8_257_536
    assert b.compulsory_words == 3 * 1024 * 1024
    assert b.method == "smith-matmul" and b.rigorous
    assert "1702.02017" in b.citation


def test_matmul_is_compulsory_when_buffer_is_huge():
    b = iob.matmul(64, 32, 16, 10 ** 6)
    assert b.words == 64 * 16 + 16 * 32 + 64 * 32
    assert b.regime == "compulsory"


def test_cosma_form_is_not_a_lower_bound_but_smith_is():
    # spec: m=16384, n=k=1024, S=525824; a B-stationary tiling moves 2mk + kn + mn words
    m, n, k, S = 16384, 1024, 1024, 525824
    reached = iob.attainable("gemm", dict(M=m, N=n, K=k), buffers=[S])["traffic_words"].iat[0]
    assert reached == 2 * m * k + k * n + m * n
    cosma = 2 * m * n * k / math.sqrt(S) + m * n
    assert cosma > reached                      # so COSMA's form is not a valid bound here
    assert iob.matmul(m, n, k, S).words <= reached


def test_attention_regimes_and_continuity_at_d_squared():
    N, d = 4096, 64
    at = iob.attention(N, d, d * d)
    below = iob.attention(N, d, d * d - 1e-6)
    # both terms equal N^2 at M = d^2 (spec)
    assert at.details["term_words"] == pytest.approx(N * N)
    assert below.details["term_words"] == pytest.approx(N * N, rel=1e-9)
    assert "M >= d^2" in at.regime and "M < d^2" in below.regime
    assert not at.rigorous and "constant" in " ".join(at.assumptions)


def test_attention_constant_scales_and_compulsory_floor():
    N, d, M = 1024, 64, 1024
    one = iob.attention(N, d, M)
    two = iob.attention(N, d, M, constant=2)
    assert two.details["term_words"] == pytest.approx(2 * one.details["term_words"])
    huge = iob.attention(N, d, 10 ** 9)
    assert huge.words == 4 * N * d and huge.regime == "compulsory"


def test_scaling_invariants():
    S = 4096
    # matmul: Q sqrt(S) / (mnk) -> 2 as the problem grows with S fixed
    r = [iob.matmul(n, n, n, S).words * math.sqrt(S) / n ** 3 for n in (256, 1024, 4096)]
    assert abs(r[-1] - 2) < abs(r[0] - 2) and r[-1] == pytest.approx(2, rel=1e-3)
    # attention: Q M / (N^2 d^2) = c for M >= d^2, Q sqrt(M) / (N^2 d) = c for M < d^2
    N, d = 2 ** 15, 64
    for M, expect in ((2 ** 14, lambda q, M: q * M / (N * N * d * d)),
                      (2 ** 10, lambda q, M: q * math.sqrt(M) / (N * N * d))):
        assert expect(iob.attention(N, d, M).words, M) == pytest.approx(1.0)


def test_attention_backward_shape():
    N, d = 8192, 64
    b = attention_backward(N, d, 2 ** 14)
    assert b.details["term_words"] == pytest.approx((N * N * d * d + N * d ** 3) / 2 ** 14)
    assert b.compulsory_words == 8 * N * d + N and not b.rigorous


def test_flash_attention_traffic_matches_its_approximations():
    N, d, M = 16384, 64, 2 ** 16
    fa1 = flash_attention_traffic(N, d, M, "fa1")
    fa2 = flash_attention_traffic(N, d, M, "fa2")
    assert fa1["B_c"] == math.ceil(M / (4 * d)) and fa1["B_r"] == min(fa1["B_c"], d)
    assert fa1["traffic_words"] == pytest.approx(fa1["approx_words"], rel=0.1)
    assert fa2["traffic_words"] == pytest.approx(fa2["approx_words"], rel=0.1)
    assert fa2["traffic_words"] < fa1["traffic_words"]
    assert fa2["traffic_words"] >= iob.attention(N, d, M).words


def test_flash_attention_errors():
    with pytest.raises(BoundError, match="valid: fa1, fa2"):
        flash_attention_traffic(64, 8, 1024, "fa3")
    with pytest.raises(BoundError, match="too small"):
        flash_attention_traffic(64, 64, 100, "fa2")


@pytest.mark.parametrize("args", [(0, 2, 2, 10), (2, -1, 2, 10), (2, 2, 1.5, 10), (2, 2, 2, 0.5),
                                  (2, 2, 2, float("nan")), (True, 2, 2, 10)])
def test_bad_inputs_raise(args):
    with pytest.raises(BoundError):
        iob.matmul(*args)


def test_bound_bytes_and_round_trip():
    b = iob.matmul(256, 128, 64, 1024)
    assert b.bytes(2) == 2 * b.words
    again = Bound.from_dict(b.to_dict())
    assert again == b
    with pytest.raises(BoundError, match="word_bytes"):
        b.bytes(0)
    with pytest.raises(BoundError, match="unknown Bound field"):
        Bound.from_dict({**b.to_dict(), "extra": 1})
    with pytest.raises(BoundError, match="compulsory_words"):
        Bound(words=1, compulsory_words=5, fast_memory_words=4, regime="x", method="x",
              theorem="x", citation="x")


def test_compulsory_sums_sizes():
    assert compulsory([3, 4, 5]) == 12
    with pytest.raises(BoundError):
        compulsory([3, 0])
