"""Fixed vocabularies and numeric features of layers and designs (numpy only).

A design is packed into rows (see :mod:`surrogates.packed`): one row per layer with the raw
numbers of :data:`LAYER_COLUMNS`, a layer-type code, an activation code and its topological
level; one row per design with :data:`DESIGN_COLUMNS`, a strategy and an io_type code.
The learned models see *features* derived from those rows by :func:`node_features`,
:func:`graph_features` and :func:`flat_features`: log1p of sizes (scaled by 1/10), bit widths
scaled by 1/16, one-hot layer type and activation. Node and graph features deliberately carry
no depth or position (no level, no layer count): a layer's contribution must not depend on
how deep the network is, or the structured readout could not extrapolate to deeper designs
(measured in benchmarks/surrogates_depth.py). The flat baselines do get the depth. Vocabularies are fixed so that checkpoints
stay valid; a checkpoint stores them and refuses to load with different ones.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from .errors import SurrogateError

#: Canonical layer types (one-hot order). Quantized QKeras variants map to their float type.
LAYER_TYPES: tuple[str, ...] = (
    "Input", "Dense", "Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "SeparableConv1D", "SeparableConv2D", "Pooling1D", "Pooling2D", "GlobalPooling",
    "BatchNormalization", "Activation", "Softmax", "Add", "Concatenate", "Merge", "Flatten",
    "Reshape", "Dropout", "LSTM", "GRU", "SimpleRNN", "ZeroPadding", "UpSampling", "Transpose",
    "Embedding", "Permute", "Einsum",
)
#: Canonical activations (one-hot order); "none" for layers without one.
ACTIVATIONS: tuple[str, ...] = (
    "none", "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "leaky_relu", "selu",
    "softplus", "softsign", "hard_sigmoid", "hard_tanh", "gelu", "swish", "prelu", "bits",
)
STRATEGIES: tuple[str, ...] = ("latency", "resource", "resource_unrolled", "distributed_arithmetic")
IO_TYPES: tuple[str, ...] = ("io_parallel", "io_stream")

#: Raw numbers per layer (0 where not applicable). Sizes are element counts without the batch
#: dimension; bits are total widths of the fixed-point types; kernel / stride are products over
#: the spatial dimensions; ``n_inputs`` is the number of incoming edges.
LAYER_COLUMNS: tuple[str, ...] = (
    "in_size", "out_size", "parameters", "weight_bits", "weight_integer", "bias_bits",
    "result_bits", "accum_bits", "reuse_factor", "filters", "kernel", "stride", "in_channels",
    "n_inputs", "weight_sparsity", "in_bits", "in_value_bits",
)
#: ``weight_sparsity`` is the share of zero weights (0 when unknown); ``in_bits`` the widest
#: result width among the layer's predecessors (its own result width for an input layer);
#: ``in_value_bits`` the input width the layer's nonzero weights really see, where the design
#: knows its weights (a layer's ``value_bits`` attribute: interval analysis of open-flow
#: designs, :meth:`fpga.openflow.NetworkSpec.effective_input_bits`), else ``in_bits``. da4ml
#: sizes its adders by those real ranges, so it is the operand width of the adder feature.
#: Raw numbers per design: clock period in ns, the resources of its part (0 if unknown) and,
#: for da4ml (``distributed_arithmetic``) designs, ``combinational`` (1 for a combinational
#: netlist, 0 otherwise) and ``latency_cutoff`` (da4ml's pipeline cutoff in adder delays; 0 for
#: combinational or unknown).
DESIGN_COLUMNS: tuple[str, ...] = ("clock_ns", "part_lut", "part_ff", "part_dsp", "part_bram",
                                   "part_uram", "combinational", "latency_cutoff")

_TYPE_ALIASES = {
    "inputlayer": "Input", "input": "Input", "dense": "Dense", "qdense": "Dense",
    "densebatchnorm": "Dense", "qdensebatchnorm": "Dense", "linear": "Dense",
    "conv1d": "Conv1D", "qconv1d": "Conv1D", "conv2d": "Conv2D", "qconv2d": "Conv2D",
    "qconv2dbatchnorm": "Conv2D", "conv2dbatchnorm": "Conv2D",
    "depthwiseconv1d": "DepthwiseConv1D", "qdepthwiseconv1d": "DepthwiseConv1D",
    "depthwiseconv2d": "DepthwiseConv2D", "qdepthwiseconv2d": "DepthwiseConv2D",
    "separableconv1d": "SeparableConv1D", "qseparableconv1d": "SeparableConv1D",
    "separableconv2d": "SeparableConv2D", "qseparableconv2d": "SeparableConv2D",
    "maxpooling1d": "Pooling1D", "averagepooling1d": "Pooling1D", "pooling1d": "Pooling1D",
    "maxpooling2d": "Pooling2D", "averagepooling2d": "Pooling2D", "pooling2d": "Pooling2D",
    "globalmaxpooling1d": "GlobalPooling", "globalaveragepooling1d": "GlobalPooling",
    "globalmaxpooling2d": "GlobalPooling", "globalaveragepooling2d": "GlobalPooling",
    "globalpooling": "GlobalPooling", "globalpooling1d": "GlobalPooling",
    "globalpooling2d": "GlobalPooling",
    "batchnormalization": "BatchNormalization", "qbatchnormalization": "BatchNormalization",
    "batchnorm": "BatchNormalization",
    "activation": "Activation", "qactivation": "Activation", "relu": "Activation",
    "leakyrelu": "Activation", "prelu": "Activation", "elu": "Activation",
    "thresholdedrelu": "Activation", "parametrizedactivation": "Activation",
    "hardactivation": "Activation", "ternarytanh": "Activation", "unaryLUT".lower(): "Activation",
    "softmax": "Softmax", "add": "Add", "subtract": "Merge", "multiply": "Merge",
    "average": "Merge", "maximum": "Merge", "minimum": "Merge", "merge": "Merge", "dot": "Merge",
    "concatenate": "Concatenate", "flatten": "Flatten", "reshape": "Reshape",
    "dropout": "Dropout", "lstm": "LSTM", "qlstm": "LSTM", "gru": "GRU", "qgru": "GRU",
    "simplernn": "SimpleRNN", "qsimplernn": "SimpleRNN",
    "zeropadding1d": "ZeroPadding", "zeropadding2d": "ZeroPadding", "zeropadding": "ZeroPadding",
    "upsampling1d": "UpSampling", "upsampling2d": "UpSampling", "resize": "UpSampling",
    "transpose": "Transpose", "embedding": "Embedding", "permute": "Permute",
    "globalaveragepooling": "GlobalPooling", "globalmaxpooling": "GlobalPooling",
    "einsum": "Einsum", "einsumdense": "Einsum", "concat": "Concatenate",
    "pointwiseconv1d": "Conv1D", "pointwiseconv2d": "Conv2D", "maxpool1d": "Pooling1D",
    "maxpool2d": "Pooling2D", "avgpool1d": "Pooling1D", "avgpool2d": "Pooling2D",
    "qaveragepooling2d": "Pooling2D", "batchnorm1d": "BatchNormalization",
    "batchnorm2d": "BatchNormalization", "sigmoid": "Activation", "tanh": "Activation",
    "batchnormalizationquantizedtanh": "BatchNormalization",
}

_ACT_ALIASES = {
    "": "none", "none": "none", "linear": "linear", "identity": "linear", "relu": "relu",
    "quantized_relu": "relu", "relu6": "relu", "quantized_relu_po2": "relu",
    "sigmoid": "sigmoid", "quantized_sigmoid": "sigmoid", "hard_sigmoid": "hard_sigmoid",
    "tanh": "tanh", "quantized_tanh": "tanh", "hard_tanh": "hard_tanh", "softmax": "softmax",
    "elu": "elu", "leaky_relu": "leaky_relu", "leakyrelu": "leaky_relu", "selu": "selu",
    "softplus": "softplus", "softsign": "softsign", "gelu": "gelu", "swish": "swish",
    "silu": "swish", "prelu": "prelu", "quantized_bits": "bits", "bits": "bits",
    "binary": "bits", "ternary": "bits", "binary_tanh": "tanh", "ternary_tanh": "tanh",
    "thresholded_relu": "relu", "thresholdedrelu": "relu", "hard_swish": "swish",
    "exponential": "softplus", "po2": "bits",
}


@functools.lru_cache(maxsize=1024)
def layer_type_code(name: str) -> int:
    """Index of a layer type in :data:`LAYER_TYPES` (QKeras names map to their float type)."""
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    canon = _TYPE_ALIASES.get(key)
    if canon is None:
        canon = next((t for t in LAYER_TYPES if t.lower() == key), None)
    if canon is None:
        raise SurrogateError(f"layer type must be one of {list(LAYER_TYPES)} (or a QKeras / "
                             f"Keras alias of one); got {name!r}")
    return LAYER_TYPES.index(canon)


@functools.lru_cache(maxsize=1024)
def activation_code(name) -> int:
    """Index of an activation in :data:`ACTIVATIONS`; ``quantized_relu(4,1)`` -> relu."""
    if name is None:
        return 0
    key = str(name).strip().lower().split("(")[0].strip()
    canon = _ACT_ALIASES.get(key)
    if canon is None:
        raise SurrogateError(f"activation must be one of {list(ACTIVATIONS)} (or a QKeras "
                             f"quantized_* form); got {name!r}")
    return ACTIVATIONS.index(canon)


def strategy_code(name) -> int:
    key = str(name or "latency").strip().lower()
    if key not in STRATEGIES:
        raise SurrogateError(f"strategy must be one of {list(STRATEGIES)}; got {name!r}")
    return STRATEGIES.index(key)


def io_type_code(name) -> int:
    key = str(name or "io_parallel").strip().lower()
    if key not in IO_TYPES:
        raise SurrogateError(f"io_type must be one of {list(IO_TYPES)}; got {name!r}")
    return IO_TYPES.index(key)


# ---------------------------------------------------------------------------------------
# features from packed rows (vectorised)

_L = {c: i for i, c in enumerate(LAYER_COLUMNS)}
_D = {c: i for i, c in enumerate(DESIGN_COLUMNS)}
_LOG_COLS = ("in_size", "out_size", "parameters", "reuse_factor", "filters", "kernel",
             "in_channels")
_BIT_COLS = ("weight_bits", "weight_integer", "bias_bits", "result_bits", "accum_bits",
             "in_bits", "in_value_bits")

#: Names of the numeric node features (before the one-hots).
NODE_NUMERIC: tuple[str, ...] = (
    tuple(f"log_{c}" for c in _LOG_COLS) + tuple(f"{c}/16" for c in _BIT_COLS)
    + ("log_stride", "n_inputs", "log_mults_per_cycle", "log_weight_bits_total",
       "weight_sparsity", "log_nonzero_weight_bits", "log_adder_bits", "log_rom_bram18")
)
#: Numeric node features used by the wa-hls4ml re-implementations (the paper's inputs:
#: input/output dims, weight bits, reuse factor, filters, kernel, stride) plus the weight
#: sparsity and the real input width, which the open-flow designs vary and the paper's data
#: did not (so the side-by-side comparison on that data is about the models, not about what
#: they are told).
WA_NODE_NUMERIC: tuple[str, ...] = ("log_in_size", "log_out_size", "weight_bits/16",
                                    "log_reuse_factor", "log_filters", "log_kernel", "log_stride",
                                    "weight_sparsity", "in_value_bits/16")
GRAPH_NUMERIC: tuple[str, ...] = (
    tuple(f"strategy={s}" for s in STRATEGIES) + tuple(f"io={s}" for s in IO_TYPES)
    + ("clock_ns/10", "log_part_lut", "log_part_ff", "log_part_dsp", "log_part_bram",
       "log_part_uram", "combinational", "log_latency_cutoff", "inv_latency_cutoff")
)
#: The paper's global features (strategy, io_type) plus the da4ml design switches
#: (combinational / pipelined, latency cutoff), the open-flow analogue of strategy and io_type.
WA_GRAPH_NUMERIC: tuple[str, ...] = (tuple(f"strategy={s}" for s in STRATEGIES)
                                     + tuple(f"io={s}" for s in IO_TYPES)
                                     + ("combinational", "log_latency_cutoff",
                                        "inv_latency_cutoff"))


#: BRAM18 aspect ratios (width bits, max depth), widest first (Xilinx 7-series / UltraScale).
_BRAM18_SHAPES = ((36, 512), (18, 1024), (9, 2048), (4, 4096), (2, 8192), (1, 16384))


def rom_bram18(layer_num: np.ndarray) -> np.ndarray:
    """BRAM18 blocks a layer's weights would take as hls4ml's resource-strategy ROM: depth =
    reuse factor R, width = ceil(parameters / R) x weight bits (the vectorised form of
    :func:`fpga.estimator.bram18_for`); a feature, whether or not the design uses BRAM."""
    x = np.asarray(layer_num, dtype=np.float64)
    rf = np.clip(x[:, _L["reuse_factor"]], 1, None)
    width = np.ceil(np.clip(x[:, _L["parameters"]], 0, None) / rf) * x[:, _L["weight_bits"]]
    per = np.ones_like(rf)
    for w, depth in reversed(_BRAM18_SHAPES):
        per = np.where(rf <= depth, w, per)
    return np.where(width > 0, np.ceil(width / per) * np.maximum(1, np.ceil(rf / 16384)), 0.0)


def node_feature_names() -> tuple[str, ...]:
    return (NODE_NUMERIC + tuple(f"type={t}" for t in LAYER_TYPES)
            + tuple(f"act={a}" for a in ACTIVATIONS))


def node_features(layer_num: np.ndarray, layer_type: np.ndarray, layer_act: np.ndarray,
                  layer_level: np.ndarray) -> np.ndarray:
    """Node feature matrix, shape (n_layers_total, len(node_feature_names())), float32."""
    x = np.asarray(layer_num, dtype=np.float64)
    logs = [np.log1p(np.clip(x[:, _L[c]], 0, None)) / 10.0 for c in _LOG_COLS]
    bits = [x[:, _L[c]] / 16.0 for c in _BIT_COLS]
    rf = np.clip(x[:, _L["reuse_factor"]], 1, None)
    mults = np.log1p(np.clip(x[:, _L["parameters"]], 0, None) / rf) / 10.0
    wbits = np.log1p(np.clip(x[:, _L["parameters"]] * x[:, _L["weight_bits"]], 0, None)) / 10.0
    sparsity = np.clip(x[:, _L["weight_sparsity"]], 0.0, 1.0)
    nz_bits = np.log1p(np.clip(x[:, _L["parameters"]] * x[:, _L["weight_bits"]]
                               * (1.0 - sparsity), 0, None)) / 10.0
    # shift-and-add size of a constant multiply-accumulate: nonzero weights x weight bits x
    # operand width (real input bits + weight bits); what distributed arithmetic spends LUTs on
    adder = np.log1p(np.clip(x[:, _L["parameters"]] * (1.0 - sparsity) * x[:, _L["weight_bits"]]
                             * (x[:, _L["in_value_bits"]] + x[:, _L["weight_bits"]]), 0, None)) / 10.0
    extra = [np.log1p(np.clip(x[:, _L["stride"]], 0, None)) / 10.0, x[:, _L["n_inputs"]] / 2.0,
             mults, wbits, sparsity, nz_bits, adder, np.log1p(rom_bram18(x)) / 10.0]
    num = np.stack(logs + bits + extra, axis=1)
    n = x.shape[0]
    onehot_t = np.zeros((n, len(LAYER_TYPES)))
    onehot_t[np.arange(n), np.asarray(layer_type, dtype=np.int64)] = 1.0
    onehot_a = np.zeros((n, len(ACTIVATIONS)))
    onehot_a[np.arange(n), np.asarray(layer_act, dtype=np.int64)] = 1.0
    return np.concatenate([num, onehot_t, onehot_a], axis=1).astype(np.float32)


def graph_feature_names() -> tuple[str, ...]:
    return GRAPH_NUMERIC


def graph_features(design_num: np.ndarray, strategy: np.ndarray, io_type: np.ndarray,
                   n_layers: np.ndarray) -> np.ndarray:
    """Graph-level features, shape (n_designs, len(GRAPH_NUMERIC)), float32."""
    d = np.asarray(design_num, dtype=np.float64)
    n = d.shape[0]
    s = np.zeros((n, len(STRATEGIES)))
    s[np.arange(n), np.asarray(strategy, dtype=np.int64)] = 1.0
    io = np.zeros((n, len(IO_TYPES)))
    io[np.arange(n), np.asarray(io_type, dtype=np.int64)] = 1.0
    parts = [np.log1p(np.clip(d[:, _D[c]], 0, None)) / 10.0
             for c in ("part_lut", "part_ff", "part_dsp", "part_bram", "part_uram")]
    cutoff = np.clip(d[:, _D["latency_cutoff"]], 0, None)
    inv_cutoff = np.divide(1.0, cutoff, out=np.zeros_like(cutoff), where=cutoff > 0)
    rest = np.stack([d[:, _D["clock_ns"]] / 10.0] + parts
                    + [d[:, _D["combinational"]], np.log1p(cutoff), inv_cutoff], axis=1)
    return np.concatenate([s, io, rest], axis=1).astype(np.float32)


def column_index(names: tuple[str, ...], wanted: tuple[str, ...]) -> np.ndarray:
    """Indices of ``wanted`` feature names within ``names``."""
    idx = [names.index(w) for w in wanted]
    return np.asarray(idx, dtype=np.int64)


def flat_feature_names() -> tuple[str, ...]:
    agg = tuple(f"{a}_{c}" for c in NODE_NUMERIC for a in ("sum", "max"))
    return (GRAPH_NUMERIC + agg + tuple(f"count_{t}" for t in LAYER_TYPES)
            + tuple(f"count_act_{a}" for a in ACTIVATIONS) + ("depth",))


def flat_features(node_x: np.ndarray, layer_ptr: np.ndarray, graph_x: np.ndarray,
                  layer_level: np.ndarray) -> np.ndarray:
    """Whole-design features for the flat baselines: graph features, sum and max of every
    numeric node feature, layer-type and activation counts, depth (max level).

    Shape (n_designs, len(flat_feature_names())), float32. Every design has >= 1 layer.
    """
    starts = np.asarray(layer_ptr[:-1], dtype=np.int64)
    k = len(NODE_NUMERIC)
    num = node_x[:, :k].astype(np.float64)
    sums = np.add.reduceat(np.expm1(num * 10.0), starts, axis=0)  # sums on the raw-ish scale
    sums = np.log1p(np.clip(sums, 0, None)) / 10.0
    maxs = np.maximum.reduceat(num, starts, axis=0)
    agg = np.empty((len(starts), 2 * k))
    agg[:, 0::2] = sums
    agg[:, 1::2] = maxs
    onehots = node_x[:, len(NODE_NUMERIC):].astype(np.float64)
    counts = np.add.reduceat(onehots, starts, axis=0)
    depth = np.maximum.reduceat(np.asarray(layer_level, dtype=np.float64), starts)
    return np.concatenate([graph_x.astype(np.float64), agg, counts, depth[:, None]],
                          axis=1).astype(np.float32)
