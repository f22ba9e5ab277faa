"""The query API (`dse.query`): cost of one workload under one mapping on one architecture, and why.

>>> r = query("attention-1pass", arch="fusemax", mapping="fusemax", model="bert", seq_len=65536)
>>> r.latency_s, r.energy_pJ, r.traffic_bytes, r.utilization      # doctest: +SKIP
>>> r.einsums            # per-Einsum pandas DataFrame                # doctest: +SKIP
>>> r.explain()          # bottleneck and gap to the io_bounds lower bound  # doctest: +SKIP

``workload`` is an ``einsum_cascade`` library name (``attention-1pass``, ``gemm``, ...), a
Cascade, or ``"encoder-layer"`` (attention plus the six GEMMs of a ``model``'s layer; the
``mapping`` then maps its attention). ``arch`` and ``mapping`` are preset names, spec objects,
or paths of YAML files.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from dse import arch as arch_mod
from dse import mapping as mapping_mod
from dse import workload as workload_mod
from dse._spec import unknown_name
from dse.errors import DSEError, MappingError
from dse.model import CostResult, evaluate

LAYER = "encoder-layer"


def _is_yaml_path(x: Any) -> bool:
    return isinstance(x, Path) or (isinstance(x, str) and x.endswith((".yaml", ".yml")))


def load_arch(x: Any) -> arch_mod.Architecture:
    """An Architecture from a preset name, an Architecture, or a YAML file path."""
    return arch_mod.Architecture.from_yaml(x) if _is_yaml_path(x) else arch_mod.get(x)


def load_mapping(x: Any) -> mapping_mod.Mapping:
    """A Mapping from a preset name, a Mapping, or a YAML file path."""
    return mapping_mod.Mapping.from_yaml(x) if _is_yaml_path(x) else mapping_mod.get(x)


def _sizes(sizes: dict[str, Any]) -> dict[str, int]:
    out = {}
    for k, v in sizes.items():
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise DSEError(f"size of rank {k} must be a positive integer; got {v!r}")
        out[k] = int(v)
    return out


def query(workload: Any = "attention-1pass", arch: Any = "fusemax", mapping: Any = "fusemax",
          *, model: str | None = None, seq_len: int | None = None, **sizes: int) -> CostResult:
    """Evaluate ``workload`` under ``mapping`` on ``arch`` (see the module docstring).

    Sizes: ``model`` (bert, trxl, t5, xlm) gives B, H, P, M, E, F of its attention;
    ``seq_len`` sets P = M; explicit rank sizes (``P=4096``, ``M0=128``) override both.
    The result has ``latency_s``, ``energy_pJ``, ``traffic_bytes``, ``utilization``,
    ``einsums`` (DataFrame) and ``explain()``.
    """
    from dse.fusemax import attention_sizes, cascade_for, layer_cost

    a = load_arch(arch)
    m = load_mapping(mapping)
    sizes = _sizes(sizes)
    if workload == LAYER:
        if model is None:
            raise DSEError(f"workload '{LAYER}' needs a model ({', '.join(workload_mod.names())})")
        w = workload_mod.get(model, seq_len)
        if m.cascade not in ("attention-1pass", "attention-2pass", "attention-3pass"):
            raise MappingError(f"mapping '{m.name}' maps cascade '{m.cascade}'; an encoder layer "
                               f"needs a mapping of an attention cascade")
        from dse.fusemax import attention_cost

        if sizes:
            raise DSEError(f"workload '{LAYER}' takes its sizes from the model; got extra sizes "
                           f"{sorted(sizes)}")
        return layer_cost(w, m, a, attention_cost(w, m, a))
    if isinstance(workload, str):
        from einsum_cascade import library

        valid = library.names() if hasattr(library, "names") else None
        if valid is not None and workload not in valid:
            raise DSEError(unknown_name("workload", workload, list(valid) + [LAYER]))
        name = workload
    else:
        name = getattr(workload, "name", "")
    if m.cascade != name:
        others = [n for n in mapping_mod.names() if mapping_mod.get(n).cascade == name]
        raise MappingError(f"mapping '{m.name}' is written for cascade '{m.cascade}', not "
                           f"'{name}'; mappings for '{name}': {', '.join(others) or 'none'}")
    full: dict[str, int] = {}
    if model is not None:
        w = workload_mod.get(model, seq_len)
        full.update(attention_sizes(w, m, a) if name.startswith("attention") else {})
    elif seq_len is not None:
        full.update({"P": int(seq_len), "M": int(seq_len)})
    full.update(sizes)
    if isinstance(workload, str):
        try:
            cascade = cascade_for(name, full)
        except (TypeError, ValueError) as e:
            raise DSEError(f"cannot build cascade '{name}' with sizes {full}: {e}") from e
    else:
        cascade = workload.with_sizes(full) if full else workload
    return evaluate(cascade, a, m)


def _hbl_can_bound(cascade: Any) -> bool:
    """Whether some Einsum of ``cascade`` reads and writes only cascade inputs and outputs:
    ``io_bounds``' HBL method bounds the cascade only through such an Einsum (an intermediate
    may live on chip), so without one its candidates cannot be the headline and need not be
    computed (they take seconds on long sequences)."""
    ext = set(cascade.inputs) | set(cascade.outputs)
    return any(not e.is_initializer and e.inputs and {e.output, *e.inputs} <= ext
               for e in cascade.einsums)


@functools.lru_cache(maxsize=128)
def _bound(cascade: Any, fast_memory_words: int) -> tuple[float, float, str]:
    """``io_bounds.lower_bound`` headline (words, compulsory words, method), cached per
    (cascade with its sizes, buffer words); HBL only where it can bound the cascade."""
    import io_bounds

    methods = [m for m in io_bounds.BOUND_METHODS if m != "hbl" or _hbl_can_bound(cascade)]
    b = io_bounds.lower_bound(cascade, None, fast_memory_words, methods=methods, detail=False)
    return float(b.words), float(getattr(b, "compulsory_words", 0.0) or 0.0), str(b.method)


def _lower_bound_words(result: CostResult) -> tuple[float | None, float | None, str]:
    """(lower bound words, compulsory words, note) from ``io_bounds`` for the result's cascade
    (summed over the parts of a combined result) at its buffer capacity."""
    parts = result.parts or [result]
    words = comp = 0.0
    methods = []
    for p in parts:
        if p.cascade is None:
            return None, None, "no cascade recorded for this result"
        try:
            w, c, method = _bound(p.cascade, int(p.buffer_words))
        except ImportError as e:  # pragma: no cover - io_bounds is part of the project
            return None, None, f"io_bounds unavailable: {e}"
        except ValueError as e:
            return None, None, f"io_bounds.lower_bound failed on '{p.name}': {e}"
        words += w
        comp += c
        methods.append(method)
    return words, comp, ", ".join(dict.fromkeys(methods))


def explain(result: CostResult) -> dict[str, Any]:
    """The bottleneck of ``result`` and its traffic's gap to the I/O lower bound.

    Bottleneck: when memory-bound kernels take more of the latency than compute-bound ones, it
    is ``"buffer capacity"`` if one of them spilled intermediates or had an auto tile cut below
    its full rank by the buffer, else ``"memory bandwidth"``; otherwise the array with the most
    busy cycles over the compute-bound kernels (``"array 2d"``). ``kernel`` names the kernel
    with the largest latency. Gap = off-chip traffic / ``io_bounds.lower_bound`` for the
    same cascade and a fast memory of the global buffer's capacity (>= 1 for a valid bound).
    """
    krows = result.kernel_rows
    k = max(krows, key=lambda r: r["latency_s"])
    kname = k["kernel"]
    mem_rows = [r for r in krows if r["bound"] == "memory"]
    comp_rows = [r for r in krows if r["bound"] != "memory"]
    if sum(r["latency_s"] for r in mem_rows) > sum(r["latency_s"] for r in comp_rows):
        parts = {p.name: p for p in result.parts} or {None: result}
        limited = any(parts.get(r.get("part"), result).capacity_limited for r in mem_rows)
        bottleneck = "buffer capacity" if limited else "memory bandwidth"
    else:
        keys = {(r["kernel"], r.get("part")) for r in comp_rows}
        busy: dict[str, float] = {}
        for e in result.einsum_rows:
            if (e["kernel"], e.get("part")) in keys:
                busy[e["array"]] = busy.get(e["array"], 0.0) + e["cycles"]
        bottleneck = f"array {max(busy, key=busy.get)}" if busy else "compute"
    lb, comp, note = _lower_bound_words(result)
    wb = result.traffic_bytes / result.traffic_words if result.traffic_words else 2.0
    gap = result.traffic_words / lb if lb else None
    lines = [f"{result.name} on {result.arch} with mapping {result.mapping}: "
             f"latency {result.latency_s:.4g} s ({result.bound}-bound; compute {result.compute_s:.4g} s, "
             f"memory {result.memory_s:.4g} s), energy {result.energy_pJ:.4g} pJ",
             f"bottleneck: {bottleneck} (longest kernel: '{kname}'"
             + (f" of part '{k['part']}'" if "part" in k else "") + ")",
             "utilization: " + ", ".join(f"{a} {u:.1%}" for a, u in result.utilization.items())]
    if lb is not None:
        lines.append(f"off-chip traffic {result.traffic_words:.4g} words vs io_bounds lower bound "
                     f"{lb:.4g} words at {result.buffer_words:,} buffer words ({note}): gap {gap:.3g}x")
    else:
        lines.append(f"lower bound unavailable: {note}")
    if result.spilled:
        lines.append("spilled to DRAM: " + ", ".join(result.spilled))
    return {"bottleneck": bottleneck, "kernel": kname, "bound": result.bound,
            "traffic_words": result.traffic_words, "lower_bound_words": lb,
            "compulsory_words": comp, "gap": gap, "lower_bound_method": note,
            "traffic_bytes_per_word": wb, "text": "\n".join(lines)}
