"""``dse.search``: the best mapping of a workload on an architecture.

* A single Einsum (GEMM, batched GEMM, conv2d, any one-Einsum cascade): the mapping space of
  every compute array that can execute it (:mod:`dse.mapper.space`) is searched with a
  strategy (:mod:`dse.mapper.search`); candidates are scored in numpy batches by the cost
  model of :mod:`dse` (the same model ``dse.query`` uses for one mapping).
* A cascade: fusion-aware search (:mod:`dse.mapper.fusion`).
"""

from __future__ import annotations

import math
import time
from typing import Any, Mapping

import numpy as np

from dse.errors import DSEError
from dse.mapper.result import MappedPoint, SearchResult
from dse.mapper.search import Budget, objective_fn, run_search
from dse.mapper.space import space_for
from dse.mapper.workloads import CascadeWorkload, EinsumWorkload, workload_from_spec

#: Default candidate budget when none is given (single Einsums: mappings; cascades:
#: structures, each with a batch of tile and spatial numbers).
DEFAULT_BUDGET = 200_000
DEFAULT_CASCADE_BUDGET = 600


def resolve_arch(arch: Any):
    """A preset name, a ``.yaml`` path, a dict or an Architecture -> Architecture."""
    from dse import arch as arch_mod

    if isinstance(arch, arch_mod.Architecture):
        return arch
    if isinstance(arch, Mapping):
        return arch_mod.Architecture.from_dict(arch)
    if isinstance(arch, str) and arch.endswith((".yaml", ".yml")):
        return arch_mod.Architecture.from_yaml(arch)
    if isinstance(arch, str) and arch in MAPPER_ARCHS:
        return MAPPER_ARCHS[arch]()
    if isinstance(arch, str) and arch not in arch_mod.PRESETS:
        valid = sorted(set(arch_mod.PRESETS) | set(MAPPER_ARCHS))
        raise DSEError(f"unknown architecture {arch!r}; valid names: {', '.join(valid)} (or a "
                       f"YAML file)")
    return arch_mod.get(arch)


def tpu_like_architecture(clock_hz: float = 1e9):
    """ZigZag 3.9.1's ``tpu_like`` accelerator in fusebound's Architecture spec.

    32 x 32 MAC array; 2 MiB global SRAM (1 Mi 16-bit words), 128-word (2048-bit) accesses at
    416.16 pJ read / 378.4 pJ write; DRAM 64 bit/cycle (8 bytes x ``clock_hz``), 700 pJ per
    64-bit access (ZigZag: 700 read / 750 write; we charge one value for both as the spec does);
    MAC 0.04 pJ. ZigZag's per-PE register files (0.021-0.095 pJ/access) are not modelled.
    Area: 1 unit per MAC (ZigZag's ``unit_area``), SRAM 0.
    """
    from dse.arch import Architecture, ComputeArray, MemoryLevel, OpCost

    mac = OpCost(1, {"mac": 1})
    return Architecture(
        name="tpu-like", clock_hz=clock_hz,
        description="ZigZag tpu_like: 32x32 MAC array, 2 MiB SRAM, DRAM 64 bit/cycle.",
        levels=(MemoryLevel("dram", None, 4, 700.0, 750.0, bandwidth_bytes_per_s=8 * clock_hz),
                MemoryLevel("sram", 2 ** 20, 128, 416.16, 378.4)),
        arrays=(ComputeArray("2d", {"rows": 32, "cols": 32},
                             {"mac": mac, "mul": mac, "add": OpCost(1, {"mac": 1})},
                             {"mac": 1}),),
        energy_pJ={"mac": 0.04}, area_um2={"mac": 1.0})


MAPPER_ARCHS = {"tpu-like": tpu_like_architecture}


def clock_hz(arch) -> float:
    return float(resolve_arch(arch).clock_hz)


def search(workload: Any, arch: Any = "fusemax", *, objective: str = "latency",
           budget: Any = None, strategy: str = "auto", seed: int = 0, batch_size: int = 8192,
           progress: bool = True, arrays: tuple[str, ...] | None = None,
           padding: bool = True) -> SearchResult:
    """Search the best mapping of ``workload`` on ``arch``.

    ``workload``: a spec dict (``{einsum: gemm, M: 128, N: 128, K: 128}``, ``{cascade:
    attention-1pass, model: bert, seq_len: 65536}``; see :mod:`dse.mapper.workloads`) or a
    cascade. ``objective``: ``latency`` | ``energy`` | ``edp``. ``budget``: candidates (int),
    seconds (float), ``{"candidates": n, "seconds": s}`` or a :class:`Budget` (default
    200 000 candidates). ``strategy``: ``auto`` (exhaustive when the space fits the budget,
    else local search), ``exhaustive``, ``random``, ``local``, ``genetic``. ``arrays``: the
    compute arrays to consider (default: every array that can execute the Einsum).
    Ctrl-C ends the search early and returns the best found so far (``interrupted=True``).
    """
    objective_fn(objective)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DSEError(f"seed of the mapping search must be an int >= 0; got {seed!r}")
    arch = resolve_arch(arch)
    w = workload_from_spec(workload)
    bud = Budget.parse(budget, DEFAULT_CASCADE_BUDGET if isinstance(w, CascadeWorkload)
                       else DEFAULT_BUDGET)
    if isinstance(w, CascadeWorkload):
        from dse.mapper.fusion import search_cascade

        return search_cascade(w, arch, objective=objective, budget=bud, strategy=strategy,
                              seed=seed, progress=progress)
    return _search_einsum(w, arch, objective=objective, budget=bud, strategy=strategy,
                          seed=seed, batch_size=batch_size, progress=progress, arrays=arrays,
                          padding=padding)


def eligible_arrays(arch, workload: EinsumWorkload) -> list[str]:
    """Arrays of ``arch`` that support every op kind of the Einsum."""
    kinds = set(workload.einsum.op_counts(workload.sizes))
    return [a.name for a in arch.arrays if kinds <= set(a.ops)]


def _search_einsum(w: EinsumWorkload, arch, *, objective, budget: Budget, strategy, seed,
                   batch_size, progress, arrays, padding) -> SearchResult:
    from dse.mapper.convert import array_shape, nest_from_einsum, to_mapping
    from dse.mapper.evaluate import EinsumEvaluator

    able = eligible_arrays(arch, w)
    if arrays is not None:
        known = [a.name for a in arch.arrays]
        bad = [a for a in arrays if a not in known]
        if bad:
            raise DSEError(f"arrays {bad} are not in architecture '{arch.name}'; valid: "
                           f"{', '.join(known)}")
        names = [a for a in arrays if a in able]
        if not names:
            raise DSEError(f"the search space is empty: none of arrays {list(arrays)} of "
                           f"architecture '{arch.name}' can execute Einsum {w.label!r} (needs "
                           f"ops {sorted(w.einsum.op_counts(w.sizes))})")
    else:
        names = able
    if not names:
        kinds = sorted(w.einsum.op_counts(w.sizes))
        raise DSEError(f"no compute array of architecture '{arch.name}' can execute Einsum "
                       f"{w.label!r} (needs ops {kinds}; arrays: "
                       + "; ".join(f"{a.name}: {sorted(a.ops)}" for a in arch.arrays) + ")")
    nest = nest_from_einsum(w.einsum, w.sizes, name=w.label)
    spaces = []
    for name in names:
        space = space_for(nest, array_shape(arch, name), padding=padding)
        if space.size == 0:
            raise DSEError(f"the mapping space of Einsum {w.label!r} on array {name!r} is empty")
        spaces.append((name, space))
    total = sum(s.size for _, s in spaces)
    start = time.perf_counter()
    results = []
    interrupted = False
    used = strategy
    for i, (name, space) in enumerate(spaces):
        share = _share(budget, len(spaces), i, space.size, total)
        ev = EinsumEvaluator(w, arch, name, space)
        tr, stop, used = run_search(space, ev, objective=objective, budget=share,
                                    strategy=strategy, seed=seed + i, batch_size=batch_size,
                                    progress=progress, desc=f"map {w.label}@{name}")
        results.append((name, space, tr))
        if stop:
            interrupted = True
            break
    wall = time.perf_counter() - start
    score = objective_fn(objective)
    found = [(n, s, t) for n, s, t in results if t.best_genes is not None]
    if not found:
        raise DSEError(f"no mapping of Einsum {w.label!r} fits architecture '{arch.name}' "
                       f"(evaluated {sum(t.evaluated for _, _, t in results)} candidates, none "
                       f"fits the {arch.buffer.capacity_words}-word buffer)")

    def point(name, space, genes, lat, en) -> MappedPoint:
        dims = tuple(arch.array(name).dims)
        m = to_mapping(space, genes, cascade=w.cascade.name or "einsum", einsum=w.label,
                       array=name, dim_names=dims, name=f"searched-{name}")
        return MappedPoint(m, float(lat), float(en), {"array": name})

    best_n, best_s, best_t = min(found, key=lambda x: x[2].best_score)
    best = point(best_n, best_s, best_t.best_genes, *best_t.best_cost)
    # merged Pareto front over arrays
    from dse.mapper.search import pareto_mask

    cand = [(n, s, g, c) for n, s, t in found for g, c in zip(t.front_genes, t.front_cost)]
    pts = np.array([c for *_, c in cand])
    keep = np.nonzero(pareto_mask(pts))[0]
    front = sorted((point(cand[k][0], cand[k][1], cand[k][2], *cand[k][3]) for k in keep),
                   key=lambda p: p.latency_s)
    # time to best is measured inside the tracker of the array that found it
    offset = sum(t.evaluated for _, _, t in results[: [r[0] for r in results].index(best_n)])
    t_best = best_t.time_to_best_s + sum(
        (t.start - start) for n, _, t in results if n == best_n)
    return SearchResult(
        workload=w.name, arch=arch.name, objective=objective, strategy=used, best=best,
        front=front, evaluated=sum(t.evaluated for _, _, t in results),
        valid=sum(t.valid for _, _, t in results), space_size=total, wall_s=wall,
        time_to_best_s=t_best, interrupted=interrupted,
        config={"workload": dict(w.spec), "arch": arch.name, "objective": objective,
                "budget": {"candidates": budget.candidates, "seconds": budget.seconds},
                "strategy": strategy, "seed": seed, "arrays": names,
                "evaluated_before_best_array": offset, "score": float(score(
                    np.array([best.latency_s]), np.array([best.energy_pJ]))[0])})


def _share(budget: Budget, n: int, i: int, size: int, total: int) -> Budget:
    """Split a budget over ``n`` array spaces (in proportion to their sizes for candidates,
    evenly for seconds)."""
    if n == 1:
        return budget
    cands = None
    if budget.candidates is not None:
        cands = max(1, int(math.floor(budget.candidates * size / total)))
    secs = budget.seconds / n if budget.seconds is not None else None
    return Budget(candidates=cands, seconds=secs)


def map_cli_spec(workload: str, sizes: dict[str, int], model: str | None, seq: int | None,
                 arch: str):
    """Turn ``fusebound map`` arguments into ``(workload spec, architecture)``."""
    from dse._spec import load_yaml

    if workload.endswith((".yaml", ".yml")):
        spec = load_yaml(workload, "workload spec")
    elif workload in ("gemm", "bgemm", "conv2d"):
        spec = {"einsum": workload, **sizes}
        if model is not None or seq is not None:
            raise DSEError(f"--model/--seq apply to cascades, not to einsum {workload!r}")
    else:
        spec = {"cascade": workload}
        if model is not None:
            spec["model"] = model
        if seq is not None:  # --seq 0 must reach the check, not be dropped
            spec["seq_len"] = seq
        if sizes:
            spec["sizes"] = sizes
    return spec, resolve_arch(arch)
