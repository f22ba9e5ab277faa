"""N-TORC per-layer CSVs (HeRCLab, FCCM 2025): one hls4ml layer per row.

Fixed by the upstream flow, not recorded in the CSVs (SOURCES.md): Vivado HLS 2019.1, Resource
strategy, io_stream, ``ap_fixed<16,8>`` everywhere, part ``xczu7ev-ffvc1156-2-e``, 4 ns clock.
Conv1D kernel width 3 is inferred: it is the only width in 1..9 for which hls4ml's reuse-factor
rule reproduces every ``correct_reuse_factor`` of the conv files (see tests). Resource files give
``lut``, ``ff``, ``dsp`` and ``bram`` (``bram_18k / 2``, in BRAM36 units); latency files give
``latency_cycles`` (``latency_max``). All are C-synthesis estimates (``hls_estimate``).
``fit_status == "Not Fit"`` means the layer exceeds the device, not a failed synthesis.
Rows repeat heavily: ``meta["group"]`` names the (layer type, sizes, reuse factor) group to split
by.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Callable, Iterator, Mapping

from fpga.design import Design, Layer
from fpga.errors import DesignError
from fpga.precision import LayerPrecision, Precision
from fpga.records import Record

PART = "xczu7ev-ffvc1156-2-e"
CLOCK_NS = 4.0
TOOL_VERSION = "2019.1"
PRECISION = Precision(16, 8)
CONV_KERNEL = 3


def _get(row: Mapping[str, str], *names: str) -> float:
    for n in names:
        if n in row and row[n] not in (None, ""):
            try:
                v = float(row[n])
            except ValueError as e:
                raise DesignError(f"column {n!r} must be a number; got {row[n]!r}") from e
            if not math.isfinite(v):
                raise DesignError(f"column {n!r} must be finite; got {row[n]!r}")
            return v
    raise DesignError(f"row lacks column {' / '.join(names)}")


def _kind(fieldnames: list[str]) -> str:
    f = " ".join(fieldnames)
    if "lstm_size" in f:
        return "lstm"
    if "cnn_filters" in f:
        return "conv"
    if "dense_size" in f:
        return "dense"
    raise DesignError("N-TORC CSV has no dense_size / cnn_filters / lstm_size column")


def design_from_row(kind: str, row: Mapping[str, str]) -> tuple[Design, str]:
    """(design, group key) of one N-TORC row."""
    sfx = "resources" if any(k.endswith("_resources") or k.endswith("_resource") for k in row) \
        else "latency"
    n_in = int(_get(row, f"n_inputs_{sfx}", "n_inputs_resources", "n_inputs_latency"))
    seq = int(_get(row, f"sequence_length_{sfx}", "sequence_length_resource",
                   "sequence_length_latency"))
    requested = int(_get(row, "reuse_factor"))
    used_col = [k for k in row if k.startswith("correct_reuse_factor")]
    used = int(_get(row, *used_col)) if used_col else requested
    p = PRECISION
    full = LayerPrecision(p, p, p, p)
    if kind == "dense":
        size = int(_get(row, f"dense_size_{sfx}", "dense_size_resource", "dense_size_latency"))
        inp = Layer("input", "Input", (n_in,), (n_in,), precision=LayerPrecision(result=p))
        layer = Layer("dense", "Dense", (n_in,), (size,), parameters=n_in * size + size,
                      precision=full, reuse_factor=used,
                      attrs={"n_in": n_in, "n_out": size, "use_bias": True,
                             "sequence_length": seq, "requested_reuse_factor": requested})
        group = f"dense:{n_in}x{size}:rf{requested}"
    elif kind == "conv":
        filt = int(_get(row, f"cnn_filters_{sfx}", "cnn_filters_resources",
                        "cnn_filters_latency"))
        inp = Layer("input", "Input", (seq, n_in), (seq, n_in),
                    precision=LayerPrecision(result=p))
        layer = Layer("conv1d", "Conv1D", (seq, n_in), (seq, filt),
                      parameters=CONV_KERNEL * n_in * filt + filt, precision=full,
                      reuse_factor=used,
                      attrs={"channels": n_in, "filters": filt, "kernel_size": [CONV_KERNEL],
                             "strides": [1], "padding": "same", "kernel_size_inferred": True,
                             "sequence_length": seq, "requested_reuse_factor": requested})
        group = f"conv1d:{seq}x{n_in}->{filt}:rf{requested}"
    else:
        units = int(_get(row, "lstm_size"))
        inp = Layer("input", "Input", (seq, n_in), (seq, n_in),
                    precision=LayerPrecision(result=p))
        layer = Layer("lstm", "LSTM", (seq, n_in), (units,),
                      parameters=4 * (n_in * units + units * units + units), precision=full,
                      reuse_factor=used,
                      attrs={"n_in": n_in, "units": units, "sequence_length": seq,
                             "requested_reuse_factor": requested})
        group = f"lstm:{seq}x{n_in}->{units}:rf{requested}"
    design = Design.chain([inp, layer], strategy="resource", io_type="io_stream",
                          clock_period_ns=CLOCK_NS, part=PART, tool_version=TOOL_VERSION,
                          backend="Vivado", name=f"ntorc_{group}", default_precision=p)
    return design, group


def iter_csv(path: Path, label_source: str,
             skip: Callable[[str, str], None]) -> Iterator[Record]:
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        try:
            kind = _kind(fields)
        except DesignError as e:
            skip(str(e), f"ntorc:{path}")
            return
        is_latency = "latency_max" in fields
        for i, row in enumerate(reader):
            where = f"ntorc:{path}#{i}"
            try:
                design, group = design_from_row(kind, row)
                if is_latency:
                    labels = {"latency_cycles": _get(row, "latency_max")}
                    extra = {"cycles_min": _get(row, "latency_min")}
                else:
                    labels = {"lut": _get(row, "lut"), "ff": _get(row, "ff"),
                              "dsp": _get(row, "dsp48e"), "bram": _get(row, "bram_18k") / 2}
                    extra = {}
                rec = Record(design=design, labels=labels,
                             provenance={t: "hls_estimate" for t in labels}, source=where,
                             meta={"group": group, "layer_type": kind,
                                   "fit_status": row.get("fit_status"),
                                   "model_number": row.get("model_number"),
                                   "layer_index": row.get("layer_index"), **extra})
            except DesignError as e:
                skip(str(e)[:160], where)
                continue
            yield rec
