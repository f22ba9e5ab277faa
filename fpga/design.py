"""The hls4ml design model: a :class:`Design` is a graph of :class:`Layer` s plus the model-level
settings hls4ml compiles it with.

Layers are stored in data-flow (topological) order; ``edges`` are ``(src_index, dst_index)``
pairs with ``src < dst``, so skip connections (``Add``/``Concatenate`` with two inputs) are just
extra edges. Shapes exclude the batch dimension. Designs are frozen; build variants with
:func:`dataclasses.replace`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from fpga.errors import DesignError
from fpga.precision import LayerPrecision, Precision

#: Canonical layer types.
LAYER_TYPES: tuple[str, ...] = (
    "Input", "Dense", "Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "SeparableConv1D", "SeparableConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
    "AveragePooling2D", "GlobalAveragePooling", "GlobalMaxPooling", "BatchNormalization",
    "Activation", "Add", "Multiply", "Subtract", "Concatenate", "Flatten", "Reshape", "Dropout",
    "ZeroPadding1D", "ZeroPadding2D", "UpSampling1D", "UpSampling2D", "LSTM", "GRU", "SimpleRNN",
    "Einsum",
)

#: Aliases (Keras / QKeras / PyTorch / hls4ml class names, lower-cased) -> canonical type.
_TYPE_ALIASES: dict[str, str] = {
    "inputlayer": "Input", "input": "Input",
    "qdense": "Dense", "dense": "Dense", "linear": "Dense", "densebatchnorm": "Dense",
    "qdensebatchnorm": "Dense", "pointwiseconv1d": "Conv1D", "pointwiseconv2d": "Conv2D",
    "conv1d": "Conv1D", "qconv1d": "Conv1D", "conv2d": "Conv2D", "qconv2d": "Conv2D",
    "qconv2dbatchnorm": "Conv2D", "conv2dbatchnorm": "Conv2D",
    "depthwiseconv1d": "DepthwiseConv1D", "depthwiseconv2d": "DepthwiseConv2D",
    "qdepthwiseconv2d": "DepthwiseConv2D",
    "separableconv1d": "SeparableConv1D", "separableconv2d": "SeparableConv2D",
    "qseparableconv1d": "SeparableConv1D", "qseparableconv2d": "SeparableConv2D",
    "maxpooling1d": "MaxPooling1D", "maxpool1d": "MaxPooling1D", "pooling1d": "MaxPooling1D",
    "maxpooling2d": "MaxPooling2D", "maxpool2d": "MaxPooling2D", "pooling2d": "MaxPooling2D",
    "averagepooling1d": "AveragePooling1D", "avgpool1d": "AveragePooling1D",
    "averagepooling2d": "AveragePooling2D", "avgpool2d": "AveragePooling2D",
    "qaveragepooling2d": "AveragePooling2D",
    "globalaveragepooling1d": "GlobalAveragePooling", "globalaveragepooling2d":
    "GlobalAveragePooling", "globalaveragepooling": "GlobalAveragePooling",
    "globalpooling1d": "GlobalAveragePooling", "globalpooling2d": "GlobalAveragePooling",
    "globalmaxpooling1d": "GlobalMaxPooling", "globalmaxpooling2d": "GlobalMaxPooling",
    "batchnormalization": "BatchNormalization", "qbatchnormalization": "BatchNormalization",
    "batchnorm1d": "BatchNormalization", "batchnorm2d": "BatchNormalization",
    "batchnormalizationquantizedtanh": "BatchNormalization",
    "activation": "Activation", "qactivation": "Activation", "relu": "Activation",
    "leakyrelu": "Activation", "prelu": "Activation", "elu": "Activation", "softmax": "Activation",
    "thresholdedrelu": "Activation", "parametrizedactivation": "Activation",
    "hardactivation": "Activation", "sigmoid": "Activation", "tanh": "Activation",
    "add": "Add", "merge": "Add", "multiply": "Multiply", "subtract": "Subtract",
    "concatenate": "Concatenate", "concat": "Concatenate", "flatten": "Flatten",
    "reshape": "Reshape", "dropout": "Dropout", "zeropadding1d": "ZeroPadding1D",
    "zeropadding2d": "ZeroPadding2D", "upsampling1d": "UpSampling1D", "upsampling2d":
    "UpSampling2D", "resize": "UpSampling2D", "lstm": "LSTM", "qlstm": "LSTM", "gru": "GRU",
    "qgru": "GRU", "simplernn": "SimpleRNN", "qsimplernn": "SimpleRNN", "einsumdense": "Einsum",
    "einsum": "Einsum",
}
for _t in LAYER_TYPES:
    _TYPE_ALIASES.setdefault(_t.lower(), _t)

#: Types whose class name implies an activation when the record gives none.
_IMPLIED_ACTIVATION = {"relu": "relu", "leakyrelu": "leaky_relu", "prelu": "prelu", "elu": "elu",
                       "softmax": "softmax", "sigmoid": "sigmoid", "tanh": "tanh",
                       "thresholdedrelu": "thresholded_relu"}

#: Layers that multiply by trained weights (the ones reuse factors apply to).
WEIGHTED_TYPES = ("Dense", "Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D",
                  "SeparableConv1D", "SeparableConv2D", "LSTM", "GRU", "SimpleRNN", "Einsum")

#: Canonical strategies (hls4ml spells them case-insensitively; ``da`` means distributed
#: arithmetic).
STRATEGIES = ("latency", "resource", "resource_unrolled", "distributed_arithmetic")
IO_TYPES = ("io_parallel", "io_stream")


def canonical_type(name: str) -> str:
    """Canonical layer type for a Keras/QKeras/PyTorch/hls4ml class name (case-insensitive)."""
    key = str(name).strip().lower().replace("_", "")
    if key in _TYPE_ALIASES:
        return _TYPE_ALIASES[key]
    raise DesignError(f"layer type {name!r} is not supported; known types: "
                      f"{', '.join(LAYER_TYPES)} (and their Keras/QKeras/PyTorch spellings)")


def implied_activation(class_name: str) -> str | None:
    """Activation implied by a class name such as ``ReLU`` or ``Softmax`` (else ``None``)."""
    return _IMPLIED_ACTIVATION.get(str(class_name).strip().lower().replace("_", ""))


def canonical_strategy(name: str) -> str:
    s = str(name).strip().lower()
    if s == "da":
        s = "distributed_arithmetic"
    if s not in STRATEGIES:
        raise DesignError(f"strategy must be one of {', '.join(STRATEGIES)} (case-insensitive); "
                          f"got {name!r}")
    return s


def canonical_io_type(name: str) -> str:
    s = str(name).strip().lower()
    if s in ("parallel", "stream"):
        s = "io_" + s
    if s not in IO_TYPES:
        raise DesignError(f"io_type must be one of {', '.join(IO_TYPES)}; got {name!r}")
    return s


def _shape(value: Any, what: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (list, tuple)):
        raise DesignError(f"{what} must be a sequence of positive ints; got {value!r}")
    out = []
    for v in value:
        try:
            f = float(v)
        except (TypeError, ValueError) as e:
            raise DesignError(f"{what} must be a sequence of positive ints; got {value!r}") from e
        if not math.isfinite(f) or f != int(f) or f < 1:
            raise DesignError(f"{what} must be a sequence of positive ints; got {value!r}")
        out.append(int(f))
    return tuple(out)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


def _whole(value, minimum: int, rule: str) -> int:
    """``value`` as an int >= ``minimum`` (2.0 is fine, 2.5 or "x" are not); else a
    DesignError ``"<rule>; got <value>"``."""
    try:
        v = float(value)
    except (TypeError, ValueError) as e:
        raise DesignError(f"{rule}; got {value!r}") from e
    if not math.isfinite(v) or v < minimum or v != int(v):
        raise DesignError(f"{rule}; got {value!r}")
    return int(v)


@dataclass(frozen=True)
class Layer:
    """One hls4ml layer.

    ``input_shape`` / ``output_shape`` exclude the batch dimension; multi-input layers
    (``Add``, ``Concatenate``) keep their first input's shape here and all of them in
    ``attrs["input_shapes"]``. ``parameters`` counts trainable weights and biases.
    ``reuse_factor`` is the one hls4ml actually uses when known (see :mod:`fpga.reuse`).
    ``attrs`` holds extras: ``n_in``/``n_out``, ``filters``, ``kernel_size``, ``strides``,
    ``padding``, ``use_bias``, ``quantized``, ``sequence_length``, ``requested_reuse_factor``.
    Treat ``attrs`` as read-only.
    """

    name: str
    type: str
    input_shape: tuple[int, ...] = ()
    output_shape: tuple[int, ...] = ()
    parameters: int = 0
    activation: str | None = None
    precision: LayerPrecision = field(default_factory=LayerPrecision)
    reuse_factor: int = 1
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise DesignError(f"name of Layer must be a non-empty string; got {self.name!r}")
        object.__setattr__(self, "type", canonical_type(self.type))
        object.__setattr__(self, "input_shape",
                           _shape(self.input_shape, f"input_shape of layer {self.name!r}"))
        object.__setattr__(self, "output_shape",
                           _shape(self.output_shape, f"output_shape of layer {self.name!r}"))
        object.__setattr__(self, "parameters", _whole(
            self.parameters, 0, f"parameters of layer {self.name!r} must be a non-negative int"))
        object.__setattr__(self, "reuse_factor", _whole(
            self.reuse_factor, 1, f"reuse_factor of layer {self.name!r} must be a positive int"))
        if not isinstance(self.precision, LayerPrecision):
            try:
                object.__setattr__(self, "precision", LayerPrecision.from_dict(self.precision))
            except DesignError as e:
                raise DesignError(f"precision of layer {self.name!r}: {e}") from e
        if self.activation is not None:
            object.__setattr__(self, "activation", str(self.activation))
        if not isinstance(self.attrs, Mapping):
            raise DesignError(f"attrs of layer {self.name!r} must be a dict; got {self.attrs!r}")
        object.__setattr__(self, "attrs", _jsonable(dict(self.attrs)))

    @property
    def n_in(self) -> int:
        """Input features per output position (prod of the input shape for Dense)."""
        if "n_in" in self.attrs:
            return int(self.attrs["n_in"])
        if self.type == "Dense":
            return self.input_shape[-1] if self.input_shape else 0
        return math.prod(self.input_shape) if self.input_shape else 0

    @property
    def n_out(self) -> int:
        if "n_out" in self.attrs:
            return int(self.attrs["n_out"])
        if self.type == "Dense":
            return self.output_shape[-1] if self.output_shape else 0
        return math.prod(self.output_shape) if self.output_shape else 0

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type,
                             "input_shape": list(self.input_shape),
                             "output_shape": list(self.output_shape),
                             "parameters": self.parameters, "reuse_factor": self.reuse_factor}
        if self.activation is not None:
            d["activation"] = self.activation
        prec = self.precision.to_dict()
        if prec:
            d["precision"] = prec
        if self.attrs:
            d["attrs"] = _jsonable(self.attrs)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Layer":
        if not isinstance(d, Mapping):
            raise DesignError(f"a layer must be a dict; got {type(d).__name__} {d!r}")
        missing = [k for k in ("name", "type") if k not in d]
        if missing:
            raise DesignError(f"layer dict is missing {missing}; got keys {sorted(d)}")
        unknown = set(d) - {"name", "type", "input_shape", "output_shape", "parameters",
                            "activation", "precision", "reuse_factor", "attrs"}
        if unknown:
            raise DesignError(f"layer {d.get('name')!r} has unknown keys {sorted(unknown)}")
        return cls(name=d["name"], type=d["type"], input_shape=d.get("input_shape", ()),
                   output_shape=d.get("output_shape", ()), parameters=d.get("parameters", 0),
                   activation=d.get("activation"),
                   precision=LayerPrecision.from_dict(d.get("precision")),
                   reuse_factor=d.get("reuse_factor", 1), attrs=d.get("attrs", {}) or {})


@dataclass(frozen=True)
class Design:
    """An hls4ml design: layers (data-flow order), edges, and model-level settings.

    ``strategy`` one of :data:`STRATEGIES`; ``io_type`` one of :data:`IO_TYPES`;
    ``clock_period_ns`` target clock period in ns; ``part`` the FPGA part name as given (see
    :func:`fpga.parts.get`); ``default_precision`` the model-level ``Precision``;
    ``hls4ml_version``, ``tool_version`` (Vivado/Vitis HLS), ``backend`` (Vivado, Vitis,
    VivadoAccelerator, ...); ``meta`` free-form notes (e.g. ``edges_inferred``).
    """

    layers: tuple[Layer, ...]
    edges: tuple[tuple[int, int], ...] = ()
    strategy: str = "latency"
    io_type: str = "io_parallel"
    clock_period_ns: float = 5.0
    part: str | None = None
    hls4ml_version: str | None = None
    tool_version: str | None = None
    name: str = "design"
    default_precision: Precision | None = None
    backend: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        if not layers:
            raise DesignError(f"design {self.name!r} must have at least one layer; got none")
        for i, l in enumerate(layers):
            if not isinstance(l, Layer):
                raise DesignError(f"layer {i} of design {self.name!r} must be a Layer; got "
                                  f"{type(l).__name__}")
        object.__setattr__(self, "layers", layers)
        names = [l.name for l in layers]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise DesignError(f"layer names of design {self.name!r} must be unique; repeated: "
                              f"{dup}")
        edges = []
        for e in self.edges:
            try:
                s, t = (int(e[0]), int(e[1]))
                if len(e) != 2:
                    raise TypeError
            except (TypeError, ValueError, IndexError) as exc:
                raise DesignError(f"edge of design {self.name!r} must be a pair of layer "
                                  f"indices; got {e!r}") from exc
            if not (0 <= s < t < len(layers)):
                raise DesignError(f"edge {e!r} of design {self.name!r} must satisfy 0 <= src < "
                                  f"dst < {len(layers)} (layers in data-flow order)")
            edges.append((s, t))
        if len(set(edges)) != len(edges):
            raise DesignError(f"edges of design {self.name!r} must not repeat; got {edges}")
        object.__setattr__(self, "edges", tuple(edges))
        self._check_shapes()
        object.__setattr__(self, "strategy", canonical_strategy(self.strategy))
        object.__setattr__(self, "io_type", canonical_io_type(self.io_type))
        try:
            clk = float(self.clock_period_ns)
        except (TypeError, ValueError) as e:
            raise DesignError(f"clock_period_ns of design {self.name!r} must be a positive "
                              f"number; got {self.clock_period_ns!r}") from e
        if not math.isfinite(clk) or clk <= 0:
            raise DesignError(f"clock_period_ns of design {self.name!r} must be a positive "
                              f"number; got {self.clock_period_ns!r}")
        object.__setattr__(self, "clock_period_ns", clk)
        if self.default_precision is not None and not isinstance(self.default_precision,
                                                                 Precision):
            object.__setattr__(self, "default_precision",
                               Precision.parse_optional(self.default_precision))
        for k in ("part", "hls4ml_version", "tool_version", "backend"):
            v = getattr(self, k)
            if isinstance(v, (Mapping, list, tuple, set)):  # str() would make "[1]" a part
                raise DesignError(f"{k} of design {self.name!r} must be a string; got "
                                  f"{type(v).__name__} {v!r}")
            if v is not None:
                object.__setattr__(self, k, str(v))
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "meta", _jsonable(dict(self.meta or {})))

    # ------------------------------------------------------------------ constructors
    def _check_shapes(self) -> None:
        """A layer fed by exactly one other layer must take as many elements as that layer
        gives (shapes may differ: Flatten and Reshape keep the count)."""
        preds: dict[int, list[int]] = {}
        for s, t in self.edges:
            preds.setdefault(t, []).append(s)
        for t, ss in preds.items():
            if len(ss) != 1:
                continue
            src, dst = self.layers[ss[0]], self.layers[t]
            if not src.output_shape or not dst.input_shape:
                continue
            n_out, n_in = math.prod(src.output_shape), math.prod(dst.input_shape)
            if n_out != n_in:
                raise DesignError(
                    f"input_shape {list(dst.input_shape)} of layer {dst.name!r} does not match "
                    f"output_shape {list(src.output_shape)} of layer {src.name!r} that feeds it "
                    f"in design {self.name!r} ({n_in} vs {n_out} elements)")

    @classmethod
    def chain(cls, layers: Sequence[Layer | Mapping[str, Any]], **kw: Any) -> "Design":
        """A design whose layers feed each other in order (edges ``(i, i+1)``)."""
        ls = tuple(l if isinstance(l, Layer) else Layer.from_dict(l) for l in layers)
        return cls(layers=ls, edges=tuple((i, i + 1) for i in range(len(ls) - 1)), **kw)

    # ------------------------------------------------------------------ graph helpers
    def predecessors(self, index: int) -> tuple[int, ...]:
        return tuple(s for s, t in self.edges if t == index)

    def successors(self, index: int) -> tuple[int, ...]:
        return tuple(t for s, t in self.edges if s == index)

    def layer(self, name: str) -> Layer:
        for l in self.layers:
            if l.name == name:
                return l
        raise DesignError(f"design {self.name!r} has no layer {name!r}; layers: "
                          f"{[l.name for l in self.layers]}")

    @property
    def has_skip_connections(self) -> bool:
        return any(t != s + 1 for s, t in self.edges)

    @property
    def total_parameters(self) -> int:
        return sum(l.parameters for l in self.layers)

    def fingerprint(self) -> str:
        """SHA-1 of the canonical JSON of :meth:`to_dict` (designs are unhashable dicts)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha1(blob.encode()).hexdigest()

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name, "strategy": self.strategy, "io_type": self.io_type,
            "clock_period_ns": self.clock_period_ns, "part": self.part,
            "hls4ml_version": self.hls4ml_version, "tool_version": self.tool_version,
            "backend": self.backend,
            "default_precision": None if self.default_precision is None
            else self.default_precision.to_str(),
            "layers": [l.to_dict() for l in self.layers],
            "edges": [list(e) for e in self.edges],
        }
        if self.meta:
            d["meta"] = _jsonable(self.meta)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Design":
        """Inverse of :meth:`to_dict`. Without ``edges`` the layers form a chain."""
        if not isinstance(d, Mapping):
            raise DesignError(f"a design must be a dict; got {type(d).__name__}")
        if "layers" not in d or not isinstance(d["layers"], (list, tuple)):
            raise DesignError(f"design dict must have a list 'layers'; got keys {sorted(d)}")
        known = {"name", "strategy", "io_type", "clock_period_ns", "part", "hls4ml_version",
                 "tool_version", "backend", "default_precision", "layers", "edges", "meta"}
        unknown = set(d) - known
        if unknown:
            raise DesignError(f"design dict has unknown keys {sorted(unknown)}; known: "
                              f"{sorted(known)}")
        layers = tuple(Layer.from_dict(l) for l in d["layers"])
        edges = d.get("edges")
        if edges is None:
            edges = [(i, i + 1) for i in range(len(layers) - 1)]
        kw = {k: d[k] for k in ("name", "strategy", "io_type", "clock_period_ns", "part",
                                "hls4ml_version", "tool_version", "backend", "meta")
              if d.get(k) is not None}
        if d.get("default_precision") is not None:
            kw["default_precision"] = Precision.parse_optional(d["default_precision"])
        return cls(layers=layers, edges=tuple(tuple(e) for e in edges), **kw)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def load(cls, path: str | Path) -> "Design":
        """Read a design from a ``.json``, ``.yaml`` or ``.yml`` file."""
        p = Path(path)
        try:
            text = p.read_text()
        except OSError as e:
            raise DesignError(f"cannot read design file {p}: {e}") from e
        except UnicodeDecodeError as e:
            raise DesignError(f"design file {p} is not UTF-8 text (JSON or YAML expected): "
                              f"{e}") from e
        try:
            if p.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as e:  # noqa: BLE001 - parser errors of either library
            raise DesignError(f"design file {p} is not valid {p.suffix[1:] or 'JSON'}: "
                              f"{e}") from e
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        p = Path(path)
        if p.suffix.lower() in (".yaml", ".yml"):
            p.write_text(self.to_yaml())
        else:
            p.write_text(json.dumps(self.to_dict(), indent=1))


def with_layer(design: Design, index: int, **changes: Any) -> Design:
    """A copy of ``design`` whose layer ``index`` has ``changes`` applied."""
    layers = list(design.layers)
    layers[index] = replace(layers[index], **changes)
    return replace(design, layers=tuple(layers))
