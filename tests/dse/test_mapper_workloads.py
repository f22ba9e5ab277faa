"""Workload specs of the mapper."""

from __future__ import annotations

import pytest

from dse.errors import DSEError
from dse.mapper.convert import nest_from_einsum
from dse.mapper.workloads import EinsumWorkload, workload_from_spec


def test_gemm_and_conv_specs():
    g = workload_from_spec({"einsum": "gemm", "M": 128, "N": 64, "K": 32})
    assert isinstance(g, EinsumWorkload) and g.label == "Z"
    nest = nest_from_einsum(g.einsum, g.sizes)
    assert dict(zip(nest.ranks, nest.sizes)) == {"M": 128, "N": 64, "K": 32}
    c = workload_from_spec({"einsum": "conv2d", "K": 64, "C": 64, "OY": 56, "OX": 56,
                            "FY": 3, "FX": 3, "pad": 1})
    nest = nest_from_einsum(c.einsum, c.sizes)
    assert nest.iterations == 64 * 64 * 56 * 56 * 9
    # the input is indexed by oy+fy: a sliding window
    inp = [t for t in nest.tensors if t.name == "I"][0]
    assert ((1, "OY"), (1, "FY")) in inp.indices
    b = workload_from_spec({"einsum": "bgemm", "B": 4, "M": 8, "N": 8, "K": 8})
    assert nest_from_einsum(b.einsum, b.sizes).iterations == 4 * 8 ** 3


@pytest.mark.parametrize("spec, match", [
    ({"einsum": "gemm", "M": 4, "N": 4}, "missing"),
    ({"einsum": "gemm", "M": 4, "N": 4, "K": 0}, "positive integer"),
    ({"einsum": "matmul", "M": 4}, "unknown einsum"),
    ({"einsum": "gemm", "cascade": "x"}, "exactly one"),
    ({}, "exactly one"),
    ("gemm", "spec mapping"),
    ({"cascade": "attention-1pass", "seq_len": 1024}, "needs a model"),
])
def test_bad_workload_specs(spec, match):
    with pytest.raises(DSEError, match=match):
        workload_from_spec(spec)
