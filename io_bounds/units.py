"""Parsing buffer capacities and sizes given by people (``64KiB``, ``4096``, ``M=1024``)."""

from __future__ import annotations

import re

from io_bounds.errors import BoundError

_BYTE_UNITS = {"b": 1, "kb": 10 ** 3, "mb": 10 ** 6, "gb": 10 ** 9,
               "kib": 2 ** 10, "mib": 2 ** 20, "gib": 2 ** 30}
_WORD_UNITS = {"": 1, "w": 1, "word": 1, "words": 1, "kw": 2 ** 10, "mw": 2 ** 20}


def parse_buffer(text: str | int | float, word_bytes: float = 2) -> int:
    """Capacity in words from ``"4096"`` / ``"4096words"`` (words) or ``"64KiB"``, ``"2MB"``
    (bytes, divided by ``word_bytes`` and rounded down). At least one word is required."""
    if isinstance(word_bytes, bool) or not isinstance(word_bytes, (int, float)) or word_bytes <= 0:
        raise BoundError(f"word_bytes must be a number of bytes > 0; got {word_bytes!r}")
    s = str(text).strip()
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)", s)
    if not m:
        raise BoundError(f"buffer must be a number of words (4096) or bytes with a unit "
                         f"(64KiB, 2MB); got {text!r}")
    value, unit = float(m.group(1)), m.group(2).lower()
    if unit in _WORD_UNITS:
        words = value * _WORD_UNITS[unit]
        if not float(words).is_integer():
            raise BoundError(f"buffer in words must be a whole number; got {text!r}")
    elif unit in _BYTE_UNITS:
        words = (value * _BYTE_UNITS[unit]) // word_bytes
    else:
        raise BoundError(f"unknown buffer unit {m.group(2)!r} in {text!r}; use words (w) or "
                         f"bytes: {', '.join(['B', 'kB', 'MB', 'GB', 'KiB', 'MiB', 'GiB'])}")
    if words < 1:
        raise BoundError(f"buffer {text!r} is smaller than one element ({word_bytes:g} bytes "
                         f"per word)")
    return int(words)


def parse_size(text: str) -> tuple[str, int]:
    """``"M=1024"`` -> ``("M", 1024)``; the size must be a positive integer."""
    if "=" not in str(text):
        raise BoundError(f"size must look like RANK=N (e.g. M=1024); got {text!r}")
    name, value = str(text).split("=", 1)
    name = name.strip()
    if not name:
        raise BoundError(f"size {text!r} names no rank")
    try:
        n = int(value.strip())
    except ValueError as e:
        raise BoundError(f"size of rank {name} must be a positive integer; got {value!r}") from e
    if n < 1:
        raise BoundError(f"size of rank {name} must be a positive integer (>= 1); got {n}")
    return name, n
