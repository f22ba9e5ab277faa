"""Design spaces: YAML files that say which random networks a dataset samples.

Design ``i`` of a space is drawn from ``numpy.random.default_rng([seed, i])`` alone, so the
first ``n`` designs are the same whatever ``n`` is and whichever machine draws them: a run
with ``--n 4000`` extends one with ``--n 2000`` instead of replacing it.

Sampling (all integers inclusive):

* ``layers``: number of dense layers, uniform in ``[min, max]``;
* ``neurons``: every width (input size and each layer's neurons), log-uniform in ``[min, max]``;
* ``input_bits``, ``weight_bits``, ``act_bits``: uniform; ``input_int_bits`` uniform in
  ``[0, min(input_int_bits_max, input_bits - 2)]``, ``act_int_bits`` uniform in
  ``[1, min(act_int_bits_max, act_bits - 1)]``;
* ``sparsity``, ``bias``, ``modes``, ``latency_cutoffs``: uniform choice from the lists;
* rejection: depth is drawn once; a draw of the rest whose expected size ``n_weights * (1 - sparsity) * weight_bits`` exceeds
  ``max_nonzero_weight_bits`` is redrawn (keeps Yosys run times to tens of seconds; it makes
  the widest deep networks rare - the data card says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from fpga.openflow.errors import OpenFlowError
from fpga.openflow.network import MODES, NetworkSpec

DEFAULT_SPACE = "default_space.yaml"


def _range(d: Mapping[str, Any], key: str, lo: int, hi: int) -> tuple[int, int]:
    v = d[key]
    if (not isinstance(v, (list, tuple)) or len(v) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in v)):
        raise OpenFlowError(f"{key} of the design space must be a [min, max] pair of integers; got {v!r}")
    a, b = int(v[0]), int(v[1])
    if not lo <= a <= b <= hi:
        raise OpenFlowError(f"{key} of the design space must satisfy {lo} <= min <= max <= {hi}; got {v!r}")
    return a, b


@dataclass(frozen=True)
class DesignSpace:
    """A family of random quantized dense networks (see the module docstring for sampling)."""

    name: str
    seed: int = 0
    family: str = "xc7"
    layers: tuple[int, int] = (1, 6)
    neurons: tuple[int, int] = (8, 64)
    input_bits: tuple[int, int] = (4, 12)
    input_int_bits_max: int = 4
    weight_bits: tuple[int, int] = (2, 10)
    act_bits: tuple[int, int] = (4, 10)
    act_int_bits_max: int = 4
    sparsity: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75)
    bias: tuple[bool, ...] = (False, True)
    modes: tuple[str, ...] = MODES
    latency_cutoffs: tuple[float, ...] = (2.0, 4.0, 8.0)
    max_nonzero_weight_bits: int = 3000
    timeout_s: float = 900.0
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        if not isinstance(self.name, str) or not self.name.strip():
            raise OpenFlowError(f"name of the design space must be a non-empty string; got {self.name!r}")
        for key, lo, hi in (("layers", 1, 64), ("neurons", 1, 4096), ("input_bits", 2, 16),
                            ("weight_bits", 2, 16), ("act_bits", 2, 16)):
            object.__setattr__(self, key, _range(d, key, lo, hi))
        sp = tuple(float(s) for s in self.sparsity)
        if not sp or any(not 0 <= s < 1 for s in sp):
            raise OpenFlowError(f"sparsity of the design space must be a non-empty list of values in [0, 1); got {self.sparsity!r}")
        object.__setattr__(self, "sparsity", sp)
        object.__setattr__(self, "bias", tuple(bool(b) for b in self.bias) or (False,))
        modes = tuple(self.modes)
        if not modes or any(m not in MODES for m in modes):
            raise OpenFlowError(f"modes of the design space must be a non-empty subset of {list(MODES)}; got {self.modes!r}")
        object.__setattr__(self, "modes", modes)
        lc = tuple(float(c) for c in self.latency_cutoffs)
        if "pipelined" in modes and (not lc or any(c <= 0 for c in lc)):
            raise OpenFlowError(f"latency_cutoffs of the design space must be positive numbers; got {self.latency_cutoffs!r}")
        object.__setattr__(self, "latency_cutoffs", lc)
        if int(self.max_nonzero_weight_bits) < 1:
            raise OpenFlowError(f"max_nonzero_weight_bits of the design space must be >= 1; got {self.max_nonzero_weight_bits}")
        if not float(self.timeout_s) > 0:
            raise OpenFlowError(f"timeout_s of the design space must be > 0 seconds; got {self.timeout_s}")
        from fpga.openflow.yosys import FAMILIES

        if self.family not in FAMILIES:
            raise OpenFlowError(f"family of the design space must be one of {', '.join(FAMILIES)}; got {self.family!r}")
        smallest = self.neurons[0] ** 2 * self.layers[0] * (1 - max(sp)) * self.weight_bits[0]
        if smallest > self.max_nonzero_weight_bits:
            raise OpenFlowError(f"max_nonzero_weight_bits={self.max_nonzero_weight_bits} of the design space "
                                f"rejects even the smallest network (size {smallest:g})")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seed": int(self.seed), "family": self.family,
                "layers": list(self.layers), "neurons": list(self.neurons),
                "input_bits": list(self.input_bits), "input_int_bits_max": int(self.input_int_bits_max),
                "weight_bits": list(self.weight_bits), "act_bits": list(self.act_bits),
                "act_int_bits_max": int(self.act_int_bits_max), "sparsity": list(self.sparsity),
                "bias": list(self.bias), "modes": list(self.modes),
                "latency_cutoffs": list(self.latency_cutoffs),
                "max_nonzero_weight_bits": int(self.max_nonzero_weight_bits),
                "timeout_s": float(self.timeout_s), "description": self.description}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DesignSpace":
        if not isinstance(d, Mapping):
            raise OpenFlowError(f"a design space must be a mapping; got {type(d).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise OpenFlowError(f"unknown design-space key(s) {unknown}; valid: {sorted(known)}")
        if "name" not in d:
            raise OpenFlowError("a design space needs a 'name'")
        kw = dict(d)
        for k in ("sparsity", "bias", "modes", "latency_cutoffs"):
            if k in kw and not isinstance(kw[k], (list, tuple)):
                raise OpenFlowError(f"{k} of the design space must be a list; got {kw[k]!r}")
        return cls(**kw)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    # -- sampling ----------------------------------------------------------------------------
    def spec(self, index: int) -> NetworkSpec:
        """Design ``index`` of this space (deterministic in ``(seed, index)``)."""
        if index < 0:
            raise OpenFlowError(f"design index must be >= 0; got {index}")
        rng = np.random.default_rng([int(self.seed), int(index)])
        lo_n, hi_n = self.neurons
        n_layers = int(rng.integers(self.layers[0], self.layers[1] + 1))  # depth stays uniform
        for _ in range(10_000):
            u = rng.random(n_layers + 1)
            widths = tuple(int(min(hi_n, np.floor(np.exp(np.log(lo_n) + ui * (np.log(hi_n + 1) - np.log(lo_n))))))
                           for ui in u)
            wb = int(rng.integers(self.weight_bits[0], self.weight_bits[1] + 1))
            sp = float(self.sparsity[int(rng.integers(len(self.sparsity)))])
            n_w = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
            ib = int(rng.integers(self.input_bits[0], self.input_bits[1] + 1))
            ab = int(rng.integers(self.act_bits[0], self.act_bits[1] + 1))
            iib = int(rng.integers(0, max(0, min(self.input_int_bits_max, ib - 2)) + 1))
            aib = int(rng.integers(1, max(1, min(self.act_int_bits_max, ab - 1)) + 1))
            bias = bool(self.bias[int(rng.integers(len(self.bias)))])
            mode = self.modes[int(rng.integers(len(self.modes)))]
            cutoff = (float(self.latency_cutoffs[int(rng.integers(len(self.latency_cutoffs)))])
                      if mode == "pipelined" else None)
            wseed = int(rng.integers(0, 2**31 - 1))
            if n_w * (1 - sp) * wb <= self.max_nonzero_weight_bits:
                return NetworkSpec(widths=widths, input_bits=ib, input_int_bits=iib, weight_bits=wb,
                                   act_bits=ab, act_int_bits=aib, sparsity=sp, bias=bias, mode=mode,
                                   latency_cutoff=cutoff, seed=wseed)
        raise OpenFlowError(f"design space {self.name!r} rejected 10000 draws for design {index}; "
                            f"raise max_nonzero_weight_bits")

    def specs(self, n: int, start: int = 0) -> list[NetworkSpec]:
        return [self.spec(i) for i in range(start, start + n)]


def load_space(path: str | Path) -> DesignSpace:
    """Read a design space from YAML (``yaml.safe_load``); ``"default"`` is the shipped one."""
    import yaml

    if str(path) == "default":
        text = resources.files("fpga.openflow").joinpath(DEFAULT_SPACE).read_text()
        where = f"fpga/openflow/{DEFAULT_SPACE}"
    else:
        p = Path(path)
        if not p.is_file():
            raise OpenFlowError(f"design space file {p} does not exist")
        text, where = p.read_text(), str(p)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise OpenFlowError(f"design space {where} is not valid YAML: {e}") from e
    try:
        return DesignSpace.from_dict(data)
    except TypeError as e:
        raise OpenFlowError(f"design space {where}: {e}") from e


def default_space() -> DesignSpace:
    """The space of the shipped dataset (``fpga/openflow/default_space.yaml``)."""
    return load_space("default")
