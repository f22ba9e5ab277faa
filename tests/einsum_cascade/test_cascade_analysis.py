"""Analysis: op counts, footprints, intermediates, graph, passes and capacity.

Expected numbers are hand-derived from the cascades in shared/spec/fusemax.md (B = H = 1):
every Einsum costs one op per operator node per iteration point, reductions one
accumulation per point, and ``A*B reduce +`` one MAC per point.
"""

import json

import pytest

import einsum_cascade as ec
from einsum_cascade import CascadeError, library


def test_gemm_counts_and_footprints():
    a = ec.analyze(library.get("gemm", M=4, N=5, K=3))
    assert a.total_ops == {"mac": 4 * 5 * 3}
    assert a.footprints_words == {"A": 12, "B": 15, "Z": 20}
    assert a.intermediates == () and a.intermediate_words == 0
    assert a.passes == {"K": 1}
    row = a.per_einsum.iloc[0]
    assert row["iteration_size"] == 60 and row["input_words"] == 27 and row["output_words"] == 20


@pytest.mark.parametrize("m,p,e,f", [(16, 4, 3, 5), (64, 8, 8, 2)])
def test_attention_three_and_two_pass_counts(m, p, e, f):
    mp = m * p
    a3 = ec.analyze(library.get("attention-3pass", B=1, H=1, P=p, M=m, E=e, F=f))
    # QK: mp*e MACs; GM: mp max; SN: mp sub + mp exp; SD: mp add; A: mp div; AV: mp*f MACs
    assert a3.total_ops == {"mac": mp * (e + f), "add": 2 * mp, "max": mp, "exp": mp, "div": mp}
    # intermediates QK, SN, A (m x p) and GM, SD (p)
    assert a3.intermediate_words == 3 * mp + 2 * p
    a2 = ec.analyze(library.get("attention-2pass", B=1, H=1, P=p, M=m, E=e, F=f))
    # the division moves after the V contraction: p*f divides instead of m*p
    assert a2.total_ops == {"mac": mp * (e + f), "add": 2 * mp, "max": mp, "exp": mp,
                            "div": p * f}


def test_attention_one_pass_counts():
    m1, m0, p, e, f = 4, 8, 3, 5, 2
    m = m1 * m0
    a = ec.analyze(library.get("attention-1pass", B=1, H=1, P=p, M=m, M0=m0, E=e, F=f))
    # QK, SLNV: MACs; LM: m*p max; RM: m1*p max; SLN: m*p sub + exp; PRM: m1*p sub + exp;
    # SPD: m1*p mul; SLD: m*p add; RD: m1*p add; SPNV: m1*f*p mul; RNV: m1*f*p add; AV: p*f div
    assert a.total_ops == {"mac": m * p * (e + f), "mul": m1 * p + m1 * f * p,
                           "add": 2 * m * p + 2 * m1 * p + m1 * f * p,
                           "max": m * p + m1 * p, "exp": m * p + m1 * p, "div": p * f}
    # iterative tensors hold their initial value: M1 + 1 entries along m1
    assert a.footprints_words["RM"] == (m1 + 1) * p
    assert a.footprints_words["RNV"] == (m1 + 1) * f * p


def test_pass_counts_follow_the_spec_rule():
    for name, n in (("attention-3pass", 3), ("attention-2pass", 2), ("attention-1pass", 1)):
        c = library.get(name)
        assert ec.passes(c, "M") == n
        assert ec.passes(c, "E") == 1
    assert ec.analysis.einsum_passes(library.get("attention-3pass"), "M") == (1, 1, 2, 2, 3, 3)
    assert ec.passes(library.get("softmax"), "M") == 3
    assert ec.passes(library.get("mha", form="2pass"), "M") == 2
    assert ec.passes(library.get("attention-3pass"), "F") == 1  # nothing reduces F fully
    assert ec.passes(ec.parse("ranks M, Q\nZ[m] = A[m]"), "Q") == 0  # nothing iterates Q
    with pytest.raises(CascadeError, match="unknown rank 'Z'"):
        ec.passes(library.get("gemm"), "Z")


def test_capacity_grows_with_m_only_for_multi_pass_forms():
    p, f = 8, 4
    caps = {}
    for name in ("attention-3pass", "attention-2pass", "attention-1pass"):
        caps[name] = [ec.analyze(library.get(name, B=1, H=1, P=p, M=m, E=4, F=f))
                      .capacity_words["M"] for m in (256, 1024)]
    # 3-/2-pass keep QK (M x P) and GM (P) across the first pass boundary
    assert caps["attention-3pass"] == [256 * p + p, 1024 * p + p]
    assert caps["attention-2pass"] == [256 * p + p, 1024 * p + p]
    # 1-pass keeps one step of the running state RM, RD (P each) and RNV (F x P)
    assert caps["attention-1pass"] == [2 * p + f * p] * 2


def test_graph_and_dict_are_json_ready():
    a = ec.analyze(library.get("attention-1pass", B=1, H=1, P=4, M=8, M0=4, E=2, F=2))
    edges = {(g["src"], g["dst"], g["carried"]) for g in a.graph}
    assert ("RM", "RM", True) in edges          # running max reads its previous step
    assert ("RD", "SPD", True) in edges
    assert ("SPD", "RD", False) in edges
    assert ("RM.init", "RM", False) in edges
    assert ("RNV", "AV", False) in edges
    d = json.loads(json.dumps(a.to_dict()))
    assert d["passes"]["M"] == 1 and d["total_ops"]["div"] == 8
    assert len(d["per_einsum"]) == 17
    a3 = ec.analyze(library.get("attention-3pass", B=1, H=1, P=2, M=2, E=2, F=2))
    assert len(a3.graph) == 7  # QK->GM, QK->SN, GM->SN, SN->SD, SN->A, SD->A, A->AV


def test_analysis_with_sizes_argument_and_iteration_extents():
    c = library.get("transformer-layer")
    a = ec.analyze(c, dict(B=2, H=4, P=128, E=16, F=16, D=64, S=256, M0=32))
    assert a.sizes["M"] == 128 and a.sizes["M1"] == 4
    qk = next(e for e in c.einsums if e.output == "QK")
    assert qk.extents(a.sizes) == {"b": 2, "h": 4, "m1": 4, "m0": 32, "p": 128, "e": 16}
    assert qk.iteration_ranks == ("b", "h", "m1", "m0", "p", "e")
    assert [str(x) for x in qk.accesses()] == ["Q[b,h,p,e]", "BK[b,h,e,m1,m0]"]
    # FFN: two GEMMs of B*P x D x S MACs each
    ffn = a.per_einsum.set_index("einsum").loc[["F1", "Y"], "mac"]
    assert list(ffn) == [2 * 128 * 64 * 256] * 2


def test_passes_follow_a_full_reduction_through_non_iterating_steps():
    # layernorm as written: S1 = sum_d X (pass 1); MU = S1 / D does not iterate d but carries
    # the barrier, so XC = X - MU needs a 2nd pass over d; S2 = sum_d XC*XC ends in pass 2,
    # RSTD = f(S2) carries that barrier, so Y = XC * RSTD ... needs a 3rd pass.
    c = library.get("layernorm", N=4, D=8)
    assert ec.passes(c, "D") == 3
    # the 1-pass attention form still needs one pass over the whole M fiber, but within a
    # chunk the local max LM (a full reduction over m0) feeds SLN through RM: 2 over M0.
    a = library.get("attention-1pass", B=1, H=1, P=4, M=16, E=2, F=2, M0=8)
    assert ec.passes(a, "M") == 1 and ec.passes(a, "M0") == 2
