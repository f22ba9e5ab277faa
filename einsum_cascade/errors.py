"""The one exception type of :mod:`einsum_cascade`."""

from __future__ import annotations


class CascadeError(ValueError):
    """A cascade, Einsum, index expression or size is malformed or inconsistent.

    ``einsum`` is the position of the offending Einsum in its cascade (``None`` when the
    error is not tied to one Einsum); the parser uses it to name the source line.
    """

    def __init__(self, message: str, *, einsum: int | None = None) -> None:
        super().__init__(message)
        self.einsum = einsum


class CascadeParseError(CascadeError):
    """Text that is not valid cascade notation; the message names line and column and
    shows the offending text with a caret under the column."""

    def __init__(self, message: str, *, line: int, column: int, text: str) -> None:
        caret = " " * max(column - 1, 0) + "^"
        super().__init__(f"line {line}, column {column}: {message}\n  {text}\n  {caret}")
        self.line = line
        self.column = column
        self.text = text
        self.reason = message
