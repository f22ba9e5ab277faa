"""hls4ml's valid-reuse-factor rule: hand cases, hls4ml itself, and the N-TORC records."""

from __future__ import annotations

import csv

import pytest

from fpga import DesignError, check_reuse_factor, valid_reuse_factors
from fpga.reuse import closest_reuse_factor, is_valid_reuse_factor


def test_hand_derived_cases():
    # 128x120 dense: 15,360 products. rf >= n_in needs rf % 128 == 0 and rf | 15,360, i.e.
    # rf = 128*k with k | 120; near the requested 4093: 128*30 = 3840 and 128*40 = 5120 -> 3840.
    # (The wa-hls4ml record dense_128_120_104_2b shows reuse_factor 3840 for this layer.)
    chk = check_reuse_factor(128, 120, 4093)
    assert chk.used == 3840 and not chk.is_valid and "3840" in chk.message()
    # 16x129: 2064 = 16*129; rf < 16 must make ceil(2064/rf) a multiple of 129 -> rf | 16;
    # rf >= 16 must be 16*k with k | 129 = 3*43 -> valid 1,2,4,8,16,48,688,2064; 64 -> 48
    # (the 2_20 record shows 48 for its 16x129 layer at requested 64).
    assert valid_reuse_factors(16, 129) == [1, 2, 4, 8, 16, 48, 688, 2064]
    assert check_reuse_factor(16, 129, 64).used == 48
    # Conv2D 3x3x16 -> 8 filters: n_in = 144, n_out = 8; 32765 is above the largest valid
    # value n_in*n_out = 1152, so hls4ml uses 1152 (the conv2d record shows 1152).
    assert check_reuse_factor(144, 8, 32765).used == 1152
    assert check_reuse_factor(144, 8, 1152, include_max_rf=False).used == 576
    assert check_reuse_factor(10, 10, 10).is_valid


def test_ties_go_to_smaller():
    assert closest_reuse_factor([2, 4], 3) == 2


def test_bad_arguments():
    with pytest.raises(DesignError, match="n_in"):
        valid_reuse_factors(0, 4)
    with pytest.raises(DesignError, match="requested reuse factor"):
        check_reuse_factor(4, 4, 0)
    assert not is_valid_reuse_factor(4, 4, 17)


def _hls4ml_backend():
    hls4ml = pytest.importorskip("hls4ml", reason="hls4ml not installed (the hls4ml extra)")
    return hls4ml.backends.get_backend("Vivado")


@pytest.mark.parametrize("n_in, n_out", [(16, 64), (64, 32), (32, 5), (128, 120), (16, 129),
                                          (144, 8), (7, 13), (1, 1), (96, 1), (3, 48)])
def test_matches_hls4ml(n_in, n_out):
    backend = _hls4ml_backend()
    ours = valid_reuse_factors(n_in, n_out)
    assert ours == backend.get_valid_reuse_factors(n_in, n_out)
    for requested in (1, 3, 5, 17, 100, 1000, n_in * n_out + 7):
        assert check_reuse_factor(n_in, n_out, requested).used == \
            backend.get_closest_reuse_factor(ours, requested)


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_ntorc_conv_correct_reuse_factor_fixes_kernel_width(hls4ml_data):
    """Only kernel width 3 makes hls4ml's rule reproduce every conv ``correct_reuse_factor``
    (n_in = channels * width, n_out = filters); this is why the importer assumes width 3."""
    rows = _rows(hls4ml_data / "ntorc" / "collapsed_conv_resources.csv")
    cases = {(int(r["n_inputs_resources"]), int(r["cnn_filters_resources"]),
              int(r["reuse_factor"]), int(r["correct_reuse_factor_resource"])) for r in rows}
    matching = [k for k in range(1, 10)
                if all(check_reuse_factor(c * k, f, rf).used == ok for c, f, rf, ok in cases)]
    assert matching == [3]


def test_ntorc_dense_correct_reuse_factor(hls4ml_data):
    rows = _rows(hls4ml_data / "ntorc" / "dense_resources_collapsed.csv")
    cases = {(int(r["n_inputs_resources"]), int(r["dense_size_resource"]),
              int(r["reuse_factor"]), int(r["correct_reuse_factor_dense_resource"]))
             for r in rows}
    wrong = [c for c in cases if check_reuse_factor(c[0], c[1], c[2]).used != c[3]]
    # The only disagreements are 1-output layers where N-TORC's column keeps a reuse factor
    # above n_in * n_out, which hls4ml's rule never allows.
    assert all(n_out == 1 and ok > n_in * n_out for n_in, n_out, rf, ok in wrong)
    assert len(wrong) < len(cases) / 10


def test_rule_reproduces_reuse_factors_of_wa_records(hls4ml_data):
    """Every weighted layer of the wa-hls4ml fixtures: the requested ReuseFactor (hls_config)
    mapped by the rule equals the reuse factor hls4ml used (model_config)."""
    import fpga
    from fpga.reuse import mult_size

    checked = 0
    for rec in fpga.read_records(hls4ml_data / "wa_hls4ml" / "fixtures"):
        for layer in rec.design.layers:
            if mult_size(layer) and "requested_reuse_factor" in layer.attrs:
                (n_in, n_out), = mult_size(layer)
                requested = layer.attrs["requested_reuse_factor"]
                assert check_reuse_factor(n_in, n_out, requested).used == layer.reuse_factor
                checked += 1
    assert checked >= 40
