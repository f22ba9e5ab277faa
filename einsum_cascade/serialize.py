"""``Cascade.to_dict`` / ``from_dict``: plain dicts for JSON and YAML.

Layout::

    {"name": str, "ranks": {name: int | "formula" | None},
     "tensors": {name: {"ranks": [rank, ...], "dtype": str | None}},
     "inputs": [...], "outputs": [...],
     "einsums": [{"output": str, "indices": ["m1+1", "p"], "expr": "max(RM[m1,p], LM[m1,p])",
                  "reduce": {"m0": "max"}}]}

Index expressions and map expressions are stored as notation strings.
"""

from __future__ import annotations

from typing import Any, Mapping

from .errors import CascadeError

_KEYS = {"name", "ranks", "tensors", "inputs", "outputs", "einsums"}


def cascade_to_dict(c) -> dict[str, Any]:
    ranks = {n: (str(r.formula) if r.formula is not None else r.size) for n, r in c.ranks.items()}
    return {
        "name": c.name,
        "ranks": ranks,
        "tensors": {n: {"ranks": list(t.ranks), "dtype": t.dtype} for n, t in c.tensors.items()},
        "inputs": list(c.inputs),
        "outputs": list(c.outputs),
        "einsums": [{"output": e.output,
                     "indices": [str(i) for i in e.output_indices],
                     "expr": str(e.expr),
                     "reduce": dict(e.reductions)} for e in c.einsums],
    }


def _need(obj: Any, kind: type, where: str) -> Any:
    if not isinstance(obj, kind):
        raise CascadeError(f"{where} must be a {kind.__name__}; got {type(obj).__name__} "
                           f"{obj!r}")
    return obj


def cascade_from_dict(data: Mapping[str, Any]):
    from .model import Cascade, Einsum, Rank, Tensor
    from .parser import parse_expr, parse_index, parse_size

    _need(data, Mapping, "cascade dict")
    unknown = set(data) - _KEYS
    if unknown:
        raise CascadeError(f"cascade dict has unknown key(s) {sorted(unknown)}; "
                           f"expected {sorted(_KEYS)}")
    missing = {"ranks", "tensors", "inputs", "outputs", "einsums"} - set(data)
    if missing:
        raise CascadeError(f"cascade dict lacks key(s) {sorted(missing)}")
    ranks = {}
    for n, v in _need(data["ranks"], Mapping, "ranks").items():
        where = f"ranks.{n}"
        try:
            if v is None or (isinstance(v, int) and not isinstance(v, bool)):
                ranks[n] = Rank(n, v)
            elif isinstance(v, str):
                f = parse_size(v)
                ranks[n] = Rank(n, f.value) if f.op == "int" else Rank(n, None, f)
            else:
                raise CascadeError(f"must be an int, a formula string or null; got {v!r}")
        except CascadeError as e:
            raise CascadeError(f"{where}: {e}") from e
    tensors = {}
    for n, t in _need(data["tensors"], Mapping, "tensors").items():
        _need(t, Mapping, f"tensors.{n}")
        rk = _need(t.get("ranks", []), list, f"tensors.{n}.ranks")
        tensors[n] = Tensor(n, tuple(rk), t.get("dtype"))
    einsums = []
    for k, e in enumerate(_need(data["einsums"], list, "einsums")):
        where = f"einsums[{k}]"
        _need(e, Mapping, where)
        try:
            idx = tuple(parse_index(_need(i, str, f"{where}.indices[]"))
                        for i in _need(e.get("indices", []), list, f"{where}.indices"))
            expr = parse_expr(_need(e.get("expr"), str, f"{where}.expr"))
            red = dict(_need(e.get("reduce") or {}, Mapping, f"{where}.reduce"))
            einsums.append(Einsum(_need(e.get("output"), str, f"{where}.output"), idx, expr, red))
        except CascadeError as err:
            raise CascadeError(f"{where}: {err}") from err
    try:
        return Cascade(tuple(einsums), tensors, ranks,
                       tuple(_need(data["inputs"], list, "inputs")),
                       tuple(_need(data["outputs"], list, "outputs")),
                       _need(data.get("name", ""), str, "name"))
    except CascadeError as err:
        if err.einsum is None:
            raise
        raise CascadeError(f"einsums[{err.einsum}]: {err}", einsum=err.einsum) from err
