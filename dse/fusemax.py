"""The FuseMax reproduction: 4 models x 6 sequence lengths x 5 configurations, attention and
end-to-end encoder layer, computed by the cost model from the inputs in
``shared/spec/fusemax.md`` (no published result is typed in).

:func:`reproduce` returns a :class:`Reproduction` (rows, means, ``write(out_dir)`` for CSV and
figures). End-to-end adds the layer's six GEMMs (Q, K, V, output projection, FFN1, FFN2),
each mapped with the ``gemm`` preset on the configuration's architecture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from dse import arch as arch_mod
from dse import mapping as mapping_mod
from dse import workload as workload_mod
from dse.errors import DSEError
from dse.model import CostResult, combine, evaluate

SCOPES = ("attention", "end_to_end")
#: The paper abstract's averages (FuseMax vs FLAT), quoted for comparison in reports only.
PAPER_ABSTRACT = {"attention": {"speedup": 6.7, "energy_ratio": 0.79},
                  "end_to_end": {"speedup": 5.3, "energy_ratio": 0.83}}


@lru_cache(maxsize=256)
def _cascade(name: str, sizes: tuple[tuple[str, int], ...]):
    from einsum_cascade import library

    return library.get(name, **dict(sizes))


def cascade_for(name: str, sizes: dict[str, int]):
    """The library cascade ``name`` with ``sizes`` bound (cached)."""
    return _cascade(name, tuple(sorted(sizes.items())))


def attention_sizes(w: workload_mod.Workload, m: mapping_mod.Mapping,
                    a: arch_mod.Architecture) -> dict[str, int]:
    """Rank sizes of ``w``'s attention for the cascade of mapping ``m``; the 1-pass chunk M0 is
    the 2D array's row count (256 on FuseMax), capped by M."""
    sizes = w.attention_sizes()
    if m.cascade == "attention-1pass":
        rows = max(a.array("2d").dims.values()) if any(x.name == "2d" for x in a.arrays) else 256
        sizes["M0"] = min(rows, sizes["M"])
    return sizes


def attention_cost(w: workload_mod.Workload, config: str, arch: str | arch_mod.Architecture
                   ) -> CostResult:
    a = arch_mod.get(arch)
    m = mapping_mod.get(config)
    return evaluate(cascade_for(m.cascade, attention_sizes(w, m, a)), a, m)


_GEMM_CACHE: dict[tuple, CostResult] = {}


def gemm_cost(a: arch_mod.Architecture, M: int, K: int, N: int) -> CostResult:
    key = (a.name, a.buffer.capacity_words, tuple((x.name, tuple(x.dims.items())) for x in a.arrays),
           M, K, N)
    if key not in _GEMM_CACHE:
        m = mapping_mod.get("gemm")
        _GEMM_CACHE[key] = evaluate(cascade_for("gemm", {"M": M, "K": K, "N": N}), a, m)
    return _GEMM_CACHE[key]


def layer_cost(w: workload_mod.Workload, config: str, arch: str | arch_mod.Architecture,
               attention: CostResult | None = None) -> CostResult:
    """End-to-end encoder layer: attention under ``config`` plus the six GEMMs (``gemm`` mapping)."""
    a = arch_mod.get(arch)
    att = attention or attention_cost(w, config, a)
    parts = [att]
    for name, s in w.gemms():
        g = gemm_cost(a, s["M"], s["K"], s["N"])
        parts.append(_renamed(g, name))
    return combine(f"{w.name}-layer", parts)


def _renamed(r: CostResult, name: str) -> CostResult:
    from dataclasses import replace

    return replace(r, name=name)


@dataclass
class Reproduction:
    """Rows (one per model x seq_len x config x scope) and the FuseMax-vs-baseline means."""

    rows: list[dict[str, Any]]
    means: dict[str, dict[str, float]]
    activity: list[dict[str, Any]] = field(default_factory=list)
    pareto: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "means": self.means, "paper_abstract": PAPER_ABSTRACT,
                "config": self.config}

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write ``fusemax.csv``, ``means.csv``, ``activity_bert.csv``, ``pareto_256k.csv`` and
        the figures (PNG) into ``out_dir``; returns the paths written."""
        import pandas as pd

        from dse import plots

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        p = out / "fusemax.csv"
        pd.DataFrame(self.rows).to_csv(p, index=False)
        paths.append(p)
        p = out / "means.csv"
        pd.DataFrame([{"scope": s, **v} for s, v in self.means.items()]).to_csv(p, index=False)
        paths.append(p)
        if self.activity:
            p = out / "activity_bert.csv"
            pd.DataFrame(self.activity).to_csv(p, index=False)
            paths.append(p)
        if self.pareto:
            p = out / "pareto_256k.csv"
            pd.DataFrame(self.pareto).to_csv(p, index=False)
            paths.append(p)
        paths += plots.write_figures(self, out)
        return paths


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def reproduce(models: Sequence[str] | None = None, seq_lens: Sequence[int] | None = None,
              configs: Sequence[str] | None = None, pareto: bool = True,
              progress: Callable[[str], None] | None = None) -> Reproduction:
    """Evaluate every model x sequence length x configuration for attention and the end-to-end
    layer, and the FuseMax-over-FLAT and FuseMax-over-Unfused means.

    Per row: ``latency_s``, ``energy_pJ``, ``traffic_bytes`` (off-chip), ``util_2d``,
    ``util_1d``, ``bound`` and, on the FuseMax row of each point, ``speedup_vs_flat``,
    ``energy_vs_flat``, ``speedup_vs_unfused``, ``energy_vs_unfused`` (ratios of FuseMax to the
    baseline; speedup = baseline latency / FuseMax latency). ``means`` holds the arithmetic means
    of these ratios over models and sequence lengths, per scope.
    """
    models = list(models or workload_mod.names())
    seq_lens = list(seq_lens or workload_mod.SEQ_LENS)
    for what, values in (("models", models), ("sequence lengths", seq_lens)):
        repeated = sorted({v for v in values if values.count(v) > 1}, key=str)
        if repeated:  # a repeat would weigh that point twice in the averages
            raise DSEError(f"{what} of the FuseMax reproduction must not repeat; got "
                           f"{repeated} more than once")
    cfg_arch = dict(mapping_mod.CONFIGS)
    configs = list(configs or cfg_arch)
    for c in configs:
        if c not in cfg_arch:
            raise DSEError(f"unknown configuration {c!r}; valid: {', '.join(cfg_arch)}")
    for needed in ("fusemax", "flat", "unfused"):
        if needed not in configs:
            configs.append(needed)
    rows: list[dict[str, Any]] = []
    results: dict[tuple, CostResult] = {}
    activity = []
    for model in models:
        for n in seq_lens:
            w = workload_mod.get(model, n)
            for c in configs:
                a = arch_mod.get(cfg_arch[c])
                att = attention_cost(w, c, a)
                lay = layer_cost(w, c, a, att)
                for scope, r in (("attention", att), ("end_to_end", lay)):
                    results[(model, n, c, scope)] = r
                    rows.append({"model": model, "seq_len": n, "config": c, "scope": scope,
                                 "arch": a.name, "latency_s": r.latency_s,
                                 "energy_pJ": r.energy_pJ, "traffic_bytes": r.traffic_bytes,
                                 "util_2d": r.utilization.get("2d"),
                                 "util_1d": r.utilization.get("1d"), "bound": r.bound,
                                 "compute_s": r.compute_s, "memory_s": r.memory_s})
                if model == "bert":
                    for e in att.einsum_rows:
                        if e["array"] == "2d":
                            activity.append({"seq_len": n, "config": c, "einsum": e["einsum"],
                                             "activity": e["activity"]})
            if progress:
                progress(f"{model} seq_len={n} done")
    sums: dict[str, dict[str, list[float]]] = {s: {} for s in SCOPES}
    for row in rows:
        if row["config"] != "fusemax":
            continue
        key = (row["model"], row["seq_len"])
        for base in ("flat", "unfused"):
            b = results[(*key, base, row["scope"])]
            row[f"speedup_vs_{base}"] = _ratio(b.latency_s, row["latency_s"])
            row[f"energy_vs_{base}"] = _ratio(row["energy_pJ"], b.energy_pJ)
            for k in (f"speedup_vs_{base}", f"energy_vs_{base}"):
                sums[row["scope"]].setdefault(k, []).append(row[k])
    means = {s: {k: float(np.mean(v)) for k, v in d.items()} for s, d in sums.items()}
    par = pareto_sweep() if pareto else []
    return Reproduction(rows=rows, means=means, activity=activity, pareto=par,
                        config={"models": models, "seq_lens": seq_lens, "configs": configs,
                                "config_arch": {c: cfg_arch[c] for c in configs},
                                "source": "shared/spec/fusemax.md inputs; dse cost model"})


def pareto_sweep(sizes: Sequence[int] = (16, 32, 64, 128, 256, 512), model: str = "bert",
                 seq_len: int = 262144) -> list[dict[str, Any]]:
    """Area versus latency of FuseMax attention for 2D arrays of ``n x n`` PEs (the 1D array
    gets ``n`` PEs and the chunk M0 = ``n``); ``pareto`` marks the non-dominated points."""
    base = arch_mod.get("fusemax")
    w = workload_mod.get(model, seq_len)
    out = []
    for n in sizes:
        a = base.with_array_dims("2d", rows=n, cols=n).with_array_dims("1d", pes=n)
        r = attention_cost(w, "fusemax", a)
        out.append({"array": n, "area_mm2": a.area_um2_total / 1e6, "latency_s": r.latency_s,
                    "energy_pJ": r.energy_pJ, "util_2d": r.utilization["2d"],
                    "util_1d": r.utilization["1d"]})
    for p in out:
        p["pareto"] = not any(q["area_mm2"] <= p["area_mm2"] and q["latency_s"] <= p["latency_s"]
                              and (q["area_mm2"], q["latency_s"]) != (p["area_mm2"], p["latency_s"])
                              for q in out)
    return out
