"""One call per CLI command: bounds and curves packaged as JSON-able dicts."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from io_bounds.errors import BoundError


def _bound_dict(b, word_bytes: float) -> dict:
    d = b.to_dict()
    d["bytes"] = b.bytes(word_bytes)
    d["word_bytes"] = word_bytes
    return d


def gemm_report(m: int, n: int, k: int, buffer_words: int, word_bytes: float = 2) -> dict:
    """Lower bound (every method) and the attainable traffic at ``buffer_words``, for a GEMM."""
    from io_bounds.api import attainable, lower_bound

    b = lower_bound("gemm", {"M": m, "N": n, "K": k}, buffer_words)
    at = attainable("gemm", {"M": m, "N": n, "K": k}, buffers=[buffer_words]).iloc[0]
    return {"bound": _bound_dict(b, word_bytes),
            "attainable": {"traffic_words": float(at["traffic_words"]),
                           "mapping": at["mapping"],
                           "mapping_buffer_words": float(at["mapping_buffer_words"])}}


def attention_report(N: int, d: int, buffer_words: int, constant: float = 1.0,
                     word_bytes: float = 2) -> dict:
    """Saha-Ye bound, backward bound and FlashAttention traffic (both loop orders)."""
    from io_bounds.closed_forms import attention, attention_backward, flash_attention_traffic

    fwd = attention(N, d, buffer_words, constant)
    bwd = attention_backward(N, d, buffer_words, constant)
    flash = {}
    for v in ("fa1", "fa2"):
        try:
            flash[v] = flash_attention_traffic(N, d, buffer_words, v)
        except BoundError as e:
            flash[v] = {"variant": v, "error": str(e)}
    return {"forward": _bound_dict(fwd, word_bytes), "backward": _bound_dict(bwd, word_bytes),
            "flash_attention": flash}


def curve_report(cascade_or_name: Any, sizes: Mapping[str, int] | None = None,
                 buffers: Sequence[float] | None = None, plot: str | None = None,
                 word_bytes: float = 2, constant: float = 1.0, grid_points: int = 20,
                 options: Mapping[str, Any] | None = None) -> dict:
    """Attainable curve, lower bounds on a log grid of buffer sizes, FlashAttention traffic
    (attention cascades), optionally a plot. All traffic in words."""
    from io_bounds.api import ATTENTION_NAMES, attainable, lower_bound
    from io_bounds.closed_forms import flash_attention_traffic
    from io_bounds.ir import resolve

    cascade = resolve(cascade_or_name, sizes, options)
    curve = attainable(cascade, None)
    lo = float(curve["buffer_words"].iloc[0])
    hi = float(curve["buffer_words"].iloc[-1]) * 2
    grid = np.unique(np.round(np.geomspace(max(lo, 1.0), max(hi, lo + 1), grid_points)))
    bounds = [lower_bound(cascade, None, float(s), constant=constant, detail=False)
              for s in grid]
    g: dict[str, list] = {"buffer_words": grid.tolist(),
                          "lower_bound_words": [b.words for b in bounds],
                          "lower_bound_method": [b.method for b in bounds],
                          "lower_bound_rigorous": [b.rigorous for b in bounds]}
    sz = cascade.sizes
    if cascade.name in ATTENTION_NAMES and sz.get("P") == sz.get("M") and \
            sz.get("E") == sz.get("F"):
        heads = sz.get("B", 1) * sz.get("H", 1)
        for v in ("fa1", "fa2"):
            vals = []
            for s in grid:
                try:
                    vals.append(heads * flash_attention_traffic(sz["P"], sz["E"], s, v)
                                ["traffic_words"])
                except BoundError:
                    vals.append(math.nan)
            g[f"flash_{v}_words"] = vals
    rows = curve.to_dict(orient="records")
    out = {"cascade": cascade.name, "sizes": dict(sz), "word_bytes": word_bytes,
           "constant": constant,
           "family": curve.attrs.get("family"), "conventions": curve.attrs.get("conventions"),
           "compulsory_words": curve.attrs.get("compulsory_words"), "curve": rows, "grid": g}
    if buffers is not None:
        at = attainable(cascade, None, buffers=buffers)
        out["at_buffers"] = []
        for r in at.to_dict(orient="records"):
            b = lower_bound(cascade, None, r["buffer_words"], constant=constant, detail=False)
            r["lower_bound_words"] = b.words
            r["lower_bound_method"] = b.method
            r["gap"] = (r["traffic_words"] / b.words) if b.words and \
                math.isfinite(r["traffic_words"]) else None
            out["at_buffers"].append(r)
    if plot:
        from io_bounds.plot import plot_curve

        out["plot"] = plot_curve(out, plot)
    return out
