"""Malformed designs and coefficient files found by QA: DesignError naming the problem."""

from __future__ import annotations

import json

import pytest

from fpga import Design, DesignError, Layer
from fpga.estimator import load_coefficients


def test_layer_taking_fewer_elements_than_its_input_gives_is_rejected():
    # a 64-wide Dense feeding a 63-wide activation used to be estimated without complaint
    layers = [Layer("in", "Input", (16,), (16,)), Layer("fc", "Dense", (16,), (64,)),
              Layer("act", "Activation", (63,), (63,), activation="relu")]
    with pytest.raises(DesignError, match=r"input_shape \[63\] of layer 'act' does not match "
                                          r"output_shape \[64\] of layer 'fc'"):
        Design.chain(layers, name="bad")


def test_flatten_keeps_the_element_count_and_passes():
    layers = [Layer("in", "Input", (4, 4, 2), (4, 4, 2)),
              Layer("flat", "Flatten", (4, 4, 2), (32,)), Layer("fc", "Dense", (32,), (8,))]
    assert len(Design.chain(layers, name="ok").layers) == 3


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "must hold a JSON object with 'coefficients'"),        # was TypeError
    ('{"other": 1}', "must hold a JSON object with 'coefficients'"),
    ('{"coefficients": [1]}', "coefficients must map target"),
    ('{"coefficients": {"lut": 5}}', "coefficients of target 'lut' must map feature"),
    ('{"coefficients": {"lut": {"adder_bits": "x"}}}', "must be a finite number"),
])
def test_malformed_coefficient_file(tmp_path, content, message):
    path = tmp_path / "coef.json"
    path.write_text(content)
    with pytest.raises(DesignError, match=message):
        load_coefficients(path)


def test_coefficient_file_that_is_a_directory(tmp_path):
    with pytest.raises(DesignError, match="cannot read coefficient file"):
        load_coefficients(tmp_path)


def test_reuse_factors_of_a_huge_layer_come_back_fast():
    # `fusebound fpga reuse 99999999999 99999999999 7` searched divisors up to 1e11 (hung);
    # divisors of n_in*n_out are products of divisors of n_in and of n_out
    from fpga.reuse import check_reuse_factor, is_valid_reuse_factor, valid_reuse_factors

    for a, b in [(12, 10), (7, 9), (16, 16), (36, 5)]:   # agree with hls4ml's own test
        assert valid_reuse_factors(a, b) == [r for r in range(1, a * b + 1)
                                             if is_valid_reuse_factor(a, b, r)]
    assert check_reuse_factor(99999999999, 99999999999, 7).used == 9
    with pytest.raises(DesignError, match="at most 2\\*\\*40"):
        valid_reuse_factors(2 ** 41, 4)


def test_binary_design_file_names_the_file(tmp_path):
    path = tmp_path / "junk.yaml"
    path.write_bytes(b"\xde\xad\xbe\xef\x00")
    with pytest.raises(DesignError, match="design file .*junk.yaml is not UTF-8 text"):
        Design.load(path)


@pytest.mark.parametrize("key, value, message", [
    ("latency_report", [1], "latency_report of a wa-hls4ml record must be an object; got list"),
    ("meta_data", [1], "meta_data of a wa-hls4ml record must be an object"),
    ("model_config", [1], "model_config of a wa-hls4ml record must be a list of layer objects"),
    ("target_part", [1], "part of design .* must be a string; got list"),   # was part "[1]"
])
def test_wa_record_sections_of_the_wrong_type(key, value, message):
    # each used to end in AttributeError ('list' object has no attribute 'get'), exit 1
    from fpga.importers.wa_hls4ml import design_from_wa
    rec = {"model_config": [{"class_name": "InputLayer", "name": "in", "input_shape": [None, 4],
                             "output_shape": [None, 4]}],
           "hls_config": {"Model": {"Precision": "ap_fixed<16,6>", "ReuseFactor": 1}},
           key: value}
    with pytest.raises(DesignError, match=message):
        design_from_wa(rec)
