"""Schedule feasibility is checked where a mapping meets its cascade (dse.model.compile_plan),
so dse.query / evaluate reject impossible kernel splits and overlap groups, and the mapper's
fusion search uses the same check."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dse import arch as arch_mod
from dse import mapping as mapping_mod
from dse.api import query
from dse.errors import MappingError
from dse.mapper.fusion import CascadeProblem
from dse.mapper.workloads import workload_from_spec
from dse.mapping import ONE_PASS, Kernel, Mapping
from dse.model import compile_plan

KW = dict(model="bert", seq_len=4096, B=1)


def _with_kernels(m: Mapping, kernels) -> Mapping:
    return dataclasses.replace(m, name="edited", kernels=tuple(kernels))


def test_presets_are_schedulable():
    for name, arch in mapping_mod.CONFIGS:
        m = mapping_mod.get(name)
        query(m.cascade, arch=arch, mapping=name, **KW)   # no MappingError


def test_one_overlap_group_for_everything_is_rejected():
    # 'all at once' would let the model take max(2D, 1D) per chunk, but RM (1D) needs this
    # chunk's LM (2D) and SLN (2D) needs this chunk's RM: no schedule overlaps them
    fm = mapping_mod.get("fusemax")
    k = fm.kernels[0]
    m = _with_kernels(fm, [dataclasses.replace(k, overlap=(ONE_PASS,))])
    with pytest.raises(MappingError, match=r"cannot be scheduled.*'RM'.*'QK', 'LM'.*'SLN'"):
        query("attention-1pass", arch="fusemax", mapping=m, **KW)


def test_recurrence_split_across_kernels_is_rejected():
    # SPD reads RD[m1] (the previous chunk's running denominator): RD and SPD in one kernel
    fm = mapping_mod.get("fusemax")
    k = fm.kernels[0]
    first = ("QK", "LM", "RM", "SLN", "PRM", "SPD", "SLD")
    rest = tuple(e for e in ONE_PASS if e not in first)
    m = _with_kernels(fm, [Kernel("a", first, k.tiles, k.order),
                           Kernel("b", rest, k.tiles, k.order)])
    with pytest.raises(MappingError, match="recurrences must stay inside one kernel: 'SPD' "
                                           "reads the recurrence of 'RD'"):
        query("attention-1pass", arch="fusemax", mapping=m, **KW)


def test_reading_a_later_kernel_is_rejected():
    un = mapping_mod.get("unfused")
    qk, softmax, av = un.kernels
    m = _with_kernels(un, [qk, av, softmax])
    with pytest.raises(MappingError, match="'AV' reads 'A', which a later kernel computes"):
        query("attention-3pass", arch="flat", mapping=m, **KW)


def test_mapper_rules_are_the_models_rules():
    """For random structures, the search's legal() is True exactly when the cost model
    accepts the structure's Mapping as schedulable."""
    w = workload_from_spec({"cascade": "attention-1pass", "model": "bert", "seq_len": 4096})
    arch = arch_mod.get("fusemax")
    p = CascadeProblem(w, arch)
    rng = np.random.default_rng(0)
    seen = {True: 0, False: 0}
    for g in p.sample(80, rng):
        legal = p.legal(g)
        try:
            m = p.mapping(g)
            compile_plan(p.cascade(int(g[-1])), arch, m)
            rejected = False
        except MappingError as e:
            rejected = "cannot be scheduled" in str(e)
            if not rejected and legal:   # another reason (e.g. registers): not this rule
                continue
        assert legal == (not rejected), g
        seen[legal] += 1
    assert seen[True] and seen[False]
