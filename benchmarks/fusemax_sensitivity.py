"""How much each modelling choice moves the FuseMax-vs-FLAT averages (README, section dse).

Run: ``python benchmarks/fusemax_sensitivity.py``. Each row changes ONE choice of the cost
model or of a preset and recomputes the means over 4 models x 6 sequence lengths of
FuseMax's speedup over FLAT and its energy ratio, for attention and the end-to-end layer.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dse import arch as A
from dse import mapping as Mp
from dse import workload as W
from dse.arch import ComputeArray, OpCost
from dse.fusemax import PAPER_ABSTRACT, attention_cost, layer_cost


def means(flat_arch, flat_map, fm_arch, fm_map) -> dict[str, tuple[float, float]]:
    acc = {"attention": [], "end_to_end": []}
    for model in W.names():
        for n in W.SEQ_LENS:
            w = W.get(model, n)
            fa, ff = attention_cost(w, flat_map, flat_arch), attention_cost(w, fm_map, fm_arch)
            la, lf = layer_cost(w, flat_map, flat_arch, fa), layer_cost(w, fm_map, fm_arch, ff)
            acc["attention"].append((fa.latency_s / ff.latency_s, ff.energy_pJ / fa.energy_pJ))
            acc["end_to_end"].append((la.latency_s / lf.latency_s, lf.energy_pJ / la.energy_pJ))
    return {s: tuple(np.mean(np.array(v), axis=0)) for s, v in acc.items()}


def _with_array(a: A.Architecture, name: str, **changes) -> A.Architecture:
    arrays = tuple(replace(x, **changes) if x.name == name else x for x in a.arrays)
    return replace(a, arrays=arrays)


def _exp_cycles(a: A.Architecture, cycles: float) -> A.Architecture:
    arrays = []
    for x in a.arrays:
        ops = dict(x.ops)
        if "exp" in ops and ops["exp"].cycles > 1:
            ops["exp"] = OpCost(cycles, dict(ops["exp"].actions))
        arrays.append(ComputeArray(x.name, x.dims, ops, x.units, x.rf_words, x.pipelined))
    return replace(a, arrays=tuple(arrays))


def _flat_mapping(**kernel_changes) -> Mp.Mapping:
    m = Mp.get("flat")
    return replace(m, kernels=(replace(m.kernels[0], **kernel_changes),))


def main() -> None:
    flat, fm = A.get("flat"), A.get("fusemax")
    fmap, mmap = Mp.get("flat"), Mp.get("fusemax")
    variants = [
        ("model as built", flat, fmap, fm, mmap),
        ("FLAT 1D PE not pipelined (softmax 5 cycles/score, not 4)",
         _with_array(flat, "1d", pipelined=False), fmap, fm, mmap),
        ("FLAT without 2D/1D overlap", flat, _flat_mapping(overlap=()), fm, mmap),
        ("FLAT row groups >= 16 (spills later)", flat, _flat_mapping(min_tiles={"P": 16}), fm, mmap),
        ("FLAT row groups >= 256 (spills earlier)", flat, _flat_mapping(min_tiles={"P": 256}), fm, mmap),
        ("FuseMax exp by MAC in 6 cycles (MAC/add overlap)", flat, fmap, _exp_cycles(fm, 6), mmap),
        ("FuseMax 1D temporaries PRM, SPD, SPNV in the buffer", flat, fmap, fm,
         replace(mmap, kernels=(replace(mmap.kernels[0], registers=("QK", "SLN")),))),
    ]
    print(f"{'variant':58s} {'attn speedup':>12s} {'attn energy':>11s} {'e2e speedup':>11s} {'e2e energy':>10s}")
    for name, fa, fmp, ma, mmp in variants:
        m = means(fa, fmp, ma, mmp)
        print(f"{name:58s} {m['attention'][0]:12.2f} {m['attention'][1]:11.3f} "
              f"{m['end_to_end'][0]:11.2f} {m['end_to_end'][1]:10.3f}")
    p = PAPER_ABSTRACT
    print(f"{'paper abstract':58s} {p['attention']['speedup']:12.2f} {p['attention']['energy_ratio']:11.3f} "
          f"{p['end_to_end']['speedup']:11.2f} {p['end_to_end']['energy_ratio']:10.3f}")


if __name__ == "__main__":
    main()
