"""Figures of the FuseMax reproduction (matplotlib, Agg backend, units on every axis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _seq_label(n: int) -> str:
    return f"{n // 1048576}M" if n >= 1048576 else f"{n // 1024}K"


def write_figures(rep: Any, out: Path) -> list[Path]:
    """Utilization vs sequence length per array; speedup and energy bars normalised to Unfused
    (attention and end-to-end); the 2D array's per-Einsum activity for BERT; the area-versus-
    latency Pareto sweep. Returns the PNG paths."""
    import pandas as pd

    plt = _plt()
    df = pd.DataFrame(rep.rows)
    configs = list(dict.fromkeys(df["config"]))
    seqs = sorted(df["seq_len"].unique())
    paths = []

    # 1. utilization vs sequence length, per array (attention, mean over models)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    att = df[df["scope"] == "attention"]
    for ax, col, title in zip(axes, ("util_2d", "util_1d"), ("2D array", "1D array")):
        for c in configs:
            s = att[att["config"] == c].groupby("seq_len")[col].mean()
            ax.plot(range(len(s)), s.values, marker="o", label=c)
        ax.set_xticks(range(len(seqs)), [_seq_label(n) for n in seqs])
        ax.set_xlabel("sequence length (tokens)")
        ax.set_title(f"{title} utilization (attention, mean over models)")
        ax.set_ylim(0, 1.05)
    axes[0].set_ylabel("utilization (fraction of PE-cycles)")
    axes[1].legend()
    fig.tight_layout()
    p = out / "utilization.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    paths.append(p)

    # 2. speedup and energy normalised to Unfused
    for scope in ("attention", "end_to_end"):
        sub = df[df["scope"] == scope]
        base = sub[sub["config"] == "unfused"].set_index(["model", "seq_len"])
        fig, axes = plt.subplots(1, 2, figsize=(12, 4))
        width = 0.8 / len(configs)
        for j, c in enumerate(configs):
            cur = sub[sub["config"] == c].set_index(["model", "seq_len"])
            spd = (base["latency_s"] / cur["latency_s"]).groupby("seq_len").mean()
            en = (cur["energy_pJ"] / base["energy_pJ"]).groupby("seq_len").mean()
            x = np.arange(len(seqs)) + j * width
            axes[0].bar(x, spd.values, width, label=c)
            axes[1].bar(x, en.values, width, label=c)
        for ax, yl in zip(axes, ("speedup over Unfused (x)", "energy / Unfused energy")):
            ax.set_xticks(np.arange(len(seqs)) + 0.4 - width / 2, [_seq_label(n) for n in seqs])
            ax.set_xlabel("sequence length (tokens)")
            ax.set_ylabel(yl)
        axes[0].set_yscale("log")
        axes[0].set_title(f"{scope.replace('_', '-')} speedup (mean over models)")
        axes[1].set_title(f"{scope.replace('_', '-')} energy (mean over models)")
        axes[1].legend(fontsize=8)
        fig.tight_layout()
        p = out / f"speedup_energy_{scope}.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)

    # 3. per-Einsum activity of the 2D array, BERT attention
    if rep.activity:
        act = pd.DataFrame(rep.activity)
        fig, axes = plt.subplots(1, len(seqs), figsize=(3 * len(seqs), 4), sharey=True)
        axes = np.atleast_1d(axes)
        einsums = list(dict.fromkeys(act["einsum"]))
        colors = plt.cm.tab20(np.linspace(0, 1, max(len(einsums), 2)))
        for ax, n in zip(axes, seqs):
            a = act[act["seq_len"] == n]
            bottom = np.zeros(len(configs))
            for e, col in zip(einsums, colors):
                v = np.array([a[(a["config"] == c) & (a["einsum"] == e)]["activity"].sum()
                              for c in configs])
                ax.bar(range(len(configs)), v, bottom=bottom, color=col, label=e)
                bottom += v
            ax.set_xticks(range(len(configs)), configs, rotation=60, fontsize=8)
            ax.set_title(f"BERT {_seq_label(n)}")
            ax.set_ylim(0, 1.05)
        axes[0].set_ylabel("2D array activity (fraction of latency)")
        axes[-1].legend(fontsize=7, loc="upper right")
        fig.tight_layout()
        p = out / "activity_2d_bert.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)

    # 4. area vs latency
    if rep.pareto:
        par = pd.DataFrame(rep.pareto)
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.scatter(par["area_mm2"], par["latency_s"], c=["C3" if x else "C0" for x in par["pareto"]])
        front = par[par["pareto"]].sort_values("area_mm2")
        ax.plot(front["area_mm2"], front["latency_s"], "C3--", label="Pareto front")
        for _, r in par.iterrows():
            ax.annotate(f"{int(r['array'])}x{int(r['array'])}", (r["area_mm2"], r["latency_s"]),
                        fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("area (mm^2)")
        ax.set_ylabel("latency (s)")
        ax.set_title("FuseMax BERT attention at 256K: area vs latency")
        ax.legend()
        fig.tight_layout()
        p = out / "pareto_area_latency_256k.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths
