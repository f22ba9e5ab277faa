"""A real hls4ml ``ModelGraph`` (e.g. from ``hls4ml.converters.convert_from_pytorch_model``)
as a :class:`fpga.Design`. Needs the ``hls4ml`` extra only to build the graph; this module reads
attributes and never imports hls4ml itself.

Read per layer: class name, input/output variable shapes, weights (parameter count,
precision and the share of zero weights, e.g. from pruning, as ``sparsity``), ``result_t`` /
``accum_t`` types, ``reuse_factor`` (after hls4ml's own
valid-reuse-factor correction), ``activation`` and convolution geometry; edges follow the
graph's variable names, so skip connections are kept.
"""

from __future__ import annotations

from typing import Any

from fpga.design import Design, Layer, canonical_type, implied_activation
from fpga.errors import DesignError
from fpga.precision import LayerPrecision, Precision


def _prec(t: Any) -> Precision | None:
    if t is None:
        return None
    p = getattr(t, "precision", t)
    try:
        return Precision.parse_optional(str(p))
    except DesignError:
        return None


def _attr(layer: Any, name: str, default: Any = None) -> Any:
    try:
        return layer.get_attr(name, default)
    except Exception:  # noqa: BLE001 - hls4ml layers differ by version
        return default


def _zero_share(data: Any) -> float | None:
    """Share of exactly-zero entries of a weight array (None when it cannot be read)."""
    try:
        import numpy as np

        a = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(np.mean(a == 0)) if a.size else None


def design_from_modelgraph(model: Any, name: str | None = None) -> Design:
    """Convert an hls4ml ``ModelGraph`` to a :class:`Design` (no synthesis needed)."""
    if not hasattr(model, "get_layers") or not hasattr(model, "config"):
        raise DesignError(f"expected an hls4ml ModelGraph; got {type(model).__name__}")
    hls_layers = list(model.get_layers())
    if not hls_layers:
        raise DesignError("hls4ml ModelGraph has no layers")
    cfg = model.config
    producer: dict[str, int] = {}
    layers: list[Layer] = []
    edges: list[tuple[int, int]] = []
    for i, hl in enumerate(hls_layers):
        cname = str(hl.class_name)
        ltype = canonical_type(cname)
        in_vars = []
        for inp in hl.inputs:
            try:
                in_vars.append(hl.model.get_layer_output_variable(inp))
            except Exception:  # noqa: BLE001
                in_vars.append(None)
        in_shapes = [list(v.shape) for v in in_vars if v is not None]
        out_shape = list(hl.get_output_variable().shape)
        weights = getattr(hl, "weights", {}) or {}
        params = 0
        for w in weights.values():
            data = getattr(w, "data", None)
            params += int(getattr(data, "size", 0) or 0)
        wt = weights.get("weight")
        bt = weights.get("bias")
        prec = LayerPrecision(weight=_prec(getattr(wt, "type", None)) if wt is not None else None,
                              bias=_prec(getattr(bt, "type", None)) if bt is not None else None,
                              result=_prec(_attr(hl, "result_t")),
                              accum=_prec(_attr(hl, "accum_t")))
        attrs: dict[str, Any] = {"class_name": cname}
        zero = _zero_share(getattr(wt, "data", None)) if wt is not None else None
        if zero is not None:
            attrs["sparsity"] = zero
        for src, dst in (("n_in", "n_in"), ("n_out", "n_out"), ("n_chan", "channels"),
                         ("n_filt", "filters"), ("strategy", "strategy"),
                         ("pool_op", "pool_op")):
            v = _attr(hl, src)
            if v is not None:
                attrs[dst] = v if isinstance(v, (int, float, str)) else str(v)
        if ltype in ("Dense",) and in_shapes and "n_in" not in attrs:
            attrs["n_in"] = in_shapes[0][-1]
        fh, fw = _attr(hl, "filt_height"), _attr(hl, "filt_width")
        if fw is not None:
            attrs["kernel_size"] = [int(fh), int(fw)] if fh is not None else [int(fw)]
        sh, sw = _attr(hl, "stride_height"), _attr(hl, "stride_width")
        if sw is not None:
            attrs["strides"] = [int(sh), int(sw)] if sh is not None else [int(sw)]
        if len(in_shapes) > 1:
            attrs["input_shapes"] = in_shapes
        activation = _attr(hl, "activation") or implied_activation(cname)
        rf = int(_attr(hl, "reuse_factor", 1) or 1)
        layers.append(Layer(name=str(hl.name), type=ltype,
                            input_shape=in_shapes[0] if in_shapes else out_shape,
                            output_shape=out_shape, parameters=params,
                            activation=None if activation is None else str(activation).lower(),
                            precision=prec, reuse_factor=rf, attrs=attrs))
        for inp in hl.inputs:
            if inp in producer:
                edges.append((producer[inp], i))
        for out in hl.outputs:
            producer[out] = i
    hls_cfg = cfg.get_config_value("HLSConfig") or {}
    model_cfg = hls_cfg.get("Model", {}) if isinstance(hls_cfg, dict) else {}
    default = model_cfg.get("Precision")
    if isinstance(default, dict):
        default = default.get("default")
    try:
        import hls4ml  # noqa: F401 - only to record the version that built the graph

        version = getattr(hls4ml, "__version__", None)
    except ImportError:  # pragma: no cover - a ModelGraph implies hls4ml
        version = None
    return Design(layers=tuple(layers), edges=tuple(dict.fromkeys(edges)),
                  strategy=str(model_cfg.get("Strategy", "latency")),
                  io_type=cfg.get_config_value("IOType") or "io_parallel",
                  clock_period_ns=float(cfg.get_config_value("ClockPeriod") or 5.0),
                  part=cfg.get_config_value("Part"), hls4ml_version=version,
                  backend=str(cfg.get_config_value("Backend") or "") or None,
                  name=name or str(cfg.get_config_value("ProjectName") or "hls4ml_model"),
                  default_precision=Precision.parse_optional(default) if default else None)


def record_from_modelgraph(model: Any, label_source: str = "post_synthesis",
                           name: str | None = None):
    """A :class:`fpga.Record` of a built hls4ml project: the design from the ``ModelGraph`` and
    labels from the C-synthesis / Vivado reports under its ``OutputDir`` (run
    ``model.build(synth=True[, vsynth=True])`` first). See :mod:`fpga.importers.reports`."""
    from pathlib import Path

    from fpga.importers.reports import collect_reports, record_from_reports

    design = design_from_modelgraph(model, name=name)
    out_dir = model.config.get_config_value("OutputDir")
    if not out_dir or not Path(out_dir).is_dir():
        raise DesignError(f"output directory {out_dir!r} of the hls4ml model does not exist; "
                          f"build the project (model.build(synth=True)) first")
    csynth, util = collect_reports(Path(out_dir))
    if csynth is None and util is None:
        raise DesignError(f"no synthesis reports under {out_dir}; build the project "
                          f"(model.build(synth=True)) first")
    return record_from_reports(design, csynth, util, label_source,
                               source=f"hls4ml_model:{out_dir}")
