"""Tour step: I/O lower bounds, attainable curves and a simulator check."""

from __future__ import annotations

from typing import Any, Callable

TITLE = "I/O bounds: how little data must move, and how close a tiling gets"


def run(out: Callable[[str], None]) -> dict[str, Any]:
    import time

    import io_bounds as iob
    from io_bounds.curves import tiling_traffic
    from io_bounds.nest import gemm
    from io_bounds.simulator import simulate

    summary: dict[str, Any] = {}
    # 1. GEMM: bound and attainable at 1 MiB of 16-bit words (the spec's COSMA counterexample)
    m, n, k, S = 16384, 1024, 1024, 525824
    t0 = time.perf_counter()
    curve = iob.attainable("gemm", dict(M=m, N=n, K=k))
    secs = time.perf_counter() - t0
    lb = iob.lower_bound("gemm", dict(M=m, N=n, K=k), S)
    at = iob.attainable("gemm", dict(M=m, N=n, K=k), buffers=[S]).iloc[0]
    out(f"  GEMM {m}x{n}x{k}: full attainable curve ({len(curve)} Pareto points, "
        f"{curve.attrs['tilings_evaluated']:,} tilings) in {secs:.2f} s")
    out(f"  at S = {S:,} words: lower bound {lb.words:,.0f} ({lb.method}), best tiling "
        f"{at['traffic_words']:,.0f} words = {at['traffic_words'] / lb.words:.3f}x "
        f"[{at['mapping']}]")
    summary["gemm"] = {"curve_seconds": round(secs, 3), "pareto_points": len(curve),
                       "bound_words": lb.words, "attainable_words": float(at["traffic_words"]),
                       "mapping": at["mapping"]}
    # 2. attention: Saha-Ye (shape, constant 1) versus FlashAttention and the fused cascade
    N, d, M = 4096, 64, 32768
    sy = iob.attention(N, d, M)
    fa2 = iob.flash_attention_traffic(N, d, M, "fa2")["traffic_words"]
    fused = iob.attainable("attention-1pass", dict(B=1, H=1, P=N, M=N, E=d, F=d),
                           buffers=[M])["traffic_words"].iat[0]
    out(f"  attention N={N} d={d} M={M:,} words: Saha-Ye shape {sy.words:,.0f} "
        f"({sy.regime}); FlashAttention-2 {fa2:,.0f}; best fused 1-pass tiling {fused:,.0f}")
    summary["attention"] = {"saha_ye_words": sy.words, "fa2_words": fa2,
                            "fused_1pass_words": float(fused)}
    # 3. convolution through the general HBL LP (no special case)
    cb = iob.conv2d(N=1, C=64, H=58, W=58, K=64, R=3, S=3, fast_memory_words=512)
    out(f"  conv2d 64x64x56x56 3x3, S=512 words: HBL bound {cb.words:,.0f} words "
        f"(exponents s={ {k: round(v, 3) for k, v in cb.details.get('s', {}).items()} })")
    summary["conv2d_bound_words"] = cb.words
    # 4. proof by simulation: the model's count equals the replayed trace; LRU >= the bound
    g = gemm(16, 12, 8)
    tiles, order = dict(M=4, N=4, K=2), ("K", "M", "N")
    model = tiling_traffic(g, tiles, order)
    sim = simulate(g, tiles, order, "tile")
    lru = simulate(g, tiles, order, "lru", model["buffer_words"])
    bound = iob.matmul(16, 12, 8, model["buffer_words"]).words
    out(f"  simulator, GEMM 16x12x8 tiles {tiles}: model {model['traffic_words']} words, "
        f"replayed {sim['traffic_words']}, LRU {lru['traffic_words']} >= bound {bound:,.1f}")
    if sim["traffic_words"] != model["traffic_words"] or lru["traffic_words"] < bound:
        raise RuntimeError("simulation disagrees with the model or the bound")
    summary["simulation"] = {"model_words": model["traffic_words"],
                             "replayed_words": sim["traffic_words"],
                             "lru_words": lru["traffic_words"], "bound_words": bound}
    return summary
