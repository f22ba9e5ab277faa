"""Head-to-head: fusebound's vectorised mapper against ZigZag 3.9.1 (LOMA mapper).

Both tools search mappings of the same two layers on the same TPU-like architecture and this
script measures, in one process:

* mappings evaluated per second (ZigZag: cost-model evaluations of LOMA-generated temporal
  mappings over its generated spatial mappings; fusebound: candidates evaluated by the batched
  cost model of ``dse``),
* wall time from the start of the search to the moment the best mapping was evaluated,
* the best latency (cycles) and the energy of that mapping (each tool with its own energy tables).

Layers: ResNet18 ``conv2_x`` 3x3 convolution (B=1, K=C=64, OY=OX=56, FY=FX=3, stride 1, pad 1)
and a 128^3 GEMM. Architecture: ZigZag's shipped ``tpu_like`` (32 x 32 MAC array, 2 MiB global
SRAM, DRAM port 64 bit/cycle); fusebound describes the same array, buffer capacity and DRAM
bandwidth in its own ``Architecture`` spec (:func:`tpu_like_arch`). Every operand is 16 bit in
both tools (fusebound's word size).

Run: ``python benchmarks/mapper_vs_zigzag.py`` (needs the ``bench`` extra:
``pip install -e ".[bench]"``). The last line reads
``mappings_per_s_ratio=<ours/zigzag> best_latency_ratio=<ours/zigzag>`` (geometric means over
the layers; one line per layer precedes it).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any

#: Word size used by both tools (fusebound's cost model counts 16-bit words).
PRECISION_BITS = 16

#: The two layers, as loop-nest sizes.
LAYERS: dict[str, dict[str, Any]] = {
    "resnet18_conv3x3": {"kind": "conv2d", "B": 1, "K": 64, "C": 64, "OY": 56, "OX": 56,
                         "FY": 3, "FX": 3, "pad": 1},
    "gemm128": {"kind": "gemm", "M": 128, "N": 128, "K": 128},
}


@dataclass
class ToolResult:
    """One tool's search of one layer."""

    tool: str
    layer: str
    evaluated: int
    wall_s: float
    mappings_per_s: float
    time_to_best_s: float
    best_latency_cycles: float
    best_energy_pJ: float
    best_mapping: str


# ----------------------------------------------------------------------------------- ZigZag
def _zigzag_layer(name: str) -> list[dict[str, Any]]:
    """The layer in ZigZag 3.9.1's workload format (a list of layer dicts)."""
    spec = LAYERS[name]
    prec = {"I": PRECISION_BITS, "W": PRECISION_BITS, "O": PRECISION_BITS,
            "O_final": PRECISION_BITS}
    if spec["kind"] == "gemm":
        return [{"id": 0, "operator_type": "Gemm", "equation": "O[m][n]+=I[m][k]*W[k][n]",
                 "loop_dims": ["M", "N", "K"], "loop_sizes": [spec["M"], spec["N"], spec["K"]],
                 "operand_precision": prec, "operand_source": {"I": 0}}]
    pad = spec["pad"]
    return [{"id": 0, "operator_type": "Conv",
             "equation": "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]",
             "dimension_relations": ["ix=1*ox+1*fx", "iy=1*oy+1*fy"],
             "loop_dims": ["B", "K", "C", "OY", "OX", "FY", "FX"],
             "loop_sizes": [spec[d] for d in ("B", "K", "C", "OY", "OX", "FY", "FX")],
             "operand_precision": prec, "operand_source": {"I": 0},
             "pr_loop_dims": ["IX", "IY"],
             "pr_loop_sizes": [spec["OX"] + spec["FX"] - 1, spec["OY"] + spec["FY"] - 1],
             "padding": [[pad, pad], [pad, pad]]}]


def run_zigzag(layer: str, lpf_limit: int = 6, nb_spatial: int = 3) -> ToolResult:
    """Search ``layer`` with ZigZag's own pipeline (spatial-mapping generator + LOMA).

    The stage list is the one ``zigzag.api.get_hardware_performance_zigzag`` builds (minus its
    file-saving stages), with the cost-model stage wrapped to time-stamp every evaluation.
    """
    try:
        import zigzag
        from zigzag.mapping.temporal_mapping import TemporalMappingType
        from zigzag.stages.evaluation.cost_model_evaluation import CostModelStage
        from zigzag.stages.main import MainStage
        from zigzag.stages.mapping.spatial_mapping_generation import SpatialMappingGeneratorStage
        from zigzag.stages.mapping.temporal_mapping_generator_stage import (
            TemporalMappingGeneratorStage)
        from zigzag.stages.parser.accelerator_parser import AcceleratorParserStage
        from zigzag.stages.parser.workload_parser import WorkloadParserStage
        from zigzag.stages.results.reduce_stages import MinimalLatencyStage
        from zigzag.stages.workload_iterator import WorkloadStage
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise SystemExit("ZigZag is not installed: pip install -e '.[bench]' "
                         f"(zigzag-dse==3.9.1); {e}") from e

    log: list[tuple[float, float, float, str]] = []

    class _Recording(CostModelStage):
        def run(self):  # noqa: D102 - same as CostModelStage.run, plus a time stamp
            for cme, extra in super().run():
                log.append((time.perf_counter(), float(cme.latency_total2),
                            float(cme.energy_total), ""))
                yield cme, extra

    accelerator = os.path.join(os.path.dirname(zigzag.__file__), "inputs", "hardware",
                               "tpu_like.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        mapping = os.path.join(tmp, "mapping.yaml")
        with open(mapping, "w", encoding="utf-8") as f:  # no spatial mapping: ZigZag searches it
            f.write("- name: default\n  memory_operand_links: {O: O, W: I2, I: I1}\n")
        stages = [WorkloadParserStage, AcceleratorParserStage, WorkloadStage, MinimalLatencyStage,
                  SpatialMappingGeneratorStage, MinimalLatencyStage,
                  TemporalMappingGeneratorStage, _Recording]
        main = MainStage(list_of_callables=stages, accelerator=accelerator,
                         workload=_zigzag_layer(layer), mapping=mapping,
                         dump_folder=os.path.join(tmp, "out"), loma_lpf_limit=lpf_limit,
                         loma_show_progress_bar=False, nb_mappings_generated=nb_spatial,
                         enable_mix_spatial_mapping_generation=False,
                         access_same_data_considered_as_no_access=True,
                         temporal_mapping_type=TemporalMappingType.UNEVEN)
        previous = logging.root.manager.disable
        logging.disable(logging.CRITICAL)  # ZigZag logs every layer at INFO/WARNING
        try:
            start = time.perf_counter()
            answers = main.run()
            wall = time.perf_counter() - start
        finally:
            logging.disable(previous)
    best = answers[0][0]
    best_lat = float(best.latency_total2)
    t_best = min(t for t, lat, _, _ in log if lat == best_lat) - start
    return ToolResult("zigzag", layer, len(log), wall, len(log) / wall, t_best, best_lat,
                      float(best.energy_total),
                      f"{best.spatial_mapping} {best.temporal_mapping}".replace("\n", " "))


# --------------------------------------------------------------------------------- fusebound
def fusebound_spec(layer: str) -> dict[str, Any]:
    """The layer as a ``dse.search`` workload spec."""
    spec = dict(LAYERS[layer])
    kind = spec.pop("kind")
    return {"einsum": kind, **spec}


def run_fusebound(layer: str, budget: int = 200_000, seed: int = 0) -> ToolResult:
    """Search ``layer`` with :func:`dse.search` on the tpu-like architecture (latency
    objective; exhaustive when the space fits the budget, else local search)."""
    import dse
    from dse.mapper import tpu_like_architecture

    arch = tpu_like_architecture()
    res = dse.search(fusebound_spec(layer), arch, objective="latency", budget=budget,
                     seed=seed, progress=False)
    return ToolResult("fusebound", layer, res.evaluated, res.wall_s, res.mappings_per_s,
                      res.time_to_best_s, res.best.latency_s * arch.clock_hz,
                      res.best.energy_pJ, res.best.describe())


# ------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", nargs="*", default=list(LAYERS), choices=list(LAYERS))
    parser.add_argument("--lpf-limit", type=int, default=6, help="ZigZag LOMA lpf_limit")
    parser.add_argument("--budget", type=int, default=200_000,
                        help="fusebound candidate budget per layer")
    parser.add_argument("--json", action="store_true", help="print every result as JSON too")
    args = parser.parse_args(argv)

    speed, lat = [], []
    for layer in args.layers:
        ours = run_fusebound(layer, budget=args.budget)
        theirs = run_zigzag(layer, lpf_limit=args.lpf_limit)
        for r in (theirs, ours):
            print(f"{r.tool:9s} {r.layer:17s} evaluated={r.evaluated:>9d} wall_s={r.wall_s:8.3f} "
                  f"mappings_per_s={r.mappings_per_s:12.1f} time_to_best_s={r.time_to_best_s:8.3f} "
                  f"best_latency_cycles={r.best_latency_cycles:12.1f} "
                  f"best_energy_pJ={r.best_energy_pJ:14.1f}")
            print(f"          best mapping: {r.best_mapping[:300]}")
            if args.json:
                print(json.dumps(asdict(r)))
        s = ours.mappings_per_s / theirs.mappings_per_s
        q = ours.best_latency_cycles / theirs.best_latency_cycles
        speed.append(s)
        lat.append(q)
        print(f"{layer}: mappings_per_s_ratio={s:.1f} best_latency_ratio={q:.3f}")
    gs = math.exp(sum(map(math.log, speed)) / len(speed))
    gl = math.exp(sum(map(math.log, lat)) / len(lat))
    print(f"mappings_per_s_ratio={gs:.1f} best_latency_ratio={gl:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
