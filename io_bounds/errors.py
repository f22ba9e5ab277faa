"""The one exception type of :mod:`io_bounds`."""

from __future__ import annotations


class BoundError(ValueError):
    """Bad input to a bound, curve or simulation (sizes, buffers, names, variants)."""
