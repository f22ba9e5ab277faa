"""Fusion-aware search over cascades, on the dse cost model."""

from __future__ import annotations

import numpy as np
import pytest

from dse import arch as arch_mod
from dse import fusemax, workload
from dse.errors import DSEError
from dse.mapper import search
from dse.mapper.fusion import CascadeProblem
from dse.mapper.workloads import workload_from_spec
from dse.model import evaluate


def _cascade(w, chunk):
    return w.cascade.with_sizes({**w.sizes, **chunk})


def test_reported_numbers_are_the_models_numbers_for_the_mapping():
    w = workload_from_spec({"cascade": "attention-1pass", "model": "t5", "seq_len": 2048})
    a = arch_mod.get("fusemax")
    res = search(w, a, budget=40, seed=3, progress=False)
    for p in [res.best] + res.front:
        r = evaluate(_cascade(w, p.extra["chunk"]), a, p.mapping)
        assert r.latency_s == pytest.approx(p.latency_s, rel=1e-12)
        assert r.energy_pJ == pytest.approx(p.energy_pJ, rel=1e-12)
    assert res.evaluated == 40 and res.valid >= 1


def test_scheduling_rules():
    w = workload_from_spec({"cascade": "attention-1pass", "model": "bert", "seq_len": 4096})
    p = CascadeProblem(w, arch_mod.get("fusemax"))
    E = len(p.einsums)
    ix = {lb: j for j, lb in enumerate(p.labels)}
    g = np.zeros(p.n_genes, dtype=np.int64)
    g[2 * E - 1: 3 * E - 1] = np.arange(E) % 5
    assert p.legal(g)
    # cutting between SPD and RD splits the RD recurrence across kernels: illegal
    bad = g.copy()
    bad[ix["RD"] - 1] = 1
    assert not p.legal(bad)
    # LM (2D) and RM (1D) in one overlap group: RM needs this chunk's LM - illegal
    arr = {lb: list(p.einsums[j].arrays) for lb, j in ix.items()}
    both = g.copy()
    both[E - 1 + ix["RM"]] = arr["RM"].index("1d")
    both[2 * E - 1 + ix["RM"]] = both[2 * E - 1 + ix["LM"]]
    assert not p.legal(both)
    # RD (1D) with QK (2D): RD of chunk i depends on QK of chunk i, but nothing reads RD in
    # the same chunk, so it runs one chunk behind (FuseMax's own overlap) - legal
    ok = g.copy()
    ok[E - 1 + ix["RD"]] = arr["RD"].index("1d")
    ok[2 * E - 1 + ix["RD"]] = ok[2 * E - 1 + ix["QK"]]
    assert p.legal(ok)


@pytest.mark.slow
def test_finds_fusemax_like_or_better_from_the_one_pass_cascade():
    # BERT at 256K on the FuseMax architecture: the paper's FuseMax mapping, evaluated by the
    # same cost model, is the reference; the search starts from the plain 1-pass cascade.
    w = workload.get("bert", 262144)
    ref = fusemax.attention_cost(w, "fusemax", "fusemax").latency_s
    res = search({"cascade": "attention-1pass", "model": "bert", "seq_len": 262144},
                 "fusemax", budget=600, seed=0, progress=False)
    assert res.best.latency_s <= ref * 1.01
    assert len(res.best.mapping.kernels) == 1  # it fuses the whole cascade
    binding = {b.einsum: b.array for b in res.best.mapping.bindings}
    assert binding["QK"] == binding["SLNV"] == "2d"


def test_cascade_errors():
    with pytest.raises(DSEError, match="needs sizes"):
        workload_from_spec({"cascade": "attention-1pass", "sizes": {"P": 64}})
    with pytest.raises(DSEError, match="unknown cascade"):
        workload_from_spec({"cascade": "attention-9pass", "model": "bert"})
    with pytest.raises(DSEError, match="strategy"):
        search({"cascade": "attention-1pass", "model": "bert", "seq_len": 1024}, "fusemax",
               budget=5, strategy="exhaustive", progress=False)
