"""Argument helpers shared by the command modules."""

from __future__ import annotations

from typing import Any, Iterable


def once(pairs: Iterable[tuple[str, Any]], flag: str) -> dict[str, Any]:
    """``pairs`` as a dict; a key given twice with different values is a contradiction
    (``--size M=64 --size M=3`` used to keep the last one silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and out[key] != value:
            raise ValueError(f"{flag} {key} is given twice ({out[key]} and {value}); give it once")
        out[key] = value
    return out
