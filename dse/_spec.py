"""Helpers shared by the declarative specs: YAML loading, field checks, read-only dicts."""

from __future__ import annotations

import math
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from dse.errors import DSEError


def frozen_map(d: Mapping | None) -> Mapping:
    """A read-only copy of ``d`` (so frozen dataclasses stay immutable)."""
    return MappingProxyType(dict(d or {}))


def load_yaml(source: str | Path, what: str) -> Any:
    """Parse YAML text, or the file at ``source`` when it is a path (``yaml.safe_load`` only).

    ``source`` is treated as a file path when it is a :class:`~pathlib.Path` or a one-line
    string ending in ``.yaml``/``.yml``; otherwise as YAML text.
    """
    import yaml

    text = source
    one_line = isinstance(source, str) and "\n" not in source
    if isinstance(source, Path) or (one_line and (source.strip().endswith((".yaml", ".yml"))
                                                  or Path(source).exists())):
        path = Path(source)
        try:
            text = path.read_text()
        except OSError as e:
            raise DSEError(f"cannot read {what} file '{path}': {e.strerror or e}") from e
        except UnicodeDecodeError as e:
            raise DSEError(f"{what} file '{path}' is not UTF-8 text (YAML expected): {e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise DSEError(f"malformed YAML for {what}: {e}") from e
    if not isinstance(data, dict):
        if one_line and text is source and not isinstance(data, (dict, list)):
            raise DSEError(f"no {what} file named '{source}' (and as YAML text it is not a "
                           f"mapping)")
        if data is None:
            raise DSEError(f"{what} YAML is empty; expected a mapping at the top level")
        raise DSEError(f"{what} YAML must be a mapping at the top level; got {type(data).__name__}")
    return data


def dump_yaml(data: Mapping) -> str:
    import yaml

    return yaml.safe_dump(_plain(data), sort_keys=False)


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def check_keys(data: Mapping, allowed: set[str], required: set[str], what: str,
               error: type[DSEError] = DSEError) -> None:
    if not isinstance(data, Mapping):
        raise error(f"{what} must be a mapping; got {type(data).__name__} {data!r}")
    unknown = set(data) - allowed
    if unknown:
        raise error(f"unknown key(s) {sorted(unknown)} in {what}; valid keys: {sorted(allowed)}")
    missing = required - set(data)
    if missing:
        raise error(f"missing key(s) {sorted(missing)} in {what}")


def pos_int(value: Any, what: str, error: type[DSEError] = DSEError) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise error(f"{what} must be a positive integer; got {value!r}")
    return int(value)


def nonneg_float(value: Any, what: str, error: type[DSEError] = DSEError,
                 positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0 or (positive and value == 0):
        kind = "a positive" if positive else "a non-negative"
        raise error(f"{what} must be {kind} finite number; got {value!r}")
    return float(value)


def name_str(value: Any, what: str, error: type[DSEError] = DSEError) -> str:
    if not isinstance(value, str) or not value.strip():
        raise error(f"{what} must be a non-empty string; got {value!r}")
    return value


def unknown_name(kind: str, name: Any, valid) -> str:
    return f"unknown {kind} {name!r}; valid names: {', '.join(sorted(valid))}"
