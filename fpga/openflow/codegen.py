"""da4ml code generation: trace a :class:`NetworkSpec`, check it bit for bit, write Verilog.

da4ml (``pip install 'fusebound[openflow]'``) turns each constant matrix-vector product into a
shift-add network (distributed arithmetic, the code generator behind hls4ml's
``distributed_arithmetic`` strategy). We trace the network symbolically with
``FixedVariableArray`` (input ``(k, i, f)`` formats, ``x @ W``, ``relu(i, f)``) into a
``CombLogic`` program, evaluate that program on random and corner inputs with da4ml's own
interpreter, compare against :func:`fpga.openflow.network.reference_forward`, and only then
write RTL (combinational, or split into pipeline stages at ``latency_cutoff``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fpga.openflow.errors import OpenFlowError
from fpga.openflow.network import NetworkSpec, reference_forward

#: da4ml hardware config used for every traced design: (adder_size, carry_size, latency_cutoff)
#: = (1, -1, -1), da4ml's default (unit adder cost, no carry cut, no tracing cutoff).
HWCONF = (1, -1, -1)


def _da4ml():
    try:
        import da4ml  # noqa: F401
        from da4ml.codegen import RTLModel
        from da4ml.trace import FixedVariableArray, HWConfig, comb_trace
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise OpenFlowError("the open flow needs da4ml: pip install 'fusebound[openflow]' "
                            "(da4ml>=0.5.2,<0.6)") from e
    return FixedVariableArray, HWConfig, comb_trace, RTLModel


def da4ml_version() -> str:
    try:
        from importlib.metadata import version

        return version("da4ml")
    except Exception:  # noqa: BLE001 - not installed
        return "absent"


@dataclass(frozen=True)
class Traced:
    """A traced design: da4ml's ``CombLogic`` program and its own cost estimate.

    ``cost`` is da4ml's LUT-like adder cost; ``latency`` its critical path in adder-delay
    units; both are estimates (features and a baseline), never labels.
    """

    comb: Any
    cost: float
    latency: float
    trace_s: float


def trace(spec: NetworkSpec) -> Traced:
    """Trace ``spec`` with da4ml into a combinational ``CombLogic`` program."""
    FixedVariableArray, HWConfig, comb_trace, _ = _da4ml()
    t0 = time.perf_counter()
    n_in = spec.widths[0]
    x = FixedVariableArray.from_kif(np.ones(n_in, dtype=np.int64),
                                    np.full(n_in, spec.input_int_bits, dtype=np.int64),
                                    np.full(n_in, spec.input_frac_bits, dtype=np.int64),
                                    HWConfig(*HWCONF))
    inp = x
    ws, bs = spec.float_weights()
    for li, (w, b) in enumerate(zip(ws, bs)):
        x = x @ w
        if b is not None:
            x = x + b
        if li < len(ws) - 1:
            n = w.shape[1]
            x = x.relu(i=np.full(n, spec.act_int_bits), f=np.full(n, spec.act_frac_bits))
    comb = comb_trace(inp, x)
    return Traced(comb=comb, cost=float(comb.cost), latency=float(comb.latency[1]),
                  trace_s=time.perf_counter() - t0)


@dataclass(frozen=True)
class BitExactReport:
    n_samples: int
    n_mismatch: int
    max_abs_diff: float

    @property
    def ok(self) -> bool:
        return self.n_mismatch == 0


def check_bit_exact(spec: NetworkSpec, traced: Traced, n_samples: int = 2048, seed: int = 0) -> BitExactReport:
    """Evaluate the traced program on ``n_samples`` inputs (two corners included) and compare
    every output with :func:`reference_forward`; exact equality, no tolerance."""
    x = spec.random_inputs(n_samples, seed=seed)
    y_ref = reference_forward(spec, x)
    y_hw = np.asarray(traced.comb.predict(x, n_threads=1), dtype=np.float64).reshape(y_ref.shape)
    diff = np.abs(y_hw - y_ref)
    return BitExactReport(n_samples=int(x.shape[0]), n_mismatch=int(np.count_nonzero(diff)),
                          max_abs_diff=float(diff.max()) if diff.size else 0.0)


def register_layers(top_file: str | Path) -> int:
    """Register layers between input and output of da4ml's pipelined top module: the number
    of non-blocking assignments (``stageK_inp <= ...``, ``model_out <= ...``), one per layer."""
    import re

    text = Path(top_file).read_text()
    return len(re.findall(r"^\s*\w+\s*<=", text, flags=re.M))


@dataclass(frozen=True)
class Rtl:
    """Verilog written for one design: the files Yosys reads, the top module, stage count."""

    files: tuple[Path, ...]
    top: str
    n_stages: int
    latency_cycles: int
    reg_bits: int | None
    codegen_s: float


def write_verilog(spec: NetworkSpec, traced: Traced, folder: str | Path, top: str = "model") -> Rtl:
    """Write the design's Verilog under ``folder`` (combinational or pipelined per ``spec.mode``).

    Pipelined designs register each stage's input and the output (da4ml 0.5.2); the latency in
    clock cycles is the number of register layers of the top module (:func:`register_layers`,
    ``n_stages + 1``) and a new input is accepted every cycle (II = 1). Combinational designs
    have latency 0 and II 1.
    """
    _, _, _, RTLModel = _da4ml()
    t0 = time.perf_counter()
    folder = Path(folder)
    cutoff = spec.latency_cutoff if spec.mode == "pipelined" else -1
    model = RTLModel(traced.comb, top, folder, flavor="verilog", latency_cutoff=cutoff, print_latency=False)
    model.write()
    src = folder / "src"
    own = sorted(p for p in src.glob("*.v") if not p.name.endswith("_wrapper.v"))
    text = "\n".join(p.read_text() for p in own)
    static = sorted(p for p in (src / "static").glob("*.v")
                    if p.stem in text)  # only primitives the design instantiates
    pipe = getattr(model, "_pipe", None)
    if spec.mode == "pipelined":
        if pipe is None:  # pragma: no cover - da4ml API drift
            raise OpenFlowError("da4ml did not build a pipeline for a pipelined design")
        n_stages = len(pipe.solutions)
        latency, reg_bits = register_layers(src / f"{top}.v"), int(pipe.reg_bits)
    else:
        n_stages, latency, reg_bits = 1, 0, None
    if not own:  # pragma: no cover - da4ml API drift
        raise OpenFlowError(f"da4ml wrote no Verilog under {src}")
    return Rtl(files=tuple(own + static), top=top, n_stages=n_stages, latency_cycles=latency,
               reg_bits=reg_bits, codegen_s=time.perf_counter() - t0)
