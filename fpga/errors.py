"""The one exception type of the :mod:`fpga` package."""

from __future__ import annotations


class DesignError(ValueError):
    """Invalid hls4ml design, precision, part, record or report.

    Messages say what was wrong, of what, what was expected and what was got.
    """
