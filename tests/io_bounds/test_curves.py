import numpy as np
import pandas as pd
import pytest

import io_bounds as iob
from io_bounds import BoundError
from io_bounds.closed_forms import flash_attention_traffic
from io_bounds.curves import (attention_curve, divisors, einsum_curve, naive_einsum_curve,
                              tiling_traffic, two_gemm_curve)
from io_bounds.hbl import Access
from io_bounds.nest import Nest, gemm


def _check_pareto(df):
    b, t = df["buffer_words"].to_numpy(), df["traffic_words"].to_numpy()
    assert np.all(np.diff(b) > 0) and np.all(np.diff(t) < 0)


def test_divisors():
    assert divisors(12).tolist() == [1, 2, 3, 4, 6, 12]
    assert divisors(1).tolist() == [1]
    assert divisors(97).tolist() == [1, 97]


def test_gemm_curve_runs_from_no_reuse_to_compulsory():
    M, N, K = 48, 20, 12
    df = einsum_curve(gemm(M, N, K))
    _check_pareto(df)
    assert df["buffer_words"].iat[0] == 3               # one word of each tensor
    assert df["traffic_words"].iat[0] <= 3 * M * N * K  # never worse than no reuse
    assert df["traffic_words"].iat[-1] == M * K + K * N + M * N
    assert df.attrs["compulsory_words"] == M * K + K * N + M * N


@pytest.mark.parametrize("nest", [
    gemm(8, 6, 4),
    Nest.projective("bmm", ("Z", "gmn"), [("A", "gmk"), ("B", "gkn")],
                    dict(g=2, m=4, n=3, k=2)),
    # 1-D convolution O[k,p] = I[c,p+r] * W[k,c,r] (affine halo; 4! orders keep it quick)
    Nest("conv1d", ("k", "c", "p", "r"), dict(k=2, c=3, p=4, r=3),
         (Access("I", ((0, 1, 0, 0), (0, 0, 1, 1))), Access("W", ((1, 0, 0, 0), (0, 1, 0, 0),
                                                                   (0, 0, 0, 1))),
          Access("O", ((1, 0, 0, 0), (0, 0, 1, 0)), is_output=True))),
])
def test_vectorised_equals_scalar_loops(nest):
    a, b = einsum_curve(nest), naive_einsum_curve(nest)
    assert a["buffer_words"].tolist() == b["buffer_words"].tolist()
    assert a["traffic_words"].tolist() == b["traffic_words"].tolist()


def test_tiling_traffic_by_hand():
    # M=4,N=4,K=4, tiles 2x2x4, order M>N>K (K has one trip): A read once (16), B read
    # M/2=2 times (32), Z written once (16) -> 64 words; buffer 2*4 + 4*2 + 2*2 = 20
    m = tiling_traffic(gemm(4, 4, 4), dict(M=2, N=2, K=4), ("M", "N", "K"))
    assert m["per_tensor"] == {"A": 16, "B": 32, "Z": 16}
    assert m["buffer_words"] == 20
    # tiles 2x2x1, order K>M>N: each of the 4 Z tiles (4 words) is visited once per K step:
    # 16 visits -> 64 words written, 64 - 16 = 48 read back (first read elided): 112.
    # A[m,k] tile (2 words) changes 4*2 times (N is inside M): 16; B[k,n] changes 4*2*2: 32
    m = tiling_traffic(gemm(4, 4, 4), dict(M=2, N=2, K=1), ("K", "M", "N"))
    assert m["per_tensor"] == {"A": 16, "B": 32, "Z": 112}
    # a one-trip loop moves no tile: Z of tiles 4x4x1 stays on chip whatever the order
    m = tiling_traffic(gemm(4, 4, 4), dict(M=4, N=4, K=1), ("K", "M", "N"))
    assert m["per_tensor"]["Z"] == 16
    with pytest.raises(BoundError, match="does not divide"):
        tiling_traffic(gemm(4, 4, 4), dict(M=3, N=4, K=4), ("M", "N", "K"))


def test_attainable_never_below_rigorous_lower_bounds():
    for name, sizes in (("gemm", dict(M=96, N=64, K=48)),
                        ("conv2d", dict(N=1, C=4, H=10, W=10, K=4, R=3, S=3)),
                        ("batched-gemm", dict(G=3, M=16, N=8, K=12))):
        df = iob.attainable(name, sizes)
        for b, t in zip(df["buffer_words"], df["traffic_words"]):
            lb = iob.lower_bound(name, sizes, b, detail=False)
            assert lb.rigorous and t >= lb.words - 1e-6, (name, b, t, lb.words)


def test_buffers_give_one_row_per_capacity():
    df = iob.attainable("gemm", dict(M=32, N=16, K=8), buffers=[1, 3, 50, 10 ** 6])
    assert len(df) == 4 and np.isnan(df["traffic_words"].iat[0])
    assert df["mapping"].iat[0] == "no mapping fits"
    t = df["traffic_words"].to_numpy()[1:]
    assert np.all(np.diff(t) <= 0) and t[-1] == 32 * 8 + 8 * 16 + 32 * 16
    assert (df["mapping_buffer_words"].iloc[1:] <= df["buffer_words"].iloc[1:]).all()
    with pytest.raises(BoundError, match="at least one element"):
        iob.attainable("gemm", dict(M=4, N=4, K=4), buffers=[0.5])


def test_two_gemm_chain_fusion_helps_and_ends_at_compulsory():
    M, K, N, P = 64, 32, 16, 8
    df = two_gemm_curve(M, K, N, P)
    _check_pareto(df)
    assert df["traffic_words"].iat[-1] == M * K + K * N + N * P + M * P
    assert df["mapping"].str.startswith("fused").any()
    # unfused needs Z1 through DRAM (written and read) even with everything on chip
    g1 = einsum_curve(Nest.projective("g1", ("Z1", "mn"), [("A", "mk"), ("B", "kn")],
                                      dict(m=M, n=N, k=K)))
    g2 = einsum_curve(Nest.projective("g2", ("Z2", "mp"), [("Z1", "mn"), ("D", "np")],
                                      dict(m=M, n=N, p=P)))
    unfused_min = g1["traffic_words"].min() + g2["traffic_words"].min()
    assert unfused_min == df["traffic_words"].iat[-1] + 2 * M * N


def test_attention_curve_against_flash_attention():
    N, d = 1024, 64
    df = attention_curve(N, N, d, d)
    _check_pareto(df)
    assert df["traffic_words"].iat[-1] == 4 * N * d
    for M in (2 ** 11, 2 ** 13, 2 ** 15):
        ours = iob.curves.at_buffers(df, [M])["traffic_words"].iat[0]
        assert ours <= flash_attention_traffic(N, d, M, "fa1")["traffic_words"]
        assert ours <= 2.5 * flash_attention_traffic(N, d, M, "fa2")["traffic_words"]
        assert ours >= iob.attention(N, d, M).compulsory_words


def test_attainable_on_library_cascades_dispatches():
    att = iob.attainable("attention-1pass", dict(B=1, H=2, P=64, M=64, E=8, F=8))
    assert att.attrs["family"] == "fused 1-pass attention"
    assert att["traffic_words"].iat[-1] == 2 * 4 * 64 * 8  # two heads, 4Nd each
    mlp = iob.attainable("mlp", dict(N=4, I=8, H=8, O=4))
    assert mlp.attrs["family"].startswith("unfused")
    assert isinstance(mlp, pd.DataFrame) and list(mlp.columns) == ["buffer_words",
                                                                    "traffic_words", "mapping"]
