"""JSON text of metadata (numpy scalars / arrays, paths, tuples; non-finite floats -> null)."""

from __future__ import annotations

import json
import math
from pathlib import Path


def jsonable(obj):
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    import numpy as np
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    return str(obj)


def dumps(obj) -> str:
    return json.dumps(jsonable(obj), allow_nan=False)
