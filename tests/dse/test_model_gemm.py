"""Hand-checked GEMM costs on a 4 x 4 array (tests/dse/costmodel_helpers.tiny_arch)."""

import pytest

from dse.errors import MappingError
from dse.mapping import Binding, Kernel, Mapping
from dse.model import evaluate
from einsum_cascade import library

from costmodel_helpers import tiny_arch


def gemm_mapping(tiles=None, order=("M",), spatial=None) -> Mapping:
    return Mapping("g", "gemm",
                   (Kernel("k", ("Z",), tiles or {"M": 4}, order),),
                   (Binding("Z", "2d", spatial or {"M": "cols", "N": "rows"}),))


def test_gemm_8x3x4_by_hand():
    # Z[M=8,N=4] = A[8,3] B[3,4]; M over 4 columns, N over 4 rows, K temporal.
    r = evaluate(library.get("gemm", M=8, K=3, N=4), tiny_arch(), gemm_mapping())
    # cycles: M tiles of 4 -> 2 steps, N -> 1 step, K -> 3 steps: 2*1*3 = 6 (1 cycle per MAC)
    assert r.cycles == 6
    assert r.compute_s == 6.0
    # DRAM: A 24 words once (its M loop is the only one), B 12 words once (held whole),
    # Z 32 words written once: 68 words = 136 bytes at 68 B/s = 2 s -> compute-bound
    assert r.traffic_words == 68
    assert r.memory_s == pytest.approx(2.0)
    assert r.latency_s == 6.0 and r.bound == "compute"
    # 96 MACs on 16 PEs over 6 cycles: fully used
    assert r.utilization["2d"] == pytest.approx(1.0)
    assert r.utilization["1d"] == 0.0
    # energy: 96 MAC x 1 pJ; buffer reads A 96/4 (multicast over N rows) + B 96/4 + DRAM
    # writes 32 = 80 x 1 pJ; buffer writes Z 32 (K reduced in the PE) + DRAM fills 36 = 68 x 2;
    # DRAM 68 words x 10 pJ
    assert r.energy_breakdown_pJ == pytest.approx({"compute": 96.0, "buffer": 80 + 136,
                                                   "dram": 680.0})
    assert r.energy_pJ == pytest.approx(992.0)
    assert r.action_counts == pytest.approx({"mac": 96, "glb_read": 80, "glb_write": 68,
                                             "dram_read": 36, "dram_write": 32})
    # occupancy: A tile 4x3 + B 3x4 + Z 4x4 = 40 words
    assert r.occupancy_words == {"k": 40.0}
    # area: 16 PEs x 10 um2 (mac) + 4 PEs x 5 (add) + 100 (buffer)
    assert r.area_um2 == pytest.approx(160 + 20 + 100)


def test_padding_is_counted_not_hidden():
    # N = 3 on 4 rows: the same 6 cycles, but a quarter of the PEs idle
    r = evaluate(library.get("gemm", M=8, K=3, N=3), tiny_arch(), gemm_mapping())
    assert r.cycles == 6
    assert r.utilization["2d"] == pytest.approx(72 / 96)
    row = r.einsums.set_index("einsum").loc["Z"]
    assert row["padding_points"] == 96 - 72
    assert r.padding_op_cycles == 24


def test_memory_bound_when_bandwidth_is_short():
    a = tiny_arch()
    slow = a.from_dict({**a.to_dict(), "levels": [
        {**a.to_dict()["levels"][0], "bandwidth_bytes_per_s": 2.0}, a.to_dict()["levels"][1]]})
    r = evaluate(library.get("gemm", M=8, K=3, N=4), slow, gemm_mapping())
    assert r.memory_s == 68.0 and r.latency_s == 68.0 and r.bound == "memory"
    assert r.utilization["2d"] == pytest.approx(96 / (16 * 68))


def test_refetch_follows_loop_order():
    # tile M=4 and N=2: with order (M, N) B is refetched for each M tile (2x 12 words),
    # with order (N, M) A is refetched for each N tile (2x 24 words)
    c = library.get("gemm", M=8, K=3, N=4)
    mn = evaluate(c, tiny_arch(), gemm_mapping({"M": 4, "N": 2}, ("M", "N")))
    nm = evaluate(c, tiny_arch(), gemm_mapping({"M": 4, "N": 2}, ("N", "M")))
    assert mn.traffic_words == 24 + 2 * 12 + 32
    assert nm.traffic_words == 2 * 24 + 12 + 32


def test_partial_sums_when_reduction_is_tiled_outside():
    # K tiled by 1 and outermost: Z is revisited 3 times: written 3x, read back 2x
    c = library.get("gemm", M=8, K=3, N=4)
    r = evaluate(c, tiny_arch(), gemm_mapping({"M": 4, "K": 1}, ("K", "M")))
    assert r.traffic_words == 24 + 12 + 3 * 32 + 2 * 32


def test_does_not_fit_names_tensor_and_level():
    with pytest.raises(MappingError, match=r"level 'glb' \(capacity 39 words\).*largest tensor is 'Z'"):
        evaluate(library.get("gemm", M=8, K=3, N=4), tiny_arch(capacity_words=39), gemm_mapping())


def test_auto_tile_is_largest_that_fits():
    # M auto: A M x 3 + B 12 + Z M x 4 <= 40 -> M <= 4 (multiples of the 4 columns)
    r = evaluate(library.get("gemm", M=16, K=3, N=4), tiny_arch(),
                 gemm_mapping({"M": "auto"}))
    assert r.tiles == {"k": {"M": 4}}
    big = evaluate(library.get("gemm", M=16, K=3, N=4), tiny_arch(capacity_words=1000),
                   gemm_mapping({"M": "auto"}))
    assert big.tiles == {"k": {"M": 16}}
    assert not big.capacity_limited and r.capacity_limited
