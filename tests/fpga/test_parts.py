"""Part catalog: names seen in data, board aliases, utilization and fits."""

from __future__ import annotations

import json

import pytest

from fpga import DesignError, parts


@pytest.mark.parametrize("name, device", [
    ("xcu250-figd2104-2L-e", "xcu250"), ("xcu200-fsgd2104-2-e", "xcu200"),
    ("xczu7ev-ffvc1156-2-e", "xczu7ev"), ("xc7z020clg400-1", "xc7z020"),
    ("xc7z020-clg400-1", "xc7z020"), ("XCVU9P-FLGA2104-2L-E", "xcvu9p"),
    ("xcvu13p", "xcvu13p"), ("xczu9eg", "xczu9eg"), ("xc7a100tcsg324-1", "xc7a100t"),
    ("alveo-u250", "xcu250"), ("pynq-z2", "xc7z020"), ("zcu102", "xczu9eg"),
    ("alveo_u200", "xcu200"),
])
def test_lookup(name, device):
    assert parts.get(name).device == device


def test_every_part_in_real_records_is_known(hls4ml_data):
    for f in (hls4ml_data / "wa_hls4ml" / "fixtures").glob("*.json"):
        for rec in json.loads(f.read_text()):
            parts.get(rec["target_part"])


def test_unknown_part_lists_known():
    with pytest.raises(DesignError, match="known devices: xcu250"):
        parts.get("xcu25")  # a prefix of xcu250 must not match it
    with pytest.raises(DesignError, match="non-empty"):
        parts.get("")


def test_utilization_and_fits():
    u250 = parts.get("alveo-u250")
    # 17,280 of 1,728,000 LUTs = 1 %; 1,344 of 2,688 BRAM36 = 50 %
    util = u250.utilization({"lut": 17_280, "bram": 1_344, "dsp": 0})
    assert util == pytest.approx({"lut": 1.0, "bram": 50.0, "dsp": 0.0})
    assert u250.fits({"lut": 17_280, "bram": 1_344})
    assert not u250.fits({"dsp": 12_289})
    assert u250.bram18 == 5_376
    z020 = parts.get("pynq-z2")
    assert z020.utilization({"uram": 1})["uram"] == float("inf")  # 7-series has no URAM
    assert not z020.fits({"uram": 1}) and z020.fits({"uram": 0})
