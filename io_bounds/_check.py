"""Validation helpers shared by the bound, curve and simulator modules."""

from __future__ import annotations

import math
import numbers
from typing import Any, Mapping

from io_bounds.errors import BoundError


def positive_int(value: Any, what: str) -> int:
    """Return ``value`` as an int if it is an integer >= 1, else raise :class:`BoundError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) \
                and math.isfinite(float(value)) and float(value).is_integer():
            value = int(value)
        else:
            raise BoundError(f"{what} must be a positive integer; got {value!r}")
    value = int(value)
    if value < 1:
        raise BoundError(f"{what} must be a positive integer (>= 1); got {value}")
    return value


def positive_words(value: Any, what: str = "fast_memory_words") -> float:
    """A fast-memory capacity in words: a finite real >= 1 (one word holds one element)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BoundError(f"{what} must be a number of words >= 1; got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 1:
        raise BoundError(f"{what} must be a finite number of words >= 1 (a buffer must hold at "
                         f"least one element); got {value!r}")
    return v


def positive_real(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(float(value)) or float(value) <= 0:
        raise BoundError(f"{what} must be a finite number > 0; got {value!r}")
    return float(value)


def sizes_dict(sizes: Mapping[str, Any] | None, what: str = "sizes") -> dict[str, int]:
    """Validate a rank -> size mapping (every size a positive integer)."""
    if sizes is None:
        return {}
    if not isinstance(sizes, Mapping):
        raise BoundError(f"{what} must be a mapping rank -> positive integer; got {sizes!r}")
    return {str(k): positive_int(v, f"size of rank {k!r}") for k, v in sizes.items()}
