"""The mapper's exception type: the ``dse`` package's own (one exception type per package)."""

from __future__ import annotations

try:  # the cost-model issue defines the package's exception; use it when present
    from dse.errors import DSEError  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - only until dse/errors.py lands
    class DSEError(ValueError):
        """Bad input to the design-space exploration (mapper, explorer)."""

__all__ = ["DSEError"]
