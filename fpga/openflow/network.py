"""Quantized dense networks: the unit of work of the open flow.

A :class:`NetworkSpec` says everything needed to rebuild one design bit for bit: layer widths,
fixed-point formats of input, weights and hidden activations, weight sparsity, the seed of the
random weights (or explicit integer weights from a user's model), and how the RTL is built
(combinational, or pipelined at a da4ml latency cutoff).

Fixed-point formats follow the ``(k, i, f)`` convention of da4ml / hls4ml ``ap_fixed``:
``k`` sign bit (0/1), ``i`` integer bits without the sign, ``f`` fractional bits; the total
width is ``k + i + f`` bits and the value grid is ``2**-f``.

* input: signed, ``input_bits`` total, ``input_int_bits`` integer bits;
* weights: signed, ``weight_bits`` total, values ``w_int * 2**-weight_frac_bits`` with
  ``w_int`` in ``[-2**(weight_bits-1), 2**(weight_bits-1))``;
* biases (optional): on the same grid as the weights and the same range;
* hidden activations: ReLU then unsigned ``act_bits`` with ``act_int_bits`` integer bits,
  truncation (``TRN``) and wrap-around (``WRAP``) - the ``ap_ufixed`` default;
* the last layer is linear and kept at full precision (no rounding, no overflow).

:func:`reference_forward` evaluates exactly that network in numpy (float64 is exact here: no
value needs more than 53 significant bits at these widths); the traced da4ml design must
agree with it bit for bit (:func:`fpga.openflow.codegen.check_bit_exact`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from fpga.openflow.errors import OpenFlowError

MODES = ("combinational", "pipelined")

#: Bounds that keep designs inside what the flow is validated for (float64 exactness,
#: Yosys run times): input/activation 2-16 bits, weights 2-16 bits, widths 1-4096.
_MAX_BITS = 16
_MAX_WIDTH = 4096


def _int_tuple(value: Any, what: str) -> tuple[int, ...]:
    try:
        out = tuple(int(v) for v in value)
    except (TypeError, ValueError) as e:
        raise OpenFlowError(f"{what} of NetworkSpec must be a sequence of integers; got {value!r}") from e
    return out


@dataclass(frozen=True)
class NetworkSpec:
    """One quantized dense network plus how its RTL is built.

    ``widths`` has ``n_layers + 1`` entries: the input size, then each dense layer's number of
    neurons. ``latency_cutoff`` is da4ml's pipelining cutoff in its adder-delay units (only for
    ``mode="pipelined"``; ``None`` otherwise). ``weights``/``biases`` (integer numerators on
    the ``2**-weight_frac_bits`` grid), when given, replace the random weights drawn from
    ``seed`` (used for a user's trained model).
    """

    widths: tuple[int, ...]
    input_bits: int = 8
    input_int_bits: int = 3
    weight_bits: int = 6
    weight_frac_bits: int | None = None
    act_bits: int = 8
    act_int_bits: int = 3
    sparsity: float = 0.0
    bias: bool = False
    mode: str = "combinational"
    latency_cutoff: float | None = None
    seed: int = 0
    weights: tuple[tuple[tuple[int, ...], ...], ...] | None = field(default=None, repr=False)
    biases: tuple[tuple[int, ...], ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        widths = _int_tuple(self.widths, "widths")
        object.__setattr__(self, "widths", widths)
        if len(widths) < 2:
            raise OpenFlowError(f"widths of NetworkSpec must have at least 2 entries (input and one "
                                f"layer); got {widths}")
        if any(w < 1 or w > _MAX_WIDTH for w in widths):
            raise OpenFlowError(f"widths of NetworkSpec must lie in 1..{_MAX_WIDTH}; got {widths}")
        for name in ("input_bits", "weight_bits", "act_bits"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or not 2 <= int(v) <= _MAX_BITS:
                raise OpenFlowError(f"{name} of NetworkSpec must be an integer in 2..{_MAX_BITS}; got {v!r}")
            object.__setattr__(self, name, int(v))
        if not 0 <= int(self.input_int_bits) <= self.input_bits - 1:
            raise OpenFlowError(f"input_int_bits of NetworkSpec must be in 0..input_bits-1="
                                f"{self.input_bits - 1} (one bit is the sign); got {self.input_int_bits}")
        if not 0 <= int(self.act_int_bits) <= self.act_bits:
            raise OpenFlowError(f"act_int_bits of NetworkSpec must be in 0..act_bits={self.act_bits}; "
                                f"got {self.act_int_bits}")
        object.__setattr__(self, "input_int_bits", int(self.input_int_bits))
        object.__setattr__(self, "act_int_bits", int(self.act_int_bits))
        wf = self.weight_bits - 1 if self.weight_frac_bits is None else int(self.weight_frac_bits)
        if not -8 <= wf <= 24:
            raise OpenFlowError(f"weight_frac_bits of NetworkSpec must be in -8..24; got {wf}")
        object.__setattr__(self, "weight_frac_bits", wf)
        if not 0.0 <= float(self.sparsity) < 1.0:
            raise OpenFlowError(f"sparsity of NetworkSpec must be in [0, 1); got {self.sparsity!r}")
        object.__setattr__(self, "sparsity", float(self.sparsity))
        if self.mode not in MODES:
            raise OpenFlowError(f"mode of NetworkSpec must be one of {', '.join(MODES)}; got {self.mode!r}")
        if self.mode == "pipelined":
            if self.latency_cutoff is None or not float(self.latency_cutoff) > 0:
                raise OpenFlowError(f"latency_cutoff of a pipelined NetworkSpec must be > 0 (da4ml "
                                    f"adder-delay units); got {self.latency_cutoff!r}")
            object.__setattr__(self, "latency_cutoff", float(self.latency_cutoff))
        elif self.latency_cutoff is not None:
            raise OpenFlowError(f"latency_cutoff of a combinational NetworkSpec must be None; got "
                                f"{self.latency_cutoff!r}")
        object.__setattr__(self, "bias", bool(self.bias))
        object.__setattr__(self, "seed", int(self.seed))
        if self.weights is not None:
            ws = tuple(tuple(_int_tuple(row, "weights rows") for row in w) for w in self.weights)
            for li, (w, a, b) in enumerate(zip(ws, widths[:-1], widths[1:])):
                if len(w) != a or any(len(r) != b for r in w):
                    raise OpenFlowError(f"weights[{li}] of NetworkSpec must have shape ({a}, {b}); got "
                                        f"({len(w)}, {len(w[0]) if w else 0})")
            if len(ws) != len(widths) - 1:
                raise OpenFlowError(f"weights of NetworkSpec must hold {len(widths) - 1} matrices; got {len(ws)}")
            lo, hi = -(2 ** (self.weight_bits - 1)), 2 ** (self.weight_bits - 1) - 1
            flat = [v for w in ws for r in w for v in r]
            if flat and (min(flat) < lo or max(flat) > hi):
                raise OpenFlowError(f"weights of NetworkSpec must be integers in [{lo}, {hi}] for "
                                    f"{self.weight_bits}-bit weights; got range [{min(flat)}, {max(flat)}]")
            object.__setattr__(self, "weights", ws)
        if self.biases is not None:
            bs = tuple(_int_tuple(b, "biases") for b in self.biases)
            if [len(b) for b in bs] != list(widths[1:]):
                raise OpenFlowError(f"biases of NetworkSpec must have lengths {list(widths[1:])}; got "
                                    f"{[len(b) for b in bs]}")
            object.__setattr__(self, "biases", bs)
            object.__setattr__(self, "bias", True)

    # -- derived -----------------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of dense layers (weight matrices)."""
        return len(self.widths) - 1

    @property
    def input_frac_bits(self) -> int:
        return self.input_bits - 1 - self.input_int_bits

    @property
    def act_frac_bits(self) -> int:
        return self.act_bits - self.act_int_bits

    @property
    def architecture(self) -> str:
        """Layer widths joined by ``-`` (``"16-32-5"``), the grouping key of splits."""
        return "-".join(str(w) for w in self.widths)

    @property
    def n_weights(self) -> int:
        return int(sum(a * b for a, b in zip(self.widths[:-1], self.widths[1:])))

    def to_dict(self) -> dict[str, Any]:
        d = {
            "widths": list(self.widths), "input_bits": self.input_bits,
            "input_int_bits": self.input_int_bits, "weight_bits": self.weight_bits,
            "weight_frac_bits": self.weight_frac_bits, "act_bits": self.act_bits,
            "act_int_bits": self.act_int_bits, "sparsity": self.sparsity, "bias": self.bias,
            "mode": self.mode, "latency_cutoff": self.latency_cutoff, "seed": self.seed,
        }
        if self.weights is not None:
            d["weights"] = [[list(r) for r in w] for w in self.weights]
        if self.biases is not None:
            d["biases"] = [list(b) for b in self.biases]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "NetworkSpec":
        if not isinstance(d, Mapping):
            raise OpenFlowError(f"a NetworkSpec must be built from a mapping; got {type(d).__name__}")
        known = {"widths", "input_bits", "input_int_bits", "weight_bits", "weight_frac_bits",
                 "act_bits", "act_int_bits", "sparsity", "bias", "mode", "latency_cutoff", "seed",
                 "weights", "biases"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise OpenFlowError(f"unknown NetworkSpec field(s) {unknown}; valid: {sorted(known)}")
        if "widths" not in d:
            raise OpenFlowError("NetworkSpec needs 'widths' (input size then each layer's neurons)")
        return cls(**dict(d))

    def design_id(self) -> str:
        """Content hash (16 hex digits) of the spec: same spec, same id, on any machine."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # -- numbers -----------------------------------------------------------------------------
    def integer_weights(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Integer numerators of weights ``(n_in, n_out)`` and biases ``(n_out,)`` per layer.

        Random weights are uniform over the ``weight_bits`` signed range, then each entry is
        zeroed with probability ``sparsity``; the stream comes from ``numpy.random.default_rng(seed)``
        so the same spec always yields the same weights.
        """
        if self.weights is not None:
            ws = [np.array(w, dtype=np.int64).reshape(a, b)
                  for w, a, b in zip(self.weights, self.widths[:-1], self.widths[1:])]
            bs: list[np.ndarray | None] = ([np.array(b, dtype=np.int64) for b in self.biases]
                                           if self.biases is not None else [None] * len(ws))
            return ws, bs
        rng = np.random.default_rng(self.seed)
        half = 2 ** (self.weight_bits - 1)
        ws, bs = [], []
        for a, b in zip(self.widths[:-1], self.widths[1:]):
            w = rng.integers(-half, half, size=(a, b), dtype=np.int64)
            if self.sparsity > 0:
                w[rng.random((a, b)) < self.sparsity] = 0
            ws.append(w)
            bs.append(rng.integers(-half, half, size=b, dtype=np.int64) if self.bias else None)
        return ws, bs

    def float_weights(self) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Weights and biases as exact float64 values (numerators times ``2**-weight_frac_bits``)."""
        scale = 2.0 ** -self.weight_frac_bits
        ws, bs = self.integer_weights()
        return [w * scale for w in ws], [None if b is None else b * scale for b in bs]

    def weight_digest(self) -> str:
        """SHA-256 (16 hex digits) of the integer weights and biases: proves a rebuild is identical."""
        h = hashlib.sha256()
        ws, bs = self.integer_weights()
        for w, b in zip(ws, bs):
            h.update(np.ascontiguousarray(w, dtype=np.int64).tobytes())
            if b is not None:
                h.update(np.ascontiguousarray(b, dtype=np.int64).tobytes())
        return h.hexdigest()[:16]

    def nonzero_weight_bits(self) -> int:
        """Sum over nonzero weights of ``weight_bits``: a size measure known before synthesis."""
        ws, _ = self.integer_weights()
        return int(sum(int(np.count_nonzero(w)) for w in ws) * self.weight_bits)

    def input_value_bits(self) -> list[np.ndarray]:
        """Bits each input of each layer really needs (one array of ``widths[i]`` per layer).

        Interval analysis through the weights: the network input spans its whole signed grid
        (``input_bits``); a hidden neuron's value lies in ``[0, relu(max pre-activation))``
        truncated to the activation grid, or the whole unsigned activation range when that
        maximum reaches the wrap-around. A neuron that can only be 0 needs 0 bits. Small or
        sparse weights make many hidden values narrower than ``act_bits``, and da4ml sizes
        its adders by these ranges, not by the declared types.
        """
        ws, bs = self.float_weights()
        ulp = 2.0 ** -self.input_frac_bits
        lo = np.full(self.widths[0], -(2.0 ** self.input_int_bits))
        hi = -lo - ulp
        out = [np.full(self.widths[0], float(self.input_bits))]
        a_ulp, top = 2.0 ** -self.act_frac_bits, 2.0 ** self.act_int_bits
        for w, b in zip(ws[:-1], bs[:-1]):
            wp, wn = np.maximum(w, 0.0), np.minimum(w, 0.0)
            peak = hi @ wp + lo @ wn + (0.0 if b is None else b)
            hi = np.floor(np.maximum(peak, 0.0) / a_ulp) * a_ulp
            hi = np.where(hi >= top, top - a_ulp, hi)
            lo = np.zeros_like(hi)
            levels = np.rint(hi / a_ulp)  # unsigned integer codes 0 .. levels
            out.append(np.where(levels > 0, np.floor(np.log2(np.maximum(levels, 1.0))) + 1, 0.0))
        return out

    def effective_input_bits(self) -> list[float]:
        """Per layer: mean of :meth:`input_value_bits` over its nonzero weights (each weight's
        input), i.e. the width of the typical shift-add operand; 0 for an all-zero layer."""
        ws, _ = self.integer_weights()
        out = []
        for w, bits in zip(ws, self.input_value_bits()):
            nnz = np.count_nonzero(w, axis=1).astype(float)
            out.append(float(nnz @ bits / nnz.sum()) if nnz.sum() else 0.0)
        return out

    def random_inputs(self, n: int, seed: int = 0) -> np.ndarray:
        """``(n, widths[0])`` inputs covering the whole input grid, corners included."""
        lo, hi = -(2 ** (self.input_bits - 1)), 2 ** (self.input_bits - 1)
        rng = np.random.default_rng(seed)
        x = rng.integers(lo, hi, size=(max(n, 2), self.widths[0])).astype(np.float64)
        x[0, :] = lo
        x[1, :] = hi - 1
        return x * 2.0 ** -self.input_frac_bits


def relu_quantize(x: np.ndarray, int_bits: int, frac_bits: int) -> np.ndarray:
    """ReLU, truncate to ``2**-frac_bits``, wrap into ``[0, 2**int_bits)`` (``ap_ufixed`` TRN/WRAP)."""
    y = np.maximum(x, 0.0)
    y = np.floor(y * 2.0 ** frac_bits) * 2.0 ** -frac_bits
    return np.mod(y, 2.0 ** int_bits)


def reference_forward(spec: NetworkSpec, x: np.ndarray) -> np.ndarray:
    """Exact numpy evaluation of the quantized network on inputs ``x`` of shape ``(n, widths[0])``.

    Hidden layers: ``relu_quantize(x @ W + b)``; last layer: ``x @ W + b`` at full precision.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != spec.widths[0]:
        raise OpenFlowError(f"inputs of reference_forward must have shape (n, {spec.widths[0]}); got {x.shape}")
    ws, bs = spec.float_weights()
    h = x
    for li, (w, b) in enumerate(zip(ws, bs)):
        h = h @ w
        if b is not None:
            h = h + b
        if li < len(ws) - 1:
            h = relu_quantize(h, spec.act_int_bits, spec.act_frac_bits)
    return h


def spec_from_float_weights(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray | None] | None,
                            *, weight_bits: int, **kw: Any) -> NetworkSpec:
    """Quantize trained float weights (``(n_in, n_out)`` per layer) to a :class:`NetworkSpec`.

    One power-of-two scale for the whole network: ``weight_frac_bits`` is the largest ``f``
    with ``max|w| * 2**f < 2**(weight_bits-1)``; values are rounded to nearest and clipped.
    """
    ws = [np.asarray(w, dtype=np.float64) for w in weights]
    if not ws or any(w.ndim != 2 for w in ws):
        raise OpenFlowError("weights must be a non-empty list of 2-D (n_in, n_out) arrays")
    for li in range(1, len(ws)):
        if ws[li].shape[0] != ws[li - 1].shape[1]:
            raise OpenFlowError(f"weights[{li}] has {ws[li].shape[0]} inputs but layer {li - 1} has "
                                f"{ws[li - 1].shape[1]} outputs")
    bl = list(biases) if biases is not None else [None] * len(ws)
    vals = [np.abs(w).max() for w in ws] + [np.abs(b).max() for b in bl if b is not None]
    amax = max(float(v) for v in vals) or 1.0
    half = 2 ** (weight_bits - 1)
    frac = int(np.floor(np.log2((half - 1) / amax))) if amax > 0 else weight_bits - 1
    frac = max(-8, min(24, frac))
    scale = 2.0 ** frac

    def q(a: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(a * scale), -half, half - 1).astype(np.int64)

    widths = (ws[0].shape[0],) + tuple(w.shape[1] for w in ws)
    iw = tuple(tuple(tuple(int(v) for v in row) for row in q(w)) for w in ws)
    ib = None
    if any(b is not None for b in bl):
        ib = tuple(tuple(int(v) for v in (q(np.asarray(b, dtype=np.float64)) if b is not None
                                           else np.zeros(n, dtype=np.int64)))
                   for b, n in zip(bl, widths[1:]))
    return NetworkSpec(widths=widths, weight_bits=weight_bits, weight_frac_bits=frac,
                       weights=iw, biases=ib, **kw)
