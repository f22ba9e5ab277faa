"""Exceptions of the :mod:`dse` package (all subclass :class:`ValueError`)."""

from __future__ import annotations


class DSEError(ValueError):
    """Invalid architecture, workload or cost-model input."""


class MappingError(DSEError):
    """A mapping that is malformed, does not match its cascade, or does not fit the hardware."""
