"""explain()'s lower bound: io_bounds.lower_bound without the HBL candidates that cannot bound
a cascade gives the same headline as the full call."""

import io_bounds
import pytest

from dse.api import _bound, _hbl_can_bound, query


@pytest.mark.parametrize("workload,mapping,arch,kw", [
    ("attention-1pass", "fusemax", "fusemax", dict(model="bert", seq_len=1024, B=1, H=2)),
    ("attention-3pass", "flat", "flat", dict(model="bert", seq_len=1024, B=1, H=2)),
    ("gemm", "gemm", "fusemax", dict(M=512, K=64, N=256)),
])
def test_cheap_bound_equals_full_lower_bound(workload, mapping, arch, kw):
    r = query(workload, arch=arch, mapping=mapping, **kw)
    S = 4096   # small enough that HBL exceeds compulsory for the GEMM
    full = io_bounds.lower_bound(r.cascade, None, S)
    words, comp, method = _bound(r.cascade, S)
    assert words == full.words and comp == full.compulsory_words and method == full.method
    # HBL is kept exactly where an Einsum touches only cascade inputs and outputs
    assert _hbl_can_bound(r.cascade) == (workload == "gemm")
    if workload == "gemm":
        assert method != "compulsory" and words > comp
