"""Reference executor against straightforward numpy and torch references."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import einsum_cascade as ec
from einsum_cascade import library, parse
from einsum_cascade.reference import attention, conv2d, relative_error, verify

FORMS = ("attention-3pass", "attention-2pass", "attention-1pass")


def _qkv(rng, b, h, p, m, e, f, scale=1.0):
    return (scale * rng.standard_normal((b, h, p, e)), scale * rng.standard_normal((b, h, m, e)),
            rng.standard_normal((b, h, m, f)))


@settings(max_examples=25, deadline=None)
@given(b=st.integers(1, 2), h=st.integers(1, 3), p=st.integers(1, 9), m1=st.integers(1, 4),
       m0=st.integers(1, 6), e=st.integers(1, 8), f=st.integers(1, 8),
       scale=st.sampled_from([0.1, 1.0, 4.0]), seed=st.integers(0, 2**16))
def test_attention_forms_match_softmax_reference(b, h, p, m1, m0, e, f, scale, seed):
    rng = np.random.default_rng(seed)
    m = m1 * m0
    q, k, v = _qkv(rng, b, h, p, m, e, f, scale)
    ref = attention(q, k, v)
    for name in FORMS:
        c = library.get(name, B=b, H=h, P=p, M=m, E=e, F=f, **({"M0": m0} if "1pass" in name
                                                                 else {}))
        out = c.evaluate({"Q": q, "K": k, "V": v})["AV"]
        assert out.shape == (b, h, p, f)
        assert relative_error(out, ref) <= 1e-5, name


def test_attention_forms_match_torch_sdpa():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    q, k, v = _qkv(rng, 2, 3, 40, 96, 16, 12, scale=2.0)
    sdpa = torch.nn.functional.scaled_dot_product_attention(
        torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(v), scale=1.0).numpy()
    for name in FORMS:
        c = library.get(name, **({"M0": 32} if "1pass" in name else {}))
        out = c.evaluate({"Q": q, "K": k, "V": v})["AV"]  # sizes from the input shapes
        assert relative_error(out, sdpa) <= 1e-5, name


def test_one_pass_handles_large_logits_without_overflow():
    rng = np.random.default_rng(1)
    q, k, v = _qkv(rng, 1, 1, 8, 64, 4, 4, scale=30.0)  # logits in the thousands
    out = library.get("attention-1pass", M0=16).evaluate({"Q": q, "K": k, "V": v})["AV"]
    assert np.all(np.isfinite(out)) and relative_error(out, attention(q, k, v)) <= 1e-5


@settings(max_examples=20, deadline=None)
@given(g=st.integers(1, 3), m=st.integers(1, 7), n=st.integers(1, 7), k=st.integers(1, 7),
       seed=st.integers(0, 2**16))
def test_gemm_and_batched_gemm_match_numpy(g, m, n, k, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    assert np.allclose(library.get("gemm").evaluate({"A": a, "B": b})["Z"], a @ b)
    a, b = rng.standard_normal((g, m, k)), rng.standard_normal((g, k, n))
    assert np.allclose(library.get("batched-gemm").evaluate({"A": a, "B": b})["Z"], a @ b)


@settings(max_examples=15, deadline=None)
@given(h=st.integers(5, 9), w=st.integers(5, 9), r=st.integers(1, 3), s=st.integers(1, 3),
       stride=st.integers(1, 2), dilation=st.integers(1, 2), padding=st.integers(0, 2),
       seed=st.integers(0, 2**16))
def test_conv2d_matches_torch(h, w, r, s, stride, dilation, padding, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, f = rng.standard_normal((2, 3, h, w)), rng.standard_normal((4, 3, r, s))
    c = library.get("conv2d", stride=stride, dilation=dilation, padding=padding)
    out = c.evaluate({"I": x, "F": f})["O"]
    ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(f), stride=stride,
                                     dilation=dilation, padding=padding).numpy()
    assert out.shape == ref.shape
    assert relative_error(out, ref) <= 1e-10
    assert relative_error(out, conv2d(x, f, stride, dilation, padding)) <= 1e-10


@pytest.mark.parametrize("name", library.names())
def test_every_library_cascade_matches_its_reference(name):
    assert verify(name, seed=3)["max_rel_error"] <= 1e-9


@pytest.mark.parametrize("form", ["1pass", "2pass", "3pass"])
def test_mha_and_transformer_forms_agree(form):
    assert verify("mha", form=form)["max_rel_error"] <= 1e-9
    assert verify("transformer-layer", form=form, activation="none")["max_rel_error"] <= 1e-9
    assert verify("transformer-layer", form=form, norm=True)["max_rel_error"] <= 1e-9


def test_layernorm_and_softmax_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, g, b = rng.standard_normal((6, 10)), rng.standard_normal(10), rng.standard_normal(10)
    out = library.get("layernorm").evaluate({"X": x, "GAMMA": g, "BETA": b})["Y"]
    ref = torch.nn.functional.layer_norm(torch.from_numpy(x), (10,), torch.from_numpy(g),
                                         torch.from_numpy(b), eps=1e-5).numpy()
    assert relative_error(out, ref) <= 1e-9
    out = library.get("softmax").evaluate({"X": x})["Y"]
    assert relative_error(out, torch.softmax(torch.from_numpy(x), -1).numpy()) <= 1e-12


def test_padding_reads_zero_and_repeated_variables_take_the_diagonal():
    c = parse("ranks P=4, R=3, H=4\ninput X[H], W[R]\nY[p] = X[p+r-1] * W[r]  reduce r with +")
    x, w = np.arange(1.0, 5.0), np.array([1.0, 10.0, 100.0])
    # Y[p] = X[p-1] + 10 X[p] + 100 X[p+1] with X = 1,2,3,4 and X[-1] = X[4] = 0:
    # Y[0] = 0 + 10 + 200, Y[1] = 1 + 20 + 300, Y[2] = 2 + 30 + 400, Y[3] = 3 + 40 + 0
    assert np.allclose(c.evaluate({"X": x, "W": w})["Y"], [210, 321, 432, 43])
    d = parse("ranks N=3\ninput A[N,N]\nT[] = A[n,n]  reduce n with +")
    a = np.arange(9.0).reshape(3, 3)
    assert d.evaluate({"A": a})["T"] == np.trace(a)


def test_size_refs_constants_and_mixed_reductions():
    c = parse("ranks N=2, M=3\ninput X[N,M]\n"
              "Y[] = X[n,m] / M + 1  reduce m with +, n with max")
    x = np.arange(6.0).reshape(2, 3)
    # per point x/3 + 1, summed over m (3 points) then max over n
    assert np.isclose(c.evaluate({"X": x})["Y"], max((x / 3 + 1).sum(axis=1)))


def test_evaluate_uses_input_shapes_and_explicit_sizes():
    c = library.get("attention-1pass")
    rng = np.random.default_rng(0)
    q, k, v = _qkv(rng, 1, 2, 5, 12, 3, 4)
    out = c.evaluate({"Q": q, "K": k, "V": v}, sizes={"M0": 4})["AV"]
    assert relative_error(out, attention(q, k, v)) <= 1e-10


def test_keep_intermediates_exposes_running_state():
    rng = np.random.default_rng(4)
    q, k, v = _qkv(rng, 1, 1, 3, 8, 2, 2)
    out = library.get("attention-1pass", M0=4).evaluate({"Q": q, "K": k, "V": v},
                                                        keep_intermediates=True)
    s = np.einsum("bhpe,bhme->bhmp", q, k)
    # RM[.., m1+1, p] is the running max over the first m1+1 chunks of 4 keys
    assert np.allclose(out["RM"][:, :, 1], s[:, :, :4].max(axis=2))
    assert np.allclose(out["RM"][:, :, 2], s.max(axis=2))
    assert np.all(np.isneginf(out["RM"][:, :, 0]))
