"""Printing results: aligned tables for people, JSON for programs."""

from __future__ import annotations

import json
import math
import sys
from typing import Any, Iterable, Mapping, Sequence, TextIO


def to_jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars and arrays, dataclasses and paths to JSON types.

    Non-finite floats become ``None`` (JSON has no NaN or infinity).
    """
    import dataclasses
    from pathlib import Path

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "to_dict"):
            return to_jsonable(obj.to_dict())
        return to_jsonable(dataclasses.asdict(obj))
    try:  # numpy / pandas without importing them eagerly
        import numpy as np

        if isinstance(obj, np.generic):
            return to_jsonable(obj.item())
        if isinstance(obj, np.ndarray):
            return to_jsonable(obj.tolist())
    except ImportError:  # pragma: no cover
        pass
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        try:
            return to_jsonable(obj.to_dict(orient="records"))  # pandas DataFrame
        except TypeError:
            return to_jsonable(obj.to_dict())
    return str(obj)


def print_json(obj: Any, stream: TextIO | None = None) -> None:
    """Print ``obj`` as indented JSON."""
    stream = stream or sys.stdout
    json.dump(to_jsonable(obj), stream, indent=2, allow_nan=False)
    stream.write("\n")


def format_value(value: Any, digits: int = 4) -> str:
    """Format one table cell: ints with thousands separators, floats to ``digits`` significant."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) >= 1e7 or abs(value) < 1e-3):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}"
    return str(value)


def format_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None,
                 headers: Mapping[str, str] | None = None) -> str:
    """Render rows (dicts) as an aligned text table; numbers right-aligned."""
    rows = list(rows)
    if columns is None:
        columns = list(rows[0].keys()) if rows else []
    headers = headers or {}
    cells = [[format_value(r.get(c)) for c in columns] for r in rows]
    titles = [headers.get(c, c) for c in columns]
    widths = [max([len(t)] + [len(row[i]) for row in cells]) for i, t in enumerate(titles)]
    numeric = [all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows) and rows
               for c in columns]
    def line(values: Sequence[str]) -> str:
        out = []
        for i, v in enumerate(values):
            out.append(v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]))
        return "  ".join(out).rstrip()
    parts = [line(titles), "  ".join("-" * w for w in widths)]
    parts += [line(row) for row in cells]
    return "\n".join(parts)


def print_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None,
                headers: Mapping[str, str] | None = None, stream: TextIO | None = None) -> None:
    """Print rows as an aligned table (see :func:`format_table`)."""
    stream = stream or sys.stdout
    stream.write(format_table(rows, columns, headers) + "\n")
