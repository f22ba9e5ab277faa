import io
import json
import math

import numpy as np

from fusebound.output import format_table, print_json, to_jsonable


def test_json_converts_numpy_and_nonfinite():
    data = {"a": np.int64(3), "b": np.float32(0.5), "c": float("nan"), "d": np.arange(2)}
    buf = io.StringIO()
    print_json(data, buf)
    assert json.loads(buf.getvalue()) == {"a": 3, "b": 0.5, "c": None, "d": [0, 1]}


def test_table_aligns_numbers_right():
    text = format_table([{"name": "x", "v": 1}, {"name": "long", "v": 12345}])
    lines = text.splitlines()
    assert lines[0].split() == ["name", "v"]
    assert lines[2].endswith("     1") and lines[3].endswith("12,345")
    assert len({len(l) for l in lines[2:]}) == 1
