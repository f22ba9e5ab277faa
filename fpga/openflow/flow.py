"""One design through the whole open flow: trace -> bit-exactness -> Verilog -> Yosys -> record.

:func:`synthesize_design` never raises for a design that fails in the flow: it returns a record
with ``status="failed"``, the ``stage`` that failed and the ``reason``, so a dataset keeps every
attempt. Bad arguments (not a NetworkSpec, unknown family) still raise :class:`OpenFlowError`.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fpga.openflow.errors import OpenFlowError
from fpga.openflow.network import NetworkSpec

PROVENANCE = "open_synthesis"
STRATEGY = "distributed_arithmetic"

#: Label columns (from Yosys ``stat`` and the RTL structure) - everything else is input,
#: estimate or provenance.
LABELS = ("lut", "ff", "carry", "dsp", "bram", "latency_cycles", "ii_cycles")
#: da4ml's own estimates: a baseline and a feature, never a label.
ESTIMATES = ("da4ml_cost", "da4ml_latency", "da4ml_reg_bits")


def spec_columns(spec: NetworkSpec) -> dict[str, Any]:
    """Flat input columns of a record (architecture, formats, sparsity, mode)."""
    d = spec.to_dict()
    d.pop("weights", None)
    d.pop("biases", None)
    d["widths"] = list(spec.widths)
    d.update(architecture=spec.architecture, n_layers=spec.n_layers, n_weights=spec.n_weights,
             user_weights=spec.weights is not None)
    return d


def _versions() -> dict[str, str]:
    from fpga.openflow.codegen import da4ml_version
    from fpga.openflow.yosys import yosys_binary, yosys_version

    try:
        import fusebound

        fb = getattr(fusebound, "__version__", "unknown")
    except ImportError:  # pragma: no cover
        fb = "unknown"
    return {"da4ml_version": da4ml_version(),
            "yosys_version": yosys_version() if yosys_binary() else "absent",
            "fusebound_version": fb, "python_version": platform.python_version()}


def synthesize_design(spec: NetworkSpec, *, family: str = "xc7", timeout_s: float = 600.0,
                      workdir: str | Path | None = None, keep_work: bool = False,
                      bitexact_samples: int = 2048, extra: dict[str, Any] | None = None,
                      versions: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``spec`` through da4ml and Yosys; return one flat record (a JSON-able dict).

    Labels ``lut, ff, carry, dsp, bram`` come from Yosys ``stat``; ``latency_cycles`` is the
    number of pipeline stages (0 when combinational) and ``ii_cycles`` is 1 (fully unrolled).
    Wall times are in seconds (``trace_s``, ``codegen_s``, ``synth_s``, ``wall_s``).
    ``timeout_s`` bounds the Yosys run by what is left of it after tracing.
    """
    if not isinstance(spec, NetworkSpec):
        raise OpenFlowError(f"spec must be a NetworkSpec; got {type(spec).__name__}")
    from fpga.openflow import codegen, yosys

    if family not in yosys.FAMILIES:
        raise OpenFlowError(f"family must be one of {', '.join(yosys.FAMILIES)}; got {family!r}")
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"design_id": spec.design_id(), **spec_columns(spec)}
    rec.update(extra or {})
    rec.update({"provenance": PROVENANCE, "strategy": STRATEGY, "family": family,
                "flow": yosys.FLOW.format(top="model", family=family),
                "hwconf": list(codegen.HWCONF),
                "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    rec.update(versions or _versions())
    own_tmp = workdir is None
    work = Path(tempfile.mkdtemp(prefix="openflow-")) if own_tmp else Path(workdir) / spec.design_id()
    stage = "weights"
    try:
        rec["weight_digest"] = spec.weight_digest()
        rec["nonzero_weight_bits"] = spec.nonzero_weight_bits()
        stage = "trace"
        traced = codegen.trace(spec)
        rec.update(da4ml_cost=traced.cost, da4ml_latency=traced.latency, trace_s=round(traced.trace_s, 3))
        stage = "bitexact"
        be = codegen.check_bit_exact(spec, traced, n_samples=bitexact_samples)
        rec.update(bitexact_samples=be.n_samples, bitexact_mismatch=be.n_mismatch)
        if not be.ok:
            raise OpenFlowError(f"traced design is not bit-exact: {be.n_mismatch} of "
                                f"{be.n_samples * spec.widths[-1]} outputs differ (max |diff| {be.max_abs_diff:g})")
        stage = "codegen"
        work.mkdir(parents=True, exist_ok=True)
        rtl = codegen.write_verilog(spec, traced, work / "rtl")
        rec.update(n_stages=rtl.n_stages, da4ml_reg_bits=rtl.reg_bits, codegen_s=round(rtl.codegen_s, 3))
        stage = "synth"
        left = timeout_s - (time.perf_counter() - t0)
        if left <= 1:
            raise yosys.YosysError(f"no time left for yosys within timeout_s={timeout_s:g}")
        res = yosys.synthesize(rtl.files, rtl.top, family=family, timeout_s=left, workdir=work)
        labels = yosys.labels_from_cells(res.cells)
        rec.update(yosys_warnings=len(res.warnings),
                   yosys_warning_first=res.warnings[0][:300] if res.warnings else "")
        if labels["lut"] == 0 and traced.cost > 0:
            raise yosys.YosysError(f"Yosys reduced the design to constants (0 LUT, da4ml cost "
                                   f"{traced.cost:g}); warnings: {'; '.join(res.warnings)[:300]}")
        rec.update(labels)
        rec.update(latency_cycles=rtl.latency_cycles, ii_cycles=1, synth_s=round(res.synth_s, 3),
                   cells=json.dumps(res.cells, sort_keys=True), n_cells=int(sum(res.cells.values())))
        rec.update(status="ok", stage="done", reason="")
    except Exception as e:  # noqa: BLE001 - every failure becomes a record, never lost
        rec.update(status="failed", stage=stage, reason=f"{type(e).__name__}: {e}"[:2000])
    finally:
        rec["wall_s"] = round(time.perf_counter() - t0, 3)
        if not keep_work:
            shutil.rmtree(work, ignore_errors=True)
    return rec
