"""The mapper scores candidates with the cost model of ``dse.model``: the batched evaluator and
the single-mapping evaluator (``dse.model.evaluate`` of the Mapping spec) agree exactly."""

from __future__ import annotations

import numpy as np
import pytest

from dse import arch as arch_mod
from dse.mapper.api import eligible_arrays, tpu_like_architecture
from dse.mapper.convert import array_shape, nest_from_einsum, to_mapping
from dse.mapper.evaluate import EinsumEvaluator
from dse.mapper.space import space_for
from dse.mapper.workloads import workload_from_spec
from dse.model import evaluate

CASES = [
    ({"einsum": "gemm", "M": 96, "N": 40, "K": 56}, "tpu-like", "2d"),
    ({"einsum": "bgemm", "B": 3, "M": 24, "N": 20, "K": 36}, "fusemax", "1d"),
    ({"einsum": "conv2d", "K": 24, "C": 12, "OY": 14, "OX": 10, "FY": 3, "FX": 3, "pad": 1},
     "flat-edge", "2d"),
]


def _arch(name):
    return tpu_like_architecture() if name == "tpu-like" else arch_mod.get(name)


@pytest.mark.parametrize("spec, arch_name, array", CASES)
def test_batch_equals_single_mapping_evaluation(spec, arch_name, array):
    arch = _arch(arch_name)
    w = workload_from_spec(spec)
    space = space_for(nest_from_einsum(w.einsum, w.sizes), array_shape(arch, array))
    ev = EinsumEvaluator(w, arch, array, space)
    genes = space.sample(40, np.random.default_rng(7))
    lat, en, ok = ev(genes)
    dims = tuple(arch.array(array).dims)
    for g, l_b, e_b, f_b in zip(genes, lat, en, ok):
        m = to_mapping(space, g, cascade=w.cascade.name, einsum=w.label, array=array,
                       dim_names=dims)
        r = evaluate(w.cascade, arch, m)
        assert r.latency_s == l_b  # exact: one implementation
        assert r.energy_pJ == e_b
        assert (max(r.occupancy_words.values()) <= arch.buffer.capacity_words) == f_b


def test_gemm_on_a_4x4_array_by_hand():
    # GEMM 8x8x8 on a 4x4 array with an unbounded-enough buffer: the best latency is
    # compute-bound at 8*8*8 / 16 = 32 cycles when DRAM is fast; we make DRAM very fast.
    from dataclasses import replace

    base = tpu_like_architecture()
    fast = replace(base, levels=(replace(base.dram, bandwidth_bytes_per_s=1e15), base.buffer))
    small = fast.with_array_dims("2d", rows=4, cols=4)
    from dse.mapper import search

    res = search({"einsum": "gemm", "M": 8, "N": 8, "K": 8}, small, strategy="exhaustive",
                 progress=False)
    assert res.best.latency_s * small.clock_hz == pytest.approx(32)
    assert res.evaluated == res.space_size
    assert eligible_arrays(small, workload_from_spec({"einsum": "gemm", "M": 8, "N": 8,
                                                      "K": 8})) == ["2d"]


def test_empty_spaces_and_unknown_arrays_are_clear_errors():
    from dse.errors import DSEError
    from dse.mapper import search

    gemm = {"einsum": "gemm", "M": 8, "N": 8, "K": 8}
    with pytest.raises(DSEError, match="not in architecture"):
        search(gemm, "fusemax", arrays=("3d",), budget=10, progress=False)
    with pytest.raises(DSEError, match="search space is empty"):
        search(gemm, "fusemax", arrays=(), budget=10, progress=False)
    with pytest.raises(DSEError, match="cannot hold one tile"):
        from dataclasses import replace

        a = tpu_like_architecture()
        search(gemm, replace(a, levels=(a.dram, replace(a.buffer, capacity_words=2))),
               budget=10, progress=False)


def test_time_budget_and_interrupt_on_the_model():
    from dse.mapper import search

    res = search({"einsum": "conv2d", "K": 32, "C": 32, "OY": 28, "OX": 28, "FY": 3, "FX": 3},
                 "tpu-like", budget=0.3, progress=False)
    assert res.evaluated > 0 and res.wall_s < 5 and not res.interrupted
