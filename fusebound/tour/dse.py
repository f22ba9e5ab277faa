"""Tour step: the FuseMax reproduction on the spatial-array cost model, and one query."""

from __future__ import annotations

from typing import Any, Callable

TITLE = "dse: FuseMax reproduction on the spatial-array cost model"


def run(out: Callable[[str], None]) -> dict[str, Any]:
    from dse.api import query
    from dse.fusemax import PAPER_ABSTRACT, reproduce

    rep = reproduce(pareto=False)
    out(f"  {len(rep.rows)} points: 4 models x 6 sequence lengths (1K..1M) x 5 configurations "
        f"x (attention, end-to-end)")
    for scope, m in rep.means.items():
        p = PAPER_ABSTRACT[scope]
        out(f"  {scope:10s} FuseMax vs FLAT: {m['speedup_vs_flat']:.2f}x faster at "
            f"{m['energy_vs_flat']:.0%} of its energy (paper abstract: {p['speedup']}x at "
            f"{p['energy_ratio']:.0%}); vs Unfused: {m['speedup_vs_unfused']:.2f}x, "
            f"{m['energy_vs_unfused']:.0%}")
    r = query("attention-1pass", arch="fusemax", mapping="fusemax", model="bert", seq_len=65536)
    out(f"  query BERT 64K on FuseMax: {r.latency_s:.3g} s, {r.energy_pJ:.3g} pJ, "
        f"2D {r.utilization['2d']:.1%} / 1D {r.utilization['1d']:.1%} utilized, {r.bound}-bound")
    return {"points": len(rep.rows), "means": rep.means, "paper_abstract": PAPER_ABSTRACT,
            "bert_64k_fusemax": {"latency_s": r.latency_s, "energy_pJ": r.energy_pJ,
                                 "utilization": r.utilization}}
