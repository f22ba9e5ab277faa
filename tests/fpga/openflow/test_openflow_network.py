"""NetworkSpec validation, determinism and the numpy reference network."""

from __future__ import annotations

import numpy as np
import pytest

from fpga.openflow import NetworkSpec, OpenFlowError, reference_forward
from fpga.openflow.network import relu_quantize, spec_from_float_weights


def test_reference_forward_by_hand():
    # 2 inputs -> 2 hidden (ReLU, ufixed<4,2>: step 0.25, wraps at 4) -> 1 output, weights
    # 4-bit signed on the 2**-3 grid.
    spec = NetworkSpec(widths=(2, 2, 1), weight_bits=4, act_bits=4, act_int_bits=2,
                       weights=(((4, -2), (2, 6)), ((8 - 1,), (-4,))))
    # W0 = [[0.5, -0.25], [0.25, 0.75]], W1 = [[0.875], [-0.5]]
    x = np.array([[1.0, 2.0], [3.0, 3.0]])
    # row 0: h = [0.5+0.5, -0.25+1.5] = [1.0, 1.25] -> y = 0.875 - 0.625 = 0.25
    # row 1: h = [1.5+0.75, -0.75+2.25] = [2.25, 1.5] -> y = 1.96875 - 0.75 = 1.21875
    assert reference_forward(spec, x)[:, 0].tolist() == [0.25, 1.21875]


def test_relu_quantize_truncates_and_wraps():
    # ufixed<3,1>: step 0.25, range [0, 2); 2.3 -> 2.25 -> wraps to 0.25; -1 -> 0
    assert relu_quantize(np.array([2.3, -1.0, 0.6]), 1, 2).tolist() == [0.25, 0.0, 0.5]


def test_random_weights_are_deterministic_and_sparse():
    a = NetworkSpec(widths=(32, 32), weight_bits=6, sparsity=0.75, seed=3)
    b = NetworkSpec(widths=(32, 32), weight_bits=6, sparsity=0.75, seed=3)
    assert a.design_id() == b.design_id() and a.weight_digest() == b.weight_digest()
    w = a.integer_weights()[0][0]
    assert w.min() >= -32 and w.max() <= 31
    assert 0.6 < np.mean(w == 0) < 0.9  # 75 % zeroed plus the 1/64 natural zeros
    c = NetworkSpec(widths=(32, 32), weight_bits=6, sparsity=0.75, seed=4)
    assert c.design_id() != a.design_id() and c.weight_digest() != a.weight_digest()


@pytest.mark.parametrize("kw, match", [
    ({"widths": (4,)}, "at least 2"),
    ({"widths": (4, 0)}, "widths"),
    ({"widths": (4, 2), "weight_bits": 1}, "weight_bits"),
    ({"widths": (4, 2), "input_int_bits": 8}, "input_int_bits"),
    ({"widths": (4, 2), "sparsity": 1.0}, "sparsity"),
    ({"widths": (4, 2), "mode": "fast"}, "mode"),
    ({"widths": (4, 2), "mode": "pipelined"}, "latency_cutoff"),
    ({"widths": (4, 2), "latency_cutoff": 3.0}, "combinational"),
    ({"widths": (2, 1), "weight_bits": 3, "weights": (((5,), (0,)),)}, r"\[-4, 3\]"),
    ({"widths": (2, 1), "weights": (((1, 2), (0, 0)),)}, "shape"),
])
def test_spec_validation(kw, match):
    with pytest.raises(OpenFlowError, match=match):
        NetworkSpec(**kw)


def test_from_dict_rejects_unknown_and_roundtrips():
    s = NetworkSpec(widths=(5, 4, 3), mode="pipelined", latency_cutoff=2, bias=True, seed=9)
    assert NetworkSpec.from_dict(s.to_dict()) == s
    with pytest.raises(OpenFlowError, match="unknown NetworkSpec field"):
        NetworkSpec.from_dict({"widths": [2, 2], "neurons": 3})


def test_spec_from_float_weights_quantizes_with_one_scale():
    w0 = np.array([[0.5, -1.5], [0.1, 0.0]])
    spec = spec_from_float_weights([w0], None, weight_bits=4)
    # max |w| = 1.5; largest f with 1.5 * 2**f <= 7 is f = 2 -> grid 0.25
    assert spec.weight_frac_bits == 2
    assert spec.float_weights()[0][0].tolist() == [[0.5, -1.5], [0.0, 0.0]]


def test_input_value_bits_by_hand():
    # inputs fixed<8,3>: [-8, 8 - 1/16]; hidden ufixed<4,2>: step 0.25, wraps at 4
    spec = NetworkSpec(widths=(2, 3, 1), weight_bits=4, act_bits=4, act_int_bits=2,
                       weights=(((1, 0, 4), (0, 0, -4)), ((1,), (1,), (0,))))
    # W0 = [[0.125, 0, 0.5], [0, 0, -0.5]]: neuron 0 peaks at 0.992 -> 0.75 = code 3 (2 bits);
    # neuron 1 is always 0 (0 bits); neuron 2 reaches 7.97 >= 4, wraps: every code (4 bits)
    bits = spec.input_value_bits()
    assert [b.tolist() for b in bits] == [[8.0, 8.0], [2.0, 0.0, 4.0]]
    # layer 0: every input is 8 bits; layer 1: its nonzero weights see neurons 0 and 1
    assert spec.effective_input_bits() == [8.0, 1.0]


def test_input_value_bits_bound_the_real_values_and_are_tight_on_the_first_layer():
    for seed in range(6):
        spec = NetworkSpec(widths=(5, 7, 6, 2), input_bits=6, input_int_bits=1, weight_bits=4,
                           act_bits=8, act_int_bits=3, sparsity=0.5, bias=seed % 2 == 1,
                           seed=seed)
        ws, bs = spec.float_weights()
        bits = spec.input_value_bits()
        ulp, top = 2.0 ** -spec.act_frac_bits, 2.0 ** spec.act_int_bits
        x = spec.random_inputs(4096, seed=seed)
        for li in range(2):
            pre = x @ ws[li] + (0.0 if bs[li] is None else bs[li])
            x = relu_quantize(pre, spec.act_int_bits, spec.act_frac_bits)
            codes = np.rint(x / ulp).max(axis=0)
            assert np.all(codes < 2.0 ** bits[li + 1])  # an upper bound on every neuron
        # first hidden layer: each neuron's bound is reached at its own input corner (or its
        # peak wraps around, and then every code can occur)
        lo, step = -(2.0 ** spec.input_int_bits), 2.0 ** -spec.input_frac_bits
        corner = np.where(ws[0] > 0, -lo - step, lo)  # (n_in, n_out): one input per neuron
        peak = np.einsum("ij,ij->j", corner, ws[0]) + (0.0 if bs[0] is None else bs[0])
        code = np.rint(relu_quantize(peak, spec.act_int_bits, spec.act_frac_bits) / ulp)
        for j, b in enumerate(bits[1]):
            if b == spec.act_bits and np.floor(peak[j] / ulp) * ulp >= top:
                continue
            assert b == int(code[j]).bit_length()
