"""Precision parsing: every form seen in real records, round trips, malformed input."""

from __future__ import annotations

import json

import pytest

from fpga import DesignError, LayerPrecision, Precision


@pytest.mark.parametrize("text, width, integer, signed, rounding, saturation, kind", [
    ("ap_fixed<16,6>", 16, 6, True, "TRN", "WRAP", "fixed"),
    ("fixed<14,1>", 14, 1, True, "TRN", "WRAP", "fixed"),
    ("ap_fixed<2, 1>", 2, 1, True, "TRN", "WRAP", "fixed"),          # 2_20 subset spelling
    ("ap_fixed<8,3,AP_RND,AP_SAT>", 8, 3, True, "RND", "SAT", "fixed"),
    ("fixed<4,2,TRN,WRAP,0>", 4, 2, True, "TRN", "WRAP", "fixed"),    # hls4ml 1.x spelling
    ("ufixed<4,0,RND_CONV,SAT,0>", 4, 0, False, "RND_CONV", "SAT", "fixed"),
    ("ap_ufixed<8,0>", 8, 0, False, "TRN", "WRAP", "fixed"),
    ("ap_int<8>", 8, 8, True, "TRN", "WRAP", "int"),
    ("ap_uint<4>", 4, 4, False, "TRN", "WRAP", "int"),
    ("int<12>", 12, 12, True, "TRN", "WRAP", "int"),
    # QKeras: quantized_relu(b,i) -> ufixed<b,i>; quantized_bits(b,i) -> fixed<b,i+1> (sign)
    ("quantized_relu(4,1)", 4, 1, False, "RND_CONV", "SAT", "fixed"),
    ("quantized_bits(8,3)", 8, 4, True, "TRN", "WRAP", "fixed"),
    ("quantized_sigmoid(4,1)", 4, 0, False, "RND_CONV", "SAT", "fixed"),
    ("quantized_tanh(4,1)", 4, 1, True, "RND_CONV", "SAT", "fixed"),
])
def test_parse_string_forms(text, width, integer, signed, rounding, saturation, kind):
    p = Precision.parse(text)
    assert (p.width, p.integer, p.signed, p.rounding, p.saturation, p.kind) == \
        (width, integer, signed, rounding, saturation, kind)
    assert Precision.parse(p.to_str()) == p
    assert Precision.from_dict(p.to_dict()) == p


def test_saturation_bits_kept():
    p = Precision.parse("ap_fixed<8,3,AP_RND,AP_SAT_SYM,2>")
    assert p.saturation == "SAT_SYM" and p.saturation_bits == 2
    assert p.to_str() == "ap_fixed<8,3,AP_RND,AP_SAT_SYM,2>"


@pytest.mark.parametrize("value, expected", [
    ({"default": "fixed<16,6>"}, Precision(16, 6)),
    ({"width": 8, "integer": 3}, Precision(8, 3)),
    ({"width": 8, "integer": 3, "signed": False, "rounding": "AP_RND", "saturation": "SAT"},
     Precision(8, 3, False, "RND", "SAT")),
    ({"class_name": "IntegerPrecisionType", "width": 5, "signed": False},
     Precision(5, 5, False, kind="int")),
])
def test_parse_dict_forms(value, expected):
    assert Precision.parse(value) == expected


def test_auto_is_optional():
    assert Precision.parse_optional("auto") is None
    assert Precision.parse_optional(None) is None
    assert Precision.parse_optional({"default": "auto"}) is None
    with pytest.raises(DesignError, match="auto"):
        Precision.parse("auto")


@pytest.mark.parametrize("bad, match", [
    ("", "empty"),
    ("ap_fixed<16,6", "unclosed"),
    ("ap_float<8,23>", "not a known type"),
    ("fixed<16>", "2 to 5 arguments"),
    ("fixed<16,6,TRN,WRAP,0,1>", "2 to 5 arguments"),
    ("ap_int<8,2>", "exactly one argument"),
    ("fixed<a,6>", "width.*integer"),
    ("fixed<16.5,6>", "must be an integer"),
    ("fixed<0,0>", "width"),
    ("fixed<2000,6>", "width"),
    ("fixed<16,6,ROUND,SAT>", "rounding mode"),
    ("fixed<16,6,RND,CLAMP>", "saturation mode"),
    ("fixed<16,,>", "empty argument"),
    ("quantized_po2(4)", "not supported"),
    ({"integer": 3}, "must have 'width'"),
    ({"width": 8}, "must have 'integer'"),
    ({"width": 8, "integer": 3, "signed": "yes"}, "signed"),
    (16, "string or a dict"),
])
def test_malformed_raises_specific_error(bad, match):
    with pytest.raises(DesignError, match=match):
        Precision.parse(bad)


def test_design_error_is_value_error():
    assert issubclass(DesignError, ValueError)


def _precisions(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "Precision":
                if isinstance(v, dict):
                    yield from (x for x in v.values() if isinstance(x, str))
                else:
                    yield v
            else:
                yield from _precisions(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _precisions(v)


def test_every_precision_in_real_records_parses(hls4ml_data):
    seen = set()
    for f in sorted((hls4ml_data / "wa_hls4ml" / "fixtures").glob("*.json")):
        for text in _precisions(json.loads(f.read_text())):
            seen.add(text)
            Precision.parse_optional(text)  # raises on any unsupported form
    assert {"fixed<16,6>", "ap_fixed<2, 1>", "fixed<4,2,TRN,WRAP,0>", "auto"} <= seen


def test_layer_precision_from_hls4ml_entry():
    lp = LayerPrecision.from_dict({"result": "auto", "weight": "fixed<4,2,TRN,WRAP,0>",
                                   "bias": "auto", "accum": "auto", "table": "fixed<18,8>"})
    assert lp.weight == Precision(4, 2) and lp.result is None and lp.accum is None
    assert lp.resolved(Precision(16, 6)).result == Precision(16, 6)
    assert LayerPrecision.from_dict(lp.to_dict()) == lp
    with pytest.raises(DesignError, match="weight precision"):
        LayerPrecision.from_dict({"weight": "fixed<4"})


from hypothesis import given, strategies as st  # noqa: E402

from fpga.precision import ROUNDING_MODES, SATURATION_MODES  # noqa: E402


@given(width=st.integers(1, 64), integer=st.integers(-8, 72), signed=st.booleans(),
       rounding=st.sampled_from(ROUNDING_MODES), saturation=st.sampled_from(SATURATION_MODES),
       sat_bits=st.integers(0, 4), kind=st.sampled_from(["fixed", "int"]))
def test_round_trip_property(width, integer, signed, rounding, saturation, sat_bits, kind):
    if kind == "int":
        p = Precision(width, width, signed, kind="int")
    else:
        p = Precision(width, integer, signed, rounding, saturation, sat_bits)
    assert Precision.parse(p.to_str()) == p
    assert Precision.parse(p.to_dict()) == p
