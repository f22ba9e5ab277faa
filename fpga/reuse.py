"""hls4ml's rule for valid reuse factors.

For a layer that multiplies an ``n_in``-vector by an ``n_in x n_out`` matrix (Dense:
``n_in``, ``n_out``; Conv1D: ``n_chan*filt_width``, ``n_filt``; Conv2D:
``n_chan*filt_height*filt_width``, ``n_filt``; LSTM/GRU: ``n_in``, ``gates*n_out`` for the kernel
and ``n_out``, ``gates*n_out`` for the recurrent kernel), a reuse factor ``rf`` in
``1 .. n_in*n_out`` is valid when (hls4ml ``FPGABackend._validate_reuse_factor``)::

    multiplier_limit = ceil(n_in*n_out / min(n_in, rf))
    (multiplier_limit % n_out == 0 or rf >= n_in)
    and (rf % n_in == 0 or rf < n_in)
    and (n_in*n_out) % rf == 0

An invalid requested ``rf`` is replaced by the closest valid one (ties go to the smaller); the
``resource_unrolled`` strategy excludes the largest valid value. hls4ml applies the rule to the
Resource (and resource_unrolled) strategies; records made with hls4ml 0.8 show it applied under
Latency as well.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from functools import lru_cache
from dataclasses import dataclass

from fpga.errors import DesignError


#: Largest n_in / n_out a reuse-factor check accepts (far beyond any FPGA layer; the
#: divisor search below is O(sqrt(n_in) + sqrt(n_out))).
MAX_LAYER_SIZE = 2 ** 40


def _check(n_in: int, n_out: int) -> None:
    for k, v in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise DesignError(f"{k} of a reuse-factor check must be a positive int; got {v!r}")
        if v > MAX_LAYER_SIZE:
            raise DesignError(f"{k} of a reuse-factor check must be at most 2**40; got {v}")


def _divisors(n: int) -> set[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return set(small) | {n // d for d in small}


def is_valid_reuse_factor(n_in: int, n_out: int, rf: int) -> bool:
    """hls4ml's validity test of ``rf`` for an ``n_in x n_out`` multiplication."""
    _check(n_in, n_out)
    if rf < 1 or rf > n_in * n_out:
        return False
    multfactor = min(n_in, rf)
    multiplier_limit = -(-(n_in * n_out) // multfactor)
    ok = (multiplier_limit % n_out == 0) or rf >= n_in
    ok = ok and (rf % n_in == 0 or rf < n_in)
    return ok and (n_in * n_out) % rf == 0


def valid_reuse_factors(n_in: int, n_out: int) -> list[int]:
    """All valid reuse factors, ascending (only divisors of ``n_in*n_out`` can qualify)."""
    _check(n_in, n_out)
    return list(_valid(n_in, n_out))


@lru_cache(maxsize=4096)
def _valid(n_in: int, n_out: int) -> tuple[int, ...]:
    # every divisor of n_in*n_out is a product of a divisor of n_in and one of n_out: two
    # searches to sqrt(n) instead of one to sqrt(n_in*n_out) (which hung at 1e11 x 1e11)
    din, dout = _divisors(n_in), _divisors(n_out)
    divisors = {a * b for a in din for b in dout}
    return tuple(sorted(rf for rf in divisors if is_valid_reuse_factor(n_in, n_out, rf)))


def closest_reuse_factor(valid: list[int], requested: int) -> int:
    """The valid value nearest ``requested``; ties go to the smaller (hls4ml's choice)."""
    if not valid:
        raise DesignError("no valid reuse factors to choose from")
    pos = bisect_left(valid, requested)
    if pos == 0:
        return valid[0]
    if pos == len(valid):
        return valid[-1]
    before, after = valid[pos - 1], valid[pos]
    return after if after - requested < requested - before else before


@dataclass(frozen=True)
class ReuseCheck:
    """Outcome of checking a requested reuse factor: ``used`` is what hls4ml would use."""

    n_in: int
    n_out: int
    requested: int
    used: int
    valid: tuple[int, ...]

    @property
    def is_valid(self) -> bool:
        return self.requested == self.used

    def message(self, layer: str = "layer") -> str:
        if self.is_valid:
            return f"ReuseFactor={self.requested} of {layer} is valid"
        shown = ",".join(map(str, self.valid[:40])) + (",..." if len(self.valid) > 40 else "")
        return (f"invalid ReuseFactor={self.requested} in {layer} (n_in={self.n_in}, "
                f"n_out={self.n_out}); hls4ml uses ReuseFactor={self.used} instead. Valid: "
                f"{shown}")


def check_reuse_factor(n_in: int, n_out: int, requested: int,
                       include_max_rf: bool = True) -> ReuseCheck:
    """Apply hls4ml's ``set_closest_reuse_factor`` to a requested value."""
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise DesignError(f"requested reuse factor must be a positive int; got {requested!r}")
    valid = valid_reuse_factors(n_in, n_out)
    if not include_max_rf and len(valid) > 1:
        valid = valid[:-1]
    used = requested if requested in valid else closest_reuse_factor(valid, requested)
    return ReuseCheck(n_in=n_in, n_out=n_out, requested=requested, used=used, valid=tuple(valid))


def mult_size(layer) -> list[tuple[int, int]]:
    """``(n_in, n_out)`` of each weight multiplication of a :class:`fpga.Layer` (hls4ml's
    ``get_layer_mult_size``); ``[]`` for layers without weights."""
    import math

    t = layer.type
    a = layer.attrs
    if t == "Dense":
        return [(layer.n_in, layer.n_out)]
    if t in ("Conv1D", "Conv2D"):
        kernel = a.get("kernel_size") or [1]
        kernel = kernel if isinstance(kernel, list) else [kernel]
        chan = int(a.get("channels") or (layer.input_shape[-1] if layer.input_shape else 1))
        filt = int(a.get("filters") or (layer.output_shape[-1] if layer.output_shape else 1))
        return [(chan * math.prod(int(k) for k in kernel), filt)]
    if t in ("LSTM", "GRU", "SimpleRNN"):
        gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[t]
        units = int(a.get("units") or (layer.output_shape[-1] if layer.output_shape else 1))
        n_in = int(a.get("n_in") or (layer.input_shape[-1] if layer.input_shape else 1))
        return [(n_in, gates * units), (units, gates * units)]
    return []
