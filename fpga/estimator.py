"""Analytic estimator of hls4ml designs: resources, latency and II from first principles.

For each layer with weights (Dense, Conv1D/2D, LSTM, ...) and each of its ``n_in x n_out``
multiplications (:func:`fpga.reuse.mult_size`), with reuse factor ``R`` (hls4ml's valid value
nearest the layer's), weight width ``w``, input width ``d`` and accumulator width ``a``:

* multipliers ``M = ceil(n_in*n_out / R)`` (hls4ml's ``block_factor`` / ``multiplier_limit``);
* DSP or LUT multipliers: a product uses DSP slices when both operands are at least
  :data:`DSP_MIN_BITS` wide, ``ceil(max(w,d)/27) * ceil(min(w,d)/18)`` slices each on
  UltraScale DSP48E2 (25x18 on 7-series DSP48E1); otherwise it is built from LUTs, about
  ``w*d`` bit-products each;
* weight storage: Resource strategy with ``R > 1`` keeps weights in block ROM reshaped to
  width ``M*w`` and depth ``R`` (``ARRAY_RESHAPE block factor`` + ``ROM_nP_BRAM`` in
  ``nnet_dense_resource.h``), i.e. ``ceil(M*w / width(R))`` BRAM18 where ``width(R)`` is the
  widest BRAM18 aspect ratio of depth ``>= R`` (36 x 512 ... 1 x 16K); Latency strategy keeps
  weights as constants in logic (no BRAM);
* per-output repetitions ``P``: output positions of a conv layer (``io_stream`` computes
  them one after another), sequence length of a recurrent layer, else 1;
* latency: each layer takes ``P*R`` cycles plus an adder-tree depth ``ceil(log2 n_in) + 1``
  (paid per output position in ``io_stream`` when ``R > 1``); the design's latency is the sum
  along the layers; II is the slowest layer's ``P*R``.

These physical quantities become a few features per target (:data:`FEATURES`); each target is a
non-negative combination of its features whose coefficients are fitted by least squares on
relative error (:func:`fit_coefficients`, training records only). Without fitted coefficients
the estimator uses :data:`ANALYTIC_COEFFICIENTS`, set by hand from the same reasoning.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from fpga import parts as _parts
from fpga.design import Design, Layer
from fpga.errors import DesignError
from fpga.precision import Precision
from fpga.reuse import check_reuse_factor, mult_size

#: Operand width from which a multiplication maps to DSP slices instead of LUTs.
DSP_MIN_BITS = 6
#: Data width assumed when a design gives no precision at all (hls4ml's default
#: ``ap_fixed<16,6>``).
DEFAULT_PRECISION = Precision(16, 6)
#: Features of each target before the regime split (see :data:`FEATURES`).
BASE_FEATURES: dict[str, tuple[str, ...]] = {
    "lut": ("lut_mult_bits", "adder_bits", "io_bits", "act_bits", "weight_logic_bits", "const"),
    "ff": ("adder_bits", "io_bits", "act_bits", "pipeline_bits", "const"),
    "dsp": ("dsp_mults", "lstm_dsp"),
    "bram": ("weight_bram36", "fifo_bram36", "const"),
    "uram": ("uram_blocks",),
    "latency_cycles": ("serial_cycles", "stream_cycles", "stream_overhead", "tree_depth",
                       "n_layers", "const"),
    "ii_cycles": ("max_stage_cycles", "serial_cycles", "const"),
}
#: Hand-set coefficients (before any fit): a w x d LUT multiplier ~ w*d/2 LUT6; one LUT and
#: one FF per accumulator / I/O bit; DSP count as derived; latency = serial cycles + depth;
#: II = the slowest layer.
BASE_ANALYTIC: dict[str, dict[str, float]] = {
    "lut": {"lut_mult_bits": 0.5, "adder_bits": 1.0, "io_bits": 1.0, "act_bits": 1.0,
            "weight_logic_bits": 0.5, "const": 500.0},
    "ff": {"adder_bits": 1.0, "io_bits": 1.0, "act_bits": 1.0, "pipeline_bits": 1.0,
           "const": 500.0},
    "dsp": {"dsp_mults": 1.0, "lstm_dsp": 1.0},
    "bram": {"weight_bram36": 1.0, "fifo_bram36": 1.0, "const": 0.0},
    "uram": {"uram_blocks": 0.0},
    "latency_cycles": {"serial_cycles": 1.0, "stream_cycles": 1.0, "stream_overhead": 0.0,
                       "tree_depth": 1.0, "n_layers": 1.0, "const": 2.0},
    "ii_cycles": {"max_stage_cycles": 1.0, "serial_cycles": 0.0, "const": 0.0},
}
#: Regimes with their own coefficients: time-multiplexed multipliers (Resource strategies,
#: feature names as in BASE_FEATURES) and fully parallel ones (Latency, distributed
#: arithmetic; names suffixed ``@latency``). A regime absent from the training data keeps the
#: analytic coefficients instead of borrowing another regime's fit.
LATENCY_REGIME = "@latency"
#: Features of each target; the model of target ``t`` is ``sum_k c[t][k] * feature[k]``.
FEATURES: dict[str, tuple[str, ...]] = {
    t: ks + tuple(k + LATENCY_REGIME for k in ks) for t, ks in BASE_FEATURES.items()}
ANALYTIC_COEFFICIENTS: dict[str, dict[str, float]] = {
    t: {**c, **{k + LATENCY_REGIME: v for k, v in c.items()}} for t, c in BASE_ANALYTIC.items()}


def regime_suffix(design: Design) -> str:
    """``""`` for Resource-strategy designs, ``"@latency"`` for fully parallel ones."""
    return "" if design.strategy in ("resource", "resource_unrolled") else LATENCY_REGIME


COEFFICIENTS_FILE = Path(__file__).with_name("estimator_coefficients.json")


def _bram18_width(depth: int) -> int:
    """Widest BRAM18 aspect ratio holding ``depth`` words (Xilinx 7-series/UltraScale)."""
    for width, max_depth in ((36, 512), (18, 1024), (9, 2048), (4, 4096), (2, 8192)):
        if depth <= max_depth:
            return width
    return 1


def bram18_for(width_bits: int, depth: int) -> int:
    """BRAM18 blocks for a ROM of ``depth`` words of ``width_bits`` bits."""
    if width_bits <= 0 or depth <= 0:
        return 0
    per = _bram18_width(depth)
    return math.ceil(width_bits / per) * max(1, math.ceil(depth / 16384))


def _width(p: Precision | None, fallback: Precision) -> int:
    return (p or fallback).width


def _positions(layer: Layer) -> int:
    """Output positions computed one after another (conv: spatial outputs; RNN: time steps)."""
    if layer.type in ("Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D",
                      "SeparableConv1D", "SeparableConv2D"):
        return max(1, math.prod(layer.output_shape[:-1])) if len(layer.output_shape) > 1 else 1
    if layer.type in ("LSTM", "GRU", "SimpleRNN"):
        seq = layer.attrs.get("sequence_length")
        if seq is None and len(layer.input_shape) > 1:
            seq = layer.input_shape[0]
        return int(seq or 1)
    if layer.type == "Dense" and len(layer.input_shape) > 1:
        return math.prod(layer.input_shape[:-1])
    return 1


def layer_features(design: Design, dsp_type: str = "DSP48E2") -> tuple[list[dict], list[str]]:
    """Per-layer feature dicts (see :data:`FEATURES`) and notes (e.g. replaced reuse factors)."""
    default = design.default_precision or DEFAULT_PRECISION
    a_port, b_port = (27, 18) if dsp_type == "DSP48E2" else (25, 18)
    rows: list[dict] = []
    notes: list[str] = []
    resource = design.strategy in ("resource", "resource_unrolled")
    stream = design.io_type == "io_stream"
    for i, layer in enumerate(design.layers):
        preds = design.predecessors(i)
        in_prec = design.layers[preds[0]].precision.result if preds else None
        d_bits = _width(in_prec, default)
        lp = layer.precision
        w_bits = _width(lp.weight, default)
        a_bits = _width(lp.accum, default)
        r_bits = _width(lp.result, default)
        f = {k: 0.0 for ks in BASE_FEATURES.values() for k in ks}
        f["const"] = 0.0
        pos = _positions(layer)
        n_out_total = math.prod(layer.output_shape) if layer.output_shape else 0
        n_in_total = math.prod(layer.input_shape) if layer.input_shape else 0
        pairs = mult_size(layer)
        stage = 1.0
        if pairs:
            f["n_layers"] = 1.0
            for k, (n_in, n_out) in enumerate(pairs):
                rf = layer.reuse_factor
                if layer.type in ("LSTM", "GRU", "SimpleRNN") and k == 1:
                    rf = int(layer.attrs.get("recurrent_reuse_factor", rf))
                chk = check_reuse_factor(n_in, n_out, rf)
                if not chk.is_valid and k == 0 and design.strategy != "latency":
                    notes.append(chk.message(f"layer {layer.name!r}"))
                    rf = chk.used
                rf = max(1, min(rf, n_in * n_out))
                mults = math.ceil(n_in * n_out / rf)
                uses_dsp = min(w_bits, d_bits) >= DSP_MIN_BITS
                if uses_dsp:
                    hi, lo = max(w_bits, d_bits), min(w_bits, d_bits)
                    dsp = mults * math.ceil(hi / a_port) * math.ceil(lo / b_port)
                    f["lstm_dsp" if layer.type in ("LSTM", "GRU", "SimpleRNN") else
                      "dsp_mults"] += dsp
                else:
                    f["lut_mult_bits"] += mults * w_bits * d_bits
                f["adder_bits"] += mults * a_bits
                f["pipeline_bits"] += n_out * a_bits
                if resource and rf > 1:
                    f["weight_bram36"] += bram18_for(mults * w_bits, rf) / 2.0
                else:
                    f["weight_logic_bits"] += n_in * n_out * w_bits / max(1, rf)
                # io_parallel and io_stream schedule differently: separate coefficients
                f["stream_cycles" if stream else "serial_cycles"] += pos * rf
                if stream and rf > 1:
                    # a non-pipelined position re-enters the multiply-accumulate pipeline:
                    # its depth is paid once per output position
                    f["stream_overhead"] += pos * (math.ceil(math.log2(max(2, n_in))) + 1)
                f["tree_depth"] += math.ceil(math.log2(max(2, n_in))) + 1
                stage = max(stage, pos * rf)
            f["io_bits"] += (0 if stream else n_in_total * d_bits) + n_out_total * r_bits \
                / max(1, pos)
        elif layer.type == "Activation" or layer.activation not in (None, "linear"):
            f["act_bits"] += (n_out_total / (pos if stream else 1)) * r_bits
            f["n_layers"] += 1.0
        elif layer.type not in ("Input", "Dropout", "Flatten", "Reshape"):
            f["act_bits"] += n_out_total * r_bits / 4.0
            f["n_layers"] += 1.0
        if stream and layer.type != "Input" and i > 0 and layer.output_shape:
            # inter-layer FIFOs (hls::stream) of depth = positions, width = channels * bits
            depth = max(1, math.prod(layer.output_shape[:-1]))
            if depth > 64:
                f["fifo_bram36"] += bram18_for(layer.output_shape[-1] * r_bits, depth) / 2.0
        f["max_stage_cycles"] = stage
        rows.append(f)
    return rows, notes


def _totals(rows: list[dict]) -> dict[str, float]:
    out = {k: float(sum(r[k] for r in rows)) for k in rows[0]}
    out["max_stage_cycles"] = float(max(r["max_stage_cycles"] for r in rows))
    out["const"] = 1.0
    return out


def _regime(base: Mapping[str, float], suffix: str) -> dict[str, float]:
    """Base-named features -> every name of :data:`FEATURES`, zero outside ``suffix``'s
    regime."""
    out = {k: 0.0 for ks in FEATURES.values() for k in ks}
    out.update({k + suffix: v for k, v in base.items()})
    return out


def design_features(design: Design, dsp_type: str = "DSP48E2") -> dict[str, float]:
    """Design-level features (names of :data:`FEATURES`): sums over layers, except
    ``max_stage_cycles`` (a max), in the design's regime."""
    rows, _ = layer_features(design, dsp_type)
    return _regime(_totals(rows), regime_suffix(design))


@dataclass(frozen=True)
class Estimate:
    """Estimated resources (``lut``, ``ff``, ``dsp``, ``bram`` in BRAM36, ``uram``), latency
    and II in cycles and ns, utilization of ``part`` in percent and the fits verdict."""

    design_name: str
    lut: float
    ff: float
    dsp: float
    bram: float
    uram: float
    latency_cycles: float
    ii_cycles: float
    clock_period_ns: float
    part: str | None = None
    utilization_pct: Mapping[str, float] = field(default_factory=dict)
    fits: bool | None = None
    notes: tuple[str, ...] = ()
    coefficients: str = "analytic"
    layers: tuple[Mapping[str, Any], ...] = ()

    @property
    def latency_ns(self) -> float:
        return self.latency_cycles * self.clock_period_ns

    @property
    def ii_ns(self) -> float:
        return self.ii_cycles * self.clock_period_ns

    @property
    def resources(self) -> dict[str, float]:
        return {"lut": self.lut, "ff": self.ff, "dsp": self.dsp, "bram": self.bram,
                "uram": self.uram}

    @property
    def labels(self) -> dict[str, float]:
        """Predictions keyed like :class:`fpga.Record` labels."""
        return {**self.resources, "latency_cycles": self.latency_cycles,
                "ii_cycles": self.ii_cycles}

    def breakdown(self):
        """Per-layer contributions as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.layers))

    def to_dict(self) -> dict[str, Any]:
        return {"design": self.design_name, **self.labels, "latency_ns": self.latency_ns,
                "ii_ns": self.ii_ns, "clock_period_ns": self.clock_period_ns,
                "part": self.part, "utilization_pct": dict(self.utilization_pct),
                "fits": self.fits, "notes": list(self.notes), "coefficients": self.coefficients}


def load_coefficients(path: str | Path | None = None) -> tuple[dict[str, dict[str, float]], str]:
    """Fitted coefficients from ``path`` (default: the shipped file), else the analytic ones."""
    p = Path(path) if path is not None else COEFFICIENTS_FILE
    if not p.exists():
        if path is not None:
            raise DesignError(f"coefficient file {p} does not exist")
        return ANALYTIC_COEFFICIENTS, "analytic"
    try:
        data = json.loads(p.read_text())
    except ValueError as e:
        raise DesignError(f"coefficient file {p} is not a fitted-coefficient JSON: {e}") from e
    except OSError as e:
        raise DesignError(f"cannot read coefficient file {p}: {e.strerror or e}") from e
    if not isinstance(data, Mapping) or "coefficients" not in data:
        got = f"keys {sorted(data)}" if isinstance(data, Mapping) else type(data).__name__
        raise DesignError(f"coefficient file {p} must hold a JSON object with 'coefficients' "
                          f"(target -> feature -> value); got {got}")
    coefs = data["coefficients"]
    return _check_coefficients(coefs), f"fitted ({p.name})"


def _check_coefficients(coefs: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    if not isinstance(coefs, Mapping):
        raise DesignError(f"coefficients must map target -> feature -> value; got "
                          f"{type(coefs).__name__}")
    out = {}
    for t, feats in FEATURES.items():
        given = coefs.get(t, ANALYTIC_COEFFICIENTS[t])
        if not isinstance(given, Mapping):
            raise DesignError(f"coefficients of target {t!r} must map feature -> value; got "
                              f"{type(given).__name__} {given!r}")
        unknown = set(given) - set(feats)
        if unknown:
            raise DesignError(f"coefficients of target {t!r} name unknown features "
                              f"{sorted(unknown)}; valid: {list(feats)}")
        out[t] = {}
        for k in feats:
            v = given.get(k, 0.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise DesignError(f"coefficient {k!r} of target {t!r} must be a finite number; "
                                  f"got {v!r}")
            out[t][k] = float(v)
    return out


def estimate(design: Design, part: str | None = None,
             coefficients: Mapping[str, Mapping[str, float]] | str | Path | None = None
             ) -> Estimate:
    """Estimate ``design`` on ``part`` (default: the design's part; none gives no utilization).

    ``coefficients``: a mapping target -> feature -> value, a path to a fitted JSON, or
    ``None`` for the shipped fitted file (analytic values when absent).
    """
    if not isinstance(design, Design):
        raise DesignError(f"estimate needs a fpga.Design; got {type(design).__name__}")
    if coefficients is None or isinstance(coefficients, (str, Path)):
        coefs, origin = load_coefficients(coefficients)
    else:
        coefs, origin = _check_coefficients(coefficients), "given"
    part_name = part or design.part
    part_obj = _parts.get(part_name) if part_name else None
    dsp_type = part_obj.dsp_type if part_obj else "DSP48E2"
    rows, notes = layer_features(design, dsp_type)
    sfx = regime_suffix(design)
    totals = _regime(_totals(rows), sfx)
    pred = {t: max(0.0, sum(c * totals[k] for k, c in coefs[t].items())) for t in FEATURES}
    per_layer = []
    for layer, r in zip(design.layers, rows):
        per_layer.append({"layer": layer.name, "type": layer.type,
                          "reuse_factor": layer.reuse_factor,
                          **{t: sum(coefs[t][k + sfx] * r[k] for k in BASE_FEATURES[t]
                                    if k != "const")
                             for t in ("lut", "ff", "dsp", "bram", "latency_cycles")}})
    util: dict[str, float] = {}
    fits = None
    if part_obj is not None:
        res = {k: pred[k] for k in ("lut", "ff", "dsp", "bram", "uram")}
        util = part_obj.utilization(res)
        fits = part_obj.fits(res)
    return Estimate(design_name=design.name, lut=pred["lut"], ff=pred["ff"], dsp=pred["dsp"],
                    bram=pred["bram"], uram=pred["uram"], latency_cycles=pred["latency_cycles"],
                    ii_cycles=pred["ii_cycles"], clock_period_ns=design.clock_period_ns,
                    part=part_obj.default_part if part_obj and not part else (part_name or None),
                    utilization_pct=util, fits=fits, notes=tuple(notes), coefficients=origin,
                    layers=tuple(per_layer))


def fit_coefficients(records: Iterable[Any], targets: Sequence[str] | None = None,
                     min_records: int = 5, validation: Iterable[Any] | None = None
                     ) -> dict[str, Any]:
    """Fit the non-negative coefficients of each target by least squares on relative error.

    Minimises ``sum_i ((x_i . c - y_i) / (y_i + 1))^2`` subject to ``c >= 0`` (scipy NNLS) over
    the records that carry the target. Pass training records only. Returns
    ``{"coefficients": {...}, "n_records": {...}, "provenance": {...}, "chosen": {...}}``;
    targets with fewer than ``min_records`` labels keep their analytic coefficients. With
    ``validation`` records (held out from training, never test records) a target keeps its
    fitted coefficients only where they beat the analytic ones in SMAPE on them.
    """
    from scipy.optimize import nnls

    targets = list(targets or FEATURES)
    X: dict[str, list] = {t: [] for t in targets}
    Y: dict[str, list] = {t: [] for t in targets}
    prov: dict[str, set] = {t: set() for t in targets}
    for rec in records:
        part_obj = None
        if rec.design.part:
            try:
                part_obj = _parts.get(rec.design.part)
            except DesignError:
                part_obj = None
        feats = design_features(rec.design, part_obj.dsp_type if part_obj else "DSP48E2")
        for t in targets:
            if t in rec.labels:
                X[t].append([feats[k] for k in FEATURES[t]])
                Y[t].append(rec.labels[t])
                prov[t].add(rec.provenance[t])
    coefs: dict[str, dict[str, float]] = {}
    counts = {}
    for t in FEATURES:
        if t not in targets or len(Y[t]) < min_records:
            coefs[t] = dict(ANALYTIC_COEFFICIENTS[t])
            counts[t] = len(Y.get(t, []))
            continue
        x = np.asarray(X[t], dtype=float)
        y = np.asarray(Y[t], dtype=float)
        w = 1.0 / (y + 1.0)
        # features the training data never exercises (e.g. Latency-strategy adders when all
        # training designs use Resource) keep their analytic coefficient instead of 0
        seen = np.abs(x).max(axis=0) > 0
        if not seen.any():
            coefs[t] = dict(ANALYTIC_COEFFICIENTS[t])
            counts[t] = int(len(y))
            continue
        fixed = np.array([0.0 if seen[j] else ANALYTIC_COEFFICIENTS[t][k]
                          for j, k in enumerate(FEATURES[t])])
        xs = x[:, seen] * w[:, None]
        scale = np.maximum(np.abs(xs).max(axis=0), 1e-12)
        sol, _ = nnls(xs / scale, (y - x @ fixed) * w)
        full = fixed.copy()
        full[seen] = sol / scale
        coefs[t] = {k: float(v) for k, v in zip(FEATURES[t], full)}
        counts[t] = int(len(y))
    chosen = {t: ("fitted" if coefs[t] != ANALYTIC_COEFFICIENTS[t] else "analytic")
              for t in FEATURES}
    if validation is not None:
        val = list(validation)
        for t in FEATURES:
            if chosen[t] != "fitted":
                continue
            ys = [r.labels[t] for r in val if t in r.labels]
            if not ys:
                continue
            y = np.asarray(ys, dtype=float)
            errs = {}
            for name, c in (("fitted", coefs), ("analytic", ANALYTIC_COEFFICIENTS)):
                yhat = np.asarray([estimate(r.design, coefficients=c).labels[t]
                                   for r in val if t in r.labels])
                errs[name] = float(np.mean(np.abs(y - yhat) / (np.abs(y) + np.abs(yhat) + 1)))
            if errs["analytic"] <= errs["fitted"]:
                coefs[t] = dict(ANALYTIC_COEFFICIENTS[t])
                chosen[t] = "analytic (better on validation)"
    return {"coefficients": coefs, "n_records": counts, "chosen": chosen,
            "provenance": {t: sorted(v) for t, v in prov.items()}}
