"""The touched-element count (io_bounds.touched): closed form versus enumeration.

The oracle is enumeration (``np.unique`` over every value, or a Python set over every point of
the iteration box); the closed form must equal it wherever it claims exactness and may only
exceed it where it claims an upper bound.
"""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from io_bounds import touched as T
from io_bounds.errors import BoundError

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
COEF = st.integers(-6, 8)
EXT = st.integers(1, 8)
DIM = st.one_of(st.none(), st.integers(1, 60))
CONST = st.integers(-12, 12)


def _brute(coefs, extents, const=0, dim=None):
    """Python-set count of ``const + sum c_i x_i`` in ``[0, dim)`` over the box."""
    vals = {const + sum(c * x for c, x in zip(coefs, xs))
            for xs in itertools.product(*[range(e) for e in extents])}
    return len([v for v in vals if dim is None or 0 <= v < dim])


@SETTINGS
@given(coefs=st.lists(COEF, max_size=4), data=st.data(), const=CONST, dim=DIM)
def test_exact_count_equals_enumeration(coefs, data, const, dim):
    """Any affine expression (negative, zero, gcd > 1 coefficients; padding offsets and a
    declared dimension that clips): the exact count equals both enumerations."""
    extents = data.draw(st.lists(EXT, min_size=len(coefs), max_size=len(coefs)))
    got = T.count_index_values(coefs, extents, const, dim)
    assert got == T.enumerate_index_values(coefs, extents, const, dim)
    assert got == _brute(coefs, extents, const, dim)


@SETTINGS
@given(coefs=st.lists(COEF, max_size=5), data=st.data())
def test_closed_form_exact_where_claimed_else_upper_bound(coefs, data):
    extents = data.draw(st.lists(EXT, min_size=len(coefs), max_size=len(coefs)))
    closed = float(T.distinct_index_values(coefs, extents))
    truth = T.enumerate_index_values(coefs, extents)
    if T.closed_form_is_exact(coefs, extents):
        assert closed == truth
    else:
        assert closed >= truth
    if sum(1 for c in coefs if c) <= 2:  # the documented exact cases: one or two variables
        assert T.closed_form_is_exact(coefs, extents)


@SETTINGS
@given(s=st.integers(1, 5), d=st.integers(1, 5), P=EXT, R=EXT, pad=st.integers(0, 3),
       H=st.integers(1, 40))
def test_stride_dilation_padding(s, d, P, R, pad, H):
    """``I[s*p + d*r - pad]`` inside ``[0, H)``: counted without enumeration (every stride /
    dilation / padding combination is one of the closed-form cases or a 2-variable clip)."""
    want = _brute([s, d], [P, R], -pad, H)
    assert T.count_index_values([s, d], [P, R], -pad, H) == want
    assert float(T.distinct_index_values([s, d], [P, R])) == _brute([s, d], [P, R])


@SETTINGS
@given(M0=st.integers(1, 9), m1=EXT, m0=EXT, off=st.integers(-3, 3), dim=DIM)
def test_split_rank(M0, m1, m0, off, dim):
    """``M0*m1 + m0 (+ off)`` with ``m0 < M0`` (a chunked rank): every point is distinct."""
    m0 = min(m0, M0)
    assert T.count_index_values([M0, 1], [m1, m0], off, dim) == _brute([M0, 1], [m1, m0], off,
                                                                       dim)
    assert float(T.distinct_index_values([M0, 1], [m1, m0])) == m1 * m0


def test_closed_form_needs_no_enumeration_at_full_size(monkeypatch):
    """At 256K-element sizes the count comes from the closed form (enumerating 2**36 values
    would not finish): split rank, sliding window, strided window with padding, a gap-free
    three-variable expression."""
    def boom(*a, **k):
        raise AssertionError("enumerated")

    monkeypatch.setattr(T, "enumerate_index_values", boom)
    monkeypatch.setattr(T, "enumerate_touched", boom)
    assert T.count_index_values([256, 1], [1024, 256]) == 262144
    assert T.count_index_values([1, 1], [2**18, 3], -1, 2**18) == 2**18   # 'same' padding
    assert T.count_index_values([2, 1], [2**17, 3], -1, 2**18) == 2**18   # stride 2, pad 1
    assert T.count_index_values([3, 1], [2**17, 2], 0, None) == 2**18     # stride 3 > window 2
    assert T.count_index_values([1, 2, 4], [2, 2, 2**16]) == 2**18        # gap-free, 3 vars
    n, exact = T.touched_elements([({"b": 1}, 0), ({"m1": 256, "m0": 1}, 0), ({"e": 1}, 0)],
                                  {"b": 768, "m1": 1024, "m0": 256, "e": 64},
                                  [768, 262144, 64])
    assert (n, exact) == (768 * 262144 * 64, True)


@SETTINGS
@given(n=st.integers(2, 5), c=st.integers(1, 3), data=st.data())
def test_vectorised_matches_scalar(n, c, data):
    """The batched call (numpy arrays of candidate tiles, as dse passes them) equals the
    scalar call element by element."""
    X = np.array(data.draw(st.lists(EXT, min_size=n, max_size=n)))
    Y = np.array(data.draw(st.lists(EXT, min_size=n, max_size=n)))
    Z = np.array(data.draw(st.lists(EXT, min_size=n, max_size=n)))
    for coefs, ext in (([c, 1], [X, Y]), ([c, 2, 1], [X, Y, Z]), ([4], [X])):
        batch = T.distinct_index_values(coefs, ext)
        assert batch.shape == (n,)
        for i in range(n):
            assert batch[i] == T.distinct_index_values(coefs, [e[i] for e in ext])


@st.composite
def accesses(draw):
    """1-3 index expressions over variables a, b, c (shared or not), with offsets and shapes."""
    ext = {v: draw(st.integers(1, 6)) for v in "abc"}
    k = draw(st.integers(1, 3))
    idx, shape = [], []
    for _ in range(k):
        vs = draw(st.lists(st.sampled_from("abc"), max_size=2, unique=True))
        idx.append(({v: draw(st.integers(-3, 4)) for v in vs}, draw(st.integers(-4, 4))))
        shape.append(draw(st.integers(1, 20)))
    return idx, ext, shape


@SETTINGS
@given(acc=accesses())
def test_touched_elements_equals_joint_enumeration(acc):
    idx, ext, shape = acc
    n, exact = T.touched_elements(idx, ext, shape)
    assert exact
    assert n == T.enumerate_touched(idx, ext, shape)
    pts = set()
    for xs in itertools.product(*[range(ext[v]) for v in "abc"]):
        env = dict(zip("abc", xs))
        el = tuple(const + sum(cf * env[v] for v, cf in coef.items()) for coef, const in idx)
        if all(0 <= e < d for e, d in zip(el, shape)):
            pts.add(el)
    assert n == len(pts)


def test_touched_elements_large_shared_box_is_flagged_lower_bound():
    """Expressions sharing a variable over a box above the limit: the best single dimension,
    flagged inexact (the diagonal X[n, n] touches n elements; here the bound says n too)."""
    n, exact = T.touched_elements([({"n": 1}, 0), ({"n": 1}, 0)], {"n": 50}, [50, 50], limit=10)
    assert (n, exact) == (50, False)
    assert T.touched_elements([({"n": 1}, 0), ({"n": 1}, 0)], {"n": 50}, [50, 50]) == (50, True)


def test_bad_extent_is_a_bound_error():
    with pytest.raises(BoundError, match="extent of an index variable"):
        T.count_index_values([1, 2], [3, 0])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stride=st.integers(1, 3), dilation=st.integers(1, 3), padding=st.integers(0, 2),
       H=st.integers(3, 9), R=st.integers(1, 3))
def test_compulsory_count_of_conv_input(stride, dilation, padding, H, R):
    """io_bounds' compulsory path (api._in_range) on the library conv2d equals a Python-set
    enumeration of the input elements the convolution reads (padding excluded)."""
    import einsum_cascade as ec
    from io_bounds.api import _in_range

    if H + 2 * padding < dilation * (R - 1) + 1:
        return  # no output position
    c = ec.library.get("conv2d", N=1, C=2, H=H, W=H, K=1, R=R, S=R, stride=stride,
                       dilation=dilation, padding=padding)
    P = c.sizes["P"]
    rows = {stride * p + dilation * r - padding for p in range(P) for r in range(R)}
    per_axis = len([v for v in rows if 0 <= v < H])
    assert _in_range(c, 0, "I") == 2 * per_axis * per_axis
