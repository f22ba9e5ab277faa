"""Log-log plot of traffic versus buffer: lower bound, attainable curve, FlashAttention."""

from __future__ import annotations

from typing import Any, Mapping


def plot_curve(report: Mapping[str, Any], path: str) -> str:
    """Write the plot of a :func:`io_bounds.report.curve_report` result to ``path`` (PNG/PDF/SVG).

    Axes: buffer capacity (words) and DRAM traffic (words), both logarithmic; the word size
    in bytes is in the title.
    """
    from pathlib import Path

    from io_bounds.errors import BoundError

    if Path(path).is_dir():
        raise BoundError(f"plot path {path} is a directory; give a file name such as "
                         f"{Path(path) / 'curve.png'}")
    if not Path(path).suffix:  # matplotlib would add .png and we would report the bare name
        path = f"{path}.png"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    cur = report["curve"]
    ax.step([r["buffer_words"] for r in cur], [r["traffic_words"] for r in cur], where="post",
            label="attainable (best tiling)", color="C0", linewidth=2)
    g = report["grid"]
    label = "lower bound"
    if not all(g.get("lower_bound_rigorous", [True])):
        label += f" (Theta shape where marked, constant {report.get('constant', 1):g})"
    ax.plot(g["buffer_words"], g["lower_bound_words"], label=label, color="C3", linestyle="--")
    for key, style in (("flash_fa1_words", ":"), ("flash_fa2_words", "-.")):
        if key in g:
            ax.plot(g["buffer_words"], g[key], style, color="C2",
                    label=f"FlashAttention {key.split('_')[1].upper()}")
    ax.axhline(report["compulsory_words"], color="grey", linewidth=0.8,
               label="compulsory traffic")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("buffer capacity (words)")
    ax.set_ylabel("DRAM traffic (words)")
    sizes = ", ".join(f"{k}={v}" for k, v in report["sizes"].items())
    ax.set_title(f"{report['cascade']} ({sizes}); 1 word = {report['word_bytes']:g} bytes",
                 fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
