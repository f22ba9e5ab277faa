"""The open-flow exception type."""

from __future__ import annotations

try:  # the fpga package's own error type, when present, so one ``except DesignError`` catches both
    from fpga.errors import DesignError as _Base
except ImportError:  # pragma: no cover - fpga core not installed
    _Base = ValueError  # type: ignore[misc,assignment]


class OpenFlowError(_Base):  # type: ignore[misc,valid-type]
    """Bad input to the open synthesis flow (a spec, a space file, a model, a dataset folder)."""
