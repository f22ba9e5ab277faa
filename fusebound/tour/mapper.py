"""Tour step: the vectorised mapper on a GEMM and the fusion-aware search on attention."""

from __future__ import annotations

TITLE = "dse mapper: best mappings of a GEMM and of 1-pass attention, found by search"


def run(out) -> dict:
    import dse
    from dse.mapper import tpu_like_architecture

    arch = tpu_like_architecture()
    g = dse.search({"einsum": "gemm", "M": 128, "N": 128, "K": 128}, arch, budget=30_000,
                   seed=0, progress=False)
    out(f"GEMM 128^3 on a 32x32 TPU-like array: {g.evaluated:,} mappings in {g.wall_s:.2f} s "
        f"({g.mappings_per_s:,.0f}/s), best {g.best.latency_s * arch.clock_hz:,.0f} cycles")
    out(f"  best: {g.best.describe()}")
    a = dse.search({"cascade": "attention-1pass", "model": "bert", "seq_len": 4096}, "fusemax",
                   budget=40, seed=0, progress=False)
    out(f"1-pass attention, BERT @ 4K on FuseMax: {a.evaluated} fusion/binding structures in "
        f"{a.wall_s:.2f} s, best {a.best.latency_s * 1e3:.2f} ms")
    out(f"  best: {a.best.describe()[:160]}...")
    return {"gemm": {"evaluated": g.evaluated, "mappings_per_s": g.mappings_per_s,
                     "latency_cycles": g.best.latency_s * arch.clock_hz,
                     "mapping": g.best.describe()},
            "attention": {"structures": a.evaluated, "latency_s": a.best.latency_s,
                          "energy_pJ": a.best.energy_pJ, "mapping": a.best.describe()}}
