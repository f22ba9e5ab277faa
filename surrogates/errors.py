"""The one exception type of the ``surrogates`` package."""

from __future__ import annotations


class SurrogateError(ValueError):
    """Bad input to a surrogate: data, split, model name, checkpoint or design.

    Messages read "<what> of <owner> must be <expected>; got <value>".
    """
