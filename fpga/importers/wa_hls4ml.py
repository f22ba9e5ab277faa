"""wa-hls4ml records: the JSON arrays of the dataset (streamed with ijson) and the CSV exports.

Schema and variants: ``spec/hls4ml_data.md``. Layer names are often absent from
``model_config``; they are recovered from the next layer's ``inbound_layers`` and from the
order of ``hls_config.LayerName`` (hls4ml adds ``<layer>_linear`` / ``<layer>_alpha`` entries
that are not layers). Records without any ``inbound_layers`` (the exemplar set) are chains
whose multi-input layers (``Add``) also take the input of the previous layer's branch; such
designs carry ``meta["edges_inferred"] = True``.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from fpga.design import Design, Layer, canonical_type, implied_activation
from fpga.errors import DesignError
from fpga.precision import LayerPrecision, Precision
from fpga.records import Record
from fpga.reuse import check_reuse_factor, mult_size

_HLS_SUFFIXES = ("_linear", "_alpha")
_NUM = ("lut", "ff", "dsp", "bram", "uram")


def _num(value: Any, what: str) -> float:
    try:
        f = float(str(value).strip())
    except (TypeError, ValueError) as e:
        raise DesignError(f"{what} must be a number; got {value!r}") from e
    if not math.isfinite(f):
        raise DesignError(f"{what} must be finite; got {value!r}")
    return f


def _shapes(value: Any) -> list[list[int]]:
    """``[None, 32]`` -> ``[[32]]``; ``[[None, 32]]`` -> ``[[32]]``; ``[[None,36],[None,36]]``
    -> ``[[36],[36]]``."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (list, tuple))
                                                          for v in value):
        return [[int(_num(x, "shape entry")) for x in v if x is not None] for v in value]
    if isinstance(value, (list, tuple)):
        return [[int(_num(x, "shape entry")) for x in value if x is not None]]
    raise DesignError(f"layer shape must be a list; got {value!r}")


def _activation(cfg: Mapping[str, Any], class_name: str) -> tuple[str | None, str | None]:
    """(canonical activation name, QKeras quantizer string or None)."""
    act = cfg.get("activation")
    if act is None:
        return implied_activation(class_name), None
    text = str(act).strip()
    m = re.match(r"^quantized_(\w+?)\s*\(", text)
    if m:
        return m.group(1).lower(), text
    if text.startswith("quantized_"):
        return text[len("quantized_"):].lower(), text
    return text.lower(), None


def _layer_names(mc: list[Mapping[str, Any]], hls_layers: list[str]) -> tuple[list[str], bool]:
    """Names of the ``model_config`` layers; second value: whether inbound info exists."""
    n = len(mc)
    names: list[str | None] = [c.get("name") for c in mc]
    has_inbound = any(c.get("inbound_layers") for c in mc)
    candidates = [k for k in hls_layers if not k.endswith(_HLS_SUFFIXES)]
    if has_inbound:
        for i in range(n - 1):
            inb = mc[i + 1].get("inbound_layers") or []
            if names[i] is None and len(inb) == 1 and inb[0] not in names:
                names[i] = inb[0]
        if names[-1] is None:
            used = set(names)
            rest = [k for k in candidates if k not in used]
            names[-1] = rest[-1] if rest else None
    elif all(v is None for v in names) and len(candidates) == n:
        names = list(candidates)
    used: set[str] = set()
    out = []
    for i, v in enumerate(names):
        if v is None or v in used:
            v = f"{str(mc[i].get('class_name', 'layer')).lower()}_{i}"
        used.add(v)
        out.append(v)
    return out, has_inbound


def _requested_rf(hls: Mapping[str, Any], name: str) -> int | None:
    ln = (hls.get("LayerName") or {}).get(name) or {}
    rf = ln.get("ReuseFactor", (hls.get("Model") or {}).get("ReuseFactor"))
    return None if rf is None else int(_num(rf, "ReuseFactor"))


def _section(rec: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``rec[key]`` when it is an object, ``{}`` when absent or null; anything else raises
    (a list here used to end in AttributeError: 'list' object has no attribute 'get')."""
    v = rec.get(key)
    if v is None:
        return {}
    if not isinstance(v, Mapping):
        raise DesignError(f"{key} of a wa-hls4ml record must be an object; got "
                          f"{type(v).__name__}")
    return v


def design_from_wa(rec: Mapping[str, Any]) -> Design:
    """The :class:`Design` of one wa-hls4ml record (inputs only; never reads ``*_report``)."""
    mc = rec.get("model_config")
    hls = rec.get("hls_config")
    if not isinstance(mc, list) or not mc:
        raise DesignError("model_config is missing or empty")
    bad = [i for i, c in enumerate(mc) if not isinstance(c, Mapping)]
    if bad:
        raise DesignError(f"model_config of a wa-hls4ml record must be a list of layer "
                          f"objects; entry {bad[0]} is {type(mc[bad[0]]).__name__}")
    if not isinstance(hls, Mapping):
        raise DesignError("hls_config is missing")
    model = hls.get("Model") or {}
    layer_cfg: Mapping[str, Any] = hls.get("LayerName") or {}
    default = Precision.parse_optional(model.get("Precision"))
    names, has_inbound = _layer_names(mc, list(layer_cfg))

    layers: list[Layer] = []
    name_index: dict[str, int] = {}
    # hls4ml converts a Keras model whose first layer is not an InputLayer by adding one.
    first_inb = mc[0].get("inbound_layers") or []
    if canonical_type(mc[0].get("class_name", "")) != "Input" and len(first_inb) == 1:
        shp = _shapes(mc[0].get("input_shape"))
        lp = LayerPrecision.from_dict((layer_cfg.get(first_inb[0]) or {}).get("Precision"))
        if lp.result is None and first_inb[0] not in layer_cfg:
            lp = LayerPrecision(result=default)
        layers.append(Layer(name=first_inb[0], type="Input", input_shape=shp[0] if shp else (),
                            output_shape=shp[0] if shp else (), precision=lp,
                            attrs={"implicit": True}))
        name_index[first_inb[0]] = 0
    offset = len(layers)

    for i, cfg in enumerate(mc):
        cname = str(cfg.get("class_name", ""))
        ltype = canonical_type(cname)
        name = names[i]
        ins = _shapes(cfg.get("input_shape"))
        outs = _shapes(cfg.get("output_shape"))
        attrs: dict[str, Any] = {"class_name": cname}
        if cname.startswith("Q"):
            attrs["quantized"] = True
        if len(ins) > 1:
            attrs["input_shapes"] = ins
        for k in ("use_bias", "padding", "channels", "filters", "dropout_rate", "units",
                  "data_format", "pool_size"):
            if k in cfg:
                attrs[k] = cfg[k]
        if "neurons" in cfg:
            attrs["n_out"] = int(_num(cfg["neurons"], f"neurons of layer {name!r}"))
        for k in ("kernel_size", "strides"):
            if k in cfg:
                v = cfg[k]
                attrs[k] = list(v) if isinstance(v, (list, tuple)) else [v]
        if ltype == "Dense" and ins:
            attrs["n_in"] = ins[0][-1]
        act, quantizer = _activation(cfg, cname)
        if quantizer:
            attrs["activation_quantizer"] = quantizer
        lc = layer_cfg.get(name)
        if lc is not None:
            prec = LayerPrecision.from_dict(lc.get("Precision"))
        else:  # no per-layer entry: hls4ml gives the layer the model's default precision
            prec = LayerPrecision(weight=default, bias=default, result=default, accum=default) \
                if ltype in ("Dense", "Conv1D", "Conv2D", "LSTM") else LayerPrecision(
                    result=default)
        if prec.result is None and quantizer:
            prec = LayerPrecision(prec.weight, prec.bias, Precision.parse(quantizer), prec.accum)
        requested = _requested_rf(hls, name)
        if requested is not None:
            attrs["requested_reuse_factor"] = requested
        actual = cfg.get("reuse_factor", requested if requested is not None else 1)
        layer = Layer(name=name, type=ltype, input_shape=ins[0] if ins else (),
                      output_shape=outs[0] if outs else (),
                      parameters=_num(cfg.get("parameters", 0), f"parameters of layer {name!r}"),
                      activation=act, precision=prec,
                      reuse_factor=_num(actual, f"reuse_factor of layer {name!r}"), attrs=attrs)
        name_index[name] = len(layers)
        layers.append(layer)

    edges: list[tuple[int, int]] = []
    inferred = False
    for i, cfg in enumerate(mc):
        j = i + offset
        inb = cfg.get("inbound_layers")
        if has_inbound and inb is not None:
            for src in inb:
                if src not in name_index:
                    raise DesignError(f"inbound layer {src!r} of layer {names[i]!r} is not a "
                                      f"layer of the record")
                if name_index[src] >= j:
                    raise DesignError(f"inbound layer {src!r} of layer {names[i]!r} comes after "
                                      f"it; layers must be in data-flow order")
                edges.append((name_index[src], j))
        elif j > 0:
            edges.append((j - 1, j))
            n_inputs = len(layers[j].attrs.get("input_shapes", [])) or 1
            if n_inputs > 1:
                inferred = True
                preds = {j - 1}
                # the other operand: the input of the previous layer's branch, i.e. the nearest
                # earlier layer (before j-1) with the wanted shape
                for want in layers[j].attrs["input_shapes"][1:]:
                    for k in range(j - 2, -1, -1):
                        if k not in preds and list(layers[k].output_shape) == list(want):
                            edges.append((k, j))
                            preds.add(k)
                            break
                    else:
                        raise DesignError(f"cannot infer the second input of layer "
                                          f"{layers[j].name!r}: no earlier layer has shape {want}")
    edges = list(dict.fromkeys(edges))  # inbound order kept (Concatenate operand order)

    io_type = hls.get("io_type") or hls.get("IOType") or rec.get("io_type")
    if io_type is None:
        # wa-hls4ml: conv subsets were built io_stream, dense subsets io_parallel (spec)
        io_type = "io_stream" if any(l.type.startswith("Conv") for l in layers) else "io_parallel"
        io_inferred = True
    else:
        io_inferred = False
    clock = hls.get("clock_period") or hls.get("ClockPeriod") or \
        _section(rec, "latency_report").get("target_clock") or 5.0
    meta = _section(rec, "meta_data")
    design_name = str(meta.get("model_name") or meta.get("uuid") or "design").rstrip("/")
    design_name = design_name.rsplit("/", 1)[-1]
    return Design(
        layers=tuple(layers), edges=tuple(edges),
        strategy=str(model.get("Strategy", "latency")),
        io_type=io_type, clock_period_ns=_num(clock, "clock period"),
        part=rec.get("target_part") or hls.get("Part"),
        hls4ml_version=rec.get("hls4ml_version"),
        tool_version=rec.get("vivado_version") or rec.get("backend_version"),
        backend=rec.get("backend") or hls.get("Backend"),
        name=design_name, default_precision=default,
        meta={k: v for k, v in (("edges_inferred", inferred), ("io_type_inferred", io_inferred))
              if v})


def labels_from_wa(rec: Mapping[str, Any], label_source: str) -> tuple[dict, dict, dict]:
    """(labels, provenance, extra meta) of one wa-hls4ml record."""
    key = "resource_report" if label_source == "post_synthesis" else "hls_resource_report"
    res = rec.get(key)
    if not res:
        if key == "resource_report":
            raise _Skip("resource_report empty (logic synthesis failed or not run)")
        raise _Skip("hls_resource_report missing")
    labels: dict[str, float] = {}
    prov: dict[str, str] = {}
    for t in _NUM:
        if t not in res:
            raise _Skip(f"{key} lacks {t!r}")
        try:
            labels[t] = _num(res[t], f"{t} of {key}")
        except DesignError as e:
            raise _Skip(f"non-numeric {t!r} in {key}") from e
        prov[t] = label_source
    extra: dict[str, Any] = {}
    lat = _section(rec, "latency_report")
    for target, k in (("latency_cycles", "cycles_max"), ("ii_cycles", "interval_max")):
        if k in lat:
            try:
                labels[target] = _num(lat[k], f"{k} of latency_report")
            except DesignError as e:
                raise _Skip(f"non-numeric {k!r} in latency_report") from e
            prov[target] = "hls_estimate"
    for k in ("cycles_min", "interval_min", "estimated_clock", "target_clock"):
        if k in lat:
            try:
                extra[k] = _num(lat[k], k)
            except DesignError:
                pass
    return labels, prov, extra


class _Skip(Exception):
    pass


def record_from_wa(rec: Any, label_source: str = "post_synthesis", where: str = "") -> Record:
    """One wa-hls4ml JSON object -> :class:`Record` (raises :class:`DesignError`)."""
    if not isinstance(rec, Mapping):
        raise DesignError(f"wa-hls4ml record must be a JSON object; got {type(rec).__name__}")
    try:
        labels, prov, extra = labels_from_wa(rec, label_source)
    except _Skip as e:
        raise DesignError(str(e)) from e
    design = design_from_wa(rec)
    md = rec.get("meta_data") or {}
    meta = {k: md[k] for k in ("uuid", "model_id", "model_name", "artifacts_file") if k in md}
    meta.update(extra)
    return Record(design=design, labels=labels, provenance=prov, source=where, meta=meta)


def _reason(e: Exception) -> str:
    """Skip reason without record-specific details (so equal causes count together)."""
    msg = str(e)
    msg = re.sub(r"'[^']*'", "'…'", msg) if "layer" in msg else msg
    return msg[:160]


def iter_json(path: Path, label_source: str,
              skip: Callable[[str, str], None]) -> Iterator[Record]:
    """Stream a wa-hls4ml JSON array (or one object) with ijson; never loads it whole."""
    import ijson

    with open(path, "rb") as f:
        head = f.read(64)
        f.seek(0)
        prefix = "item" if head.lstrip().startswith(b"[") else ""
        index = -1
        try:
            for index, obj in enumerate(ijson.items(f, prefix, use_float=True)):
                where = f"wa_hls4ml_json:{path}#{index}"
                try:
                    yield record_from_wa(obj, label_source, where)
                except (DesignError, ValueError, TypeError, KeyError) as e:
                    skip(_reason(e), where)
        except ijson.JSONError as e:
            skip(f"invalid or truncated JSON ({type(e).__name__})",
                 f"wa_hls4ml_json:{path}#{index + 1}")


# ---------------------------------------------------------------------------- CSV exports
_CSV_LABELS = {"lut": "LUT_hls", "ff": "FF_hls", "dsp": "DSP_hls", "bram": "BRAM_18K_hls",
               "uram": "URAM_hls", "latency_cycles": "WorstLatency_hls",
               "ii_cycles": "IntervalMax_hls"}
#: hls4ml version of each wa-hls4ml tool generation (spec: 2023.2 runs used hls4ml 0.8.1,
#: 2024.2 runs hls4ml 1.1.0).
_HLS4ML_OF_TOOL = {"2023.2": "0.8.1", "2024.2": "1.1.0"}


def design_from_csv_row(row: Mapping[str, str]) -> Design:
    """A dense design from a wa-hls4ml CSV row (``model_string`` widths, ``prec`` weight bits,
    ``rf`` requested reuse factor). Settings not in the CSV follow the dense subsets
    (SOURCES.md): part xcu250-figd2104-2L-e, io_parallel, result/accum ``fixed<16,6>``,
    weights ``fixed<prec,1>`` as in the matching JSON records."""
    name = str(row.get("model_name", "")).rstrip("/")
    if "conv" in name.rsplit("/", 1)[-1].lower():
        raise DesignError("conv architecture cannot be reconstructed from model_string")
    widths = [int(_num(w, "model_string width")) for w in str(row["model_string"]).split("-")]
    if len(widths) < 2 or min(widths) < 1:
        raise DesignError(f"model_string must list >= 2 positive widths; got "
                          f"{row['model_string']!r}")
    bits = int(_num(row["prec"], "prec"))
    rf = int(_num(row["rf"], "rf"))
    wprec = Precision(width=bits, integer=1)
    data = Precision(16, 6)
    m = re.search(r"_(\d{4})-(\d)", name)
    tool = f"{m.group(1)}.{m.group(2)}" if m else None
    short = name.rsplit("/", 1)[-1] or "dense"
    layers = [Layer(name=f"{short}_input", type="Input", input_shape=(widths[0],),
                    output_shape=(widths[0],), precision=LayerPrecision(result=data))]
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        used = check_reuse_factor(a, b, rf).used
        layers.append(Layer(name=f"{short}_dense_{i}", type="Dense", input_shape=(a,),
                            output_shape=(b,), parameters=a * b + b,
                            precision=LayerPrecision(wprec, wprec, data, data), reuse_factor=used,
                            attrs={"n_in": a, "n_out": b, "use_bias": True, "quantized": True,
                                   "requested_reuse_factor": rf}))
    return Design.chain(layers, strategy=row.get("strategy") or "resource", io_type="io_parallel",
                        clock_period_ns=_num(row.get("TargetClockPeriod_hls") or 5.0, "clock"),
                        part="xcu250-figd2104-2L-e", tool_version=tool,
                        hls4ml_version=_HLS4ML_OF_TOOL.get(tool or ""), name=short,
                        default_precision=data, meta={"reconstructed_from": "csv"})


def iter_csv(path: Path, label_source: str,
             skip: Callable[[str, str], None]) -> Iterator[Record]:
    """wa-hls4ml CSV export rows -> records (C-synthesis labels: provenance ``hls_estimate``)."""
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = {"model_string", "prec", "rf", *_CSV_LABELS.values()} - set(reader.fieldnames
                                                                            or [])
        if missing:
            skip(f"CSV lacks columns {sorted(missing)}", f"wa_hls4ml_csv:{path}")
            return
        for i, row in enumerate(reader):
            where = f"wa_hls4ml_csv:{path}#{i}"
            if str(row.get("hls_synth_success", "TRUE")).strip().upper() not in ("TRUE", "1"):
                skip("hls_synth_success is not TRUE", where)
                continue
            try:
                design = design_from_csv_row(row)
                labels = {t: _num(row[c], c) for t, c in _CSV_LABELS.items()}
            except (DesignError, KeyError, ValueError) as e:
                skip(_reason(e), where)
                continue
            meta = {"model_file": row.get("model_file"), "model_name": row.get("model_name"),
                    "model_string": row.get("model_string")}
            for k, c in (("estimated_clock", "EstimatedClockPeriod_hls"),
                         ("cycles_min", "BestLatency_hls"), ("interval_min", "IntervalMin_hls")):
                try:
                    meta[k] = _num(row[c], c)
                except (DesignError, KeyError):
                    pass
            yield Record(design=design, labels=labels,
                         provenance={t: "hls_estimate" for t in labels}, source=where, meta=meta)
