"""Tour step: parse, check, analyse and numerically verify every built-in cascade."""

from __future__ import annotations

from typing import Any, Callable

TITLE = "Einsum cascades: parse, check, analyse, verify"


def run(out: Callable[[str], None]) -> dict[str, Any]:
    import einsum_cascade as ec
    from einsum_cascade.reference import verify

    rows = []
    for name in ec.library.names():
        sizes = ec.library.with_defaults(name)
        c = ec.library.get(name, **sizes)
        round_trip = ec.parse(str(c)) == c and ec.Cascade.from_dict(c.to_dict()) == c
        a = ec.analyze(c)
        v = verify(name, sizes)
        rows.append({"cascade": name, "einsums": len(c.einsums), "round_trip": round_trip,
                     "ops_total": a.ops_total, "passes": a.passes,
                     "max_rel_error": v["max_rel_error"],
                     "ok": round_trip and v["max_rel_error"] <= 1e-5})
        out(f"  {name:18s} {len(c.einsums):2d} einsums  round-trip {'ok' if round_trip else 'FAIL'}"
            f"  {a.ops_total:>12,d} ops  rel.err {v['max_rel_error']:.1e}"
            f"  passes {', '.join(f'{k}:{p}' for k, p in a.passes.items())}")
    pas = {}
    for form in ("3pass", "2pass", "1pass"):
        caps = []
        for m in (1024, 4096):
            c = ec.library.get(f"attention-{form}", B=1, H=1, P=64, M=m, E=64, F=64)
            caps.append(ec.analyze(c).capacity_words["M"])
        pas[form] = {"passes_M": ec.passes(c, "M"), "capacity_words_M1024": caps[0],
                     "capacity_words_M4096": caps[1]}
        out(f"  attention-{form}: {pas[form]['passes_M']} pass(es) over M; on-chip words to "
            f"avoid re-reads {caps[0]:,} (M=1024) -> {caps[1]:,} (M=4096)")
    ok = all(r["ok"] for r in rows)
    if not ok:
        raise RuntimeError("cascade check failed for "
                           + ", ".join(r["cascade"] for r in rows if not r["ok"]))
    return {"cascades": rows, "attention": pas, "ok": ok}
