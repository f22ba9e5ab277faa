"""Expression trees of an Einsum's map: tensor accesses, constants, size references,
unary and binary operators.

Binary operators: ``*``, ``+``, ``-``, ``/`` (infix) and ``max``, ``min`` (calls).
Unary operators: ``exp``, ``neg``, ``recip``, ``sqrt``, ``relu`` and any operator added
with :func:`register_unary`. Every node is a frozen dataclass; ``str(node)`` prints the
notation the parser reads back to an equal node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator, Union

import numpy as np

from .errors import CascadeError
from .index import Affine

#: Binary operator -> op-count kind.
BINARY_OPS: dict[str, str] = {"*": "mul", "+": "add", "-": "add", "/": "div",
                              "max": "max", "min": "min"}
INFIX = ("*", "+", "-", "/")
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}

#: Unary operator -> (vectorised numpy function, op-count kind).
_UNARY: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "exp": (np.exp, "exp"),
    "neg": (np.negative, "neg"),
    "recip": (np.reciprocal, "div"),
    "sqrt": (np.sqrt, "sqrt"),
    "relu": (lambda x: np.maximum(x, 0.0), "relu"),
}
RESERVED = frozenset({"max", "min", "inf", "nan", "reduce", "with"})


def register_unary(name: str, func: Callable[[np.ndarray], np.ndarray],
                   kind: str | None = None) -> None:
    """Add a unary operator usable as ``name(x)`` in the notation.

    ``func`` maps a float numpy array to one of the same shape (vectorised); ``kind`` is the
    op-count kind the analysis books it under (default: ``name``).
    """
    if not name.isidentifier() or not name[0].islower() or name in RESERVED:
        raise CascadeError(f"unary operator name must be a lower-case identifier other than "
                           f"{sorted(RESERVED)}; got {name!r}")
    if not callable(func):
        raise CascadeError(f"unary operator {name!r} needs a callable; got {func!r}")
    _UNARY[name] = (func, kind or name)


def unary_ops() -> tuple[str, ...]:
    """Names of the known unary operators (built-in and registered)."""
    return tuple(_UNARY)


def unary_func(name: str) -> Callable[[np.ndarray], np.ndarray]:
    return _UNARY[name][0]


def unary_kind(name: str) -> str:
    return _UNARY[name][1]


@dataclass(frozen=True)
class Access:
    """Read of ``tensor`` at ``indices`` (one affine expression per rank of the tensor)."""

    tensor: str
    indices: tuple[Affine, ...]

    def __str__(self) -> str:
        return f"{self.tensor}[{','.join(str(i) for i in self.indices)}]"

    @property
    def variables(self) -> tuple[str, ...]:
        out: list[str] = []
        for ix in self.indices:
            out += [v for v in ix.variables if v not in out]
        return tuple(out)


@dataclass(frozen=True)
class Const:
    """A floating-point constant (``0``, ``-inf``, ``1e-05``)."""

    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))

    def __str__(self) -> str:
        v = self.value
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)

    def __eq__(self, other: object) -> bool:  # nan == nan for round-trips
        if not isinstance(other, Const):
            return NotImplemented
        return self.value == other.value or (math.isnan(self.value) and math.isnan(other.value))

    def __hash__(self) -> int:
        return hash(("Const", str(self)))


@dataclass(frozen=True)
class SizeRef:
    """The size of a rank as a value (``D`` in ``SUM[n] / D``)."""

    rank: str

    def __str__(self) -> str:
        return self.rank


@dataclass(frozen=True)
class Unary:
    """``op(arg)`` for a known unary operator."""

    op: str
    arg: "Expr"

    def __post_init__(self) -> None:
        if self.op not in _UNARY:
            raise CascadeError(f"unknown unary operator {self.op!r}; known: "
                               f"{', '.join(_UNARY)} (add one with register_unary)")

    def __str__(self) -> str:
        return f"{self.op}({self.arg})"


@dataclass(frozen=True)
class Binary:
    """``left op right`` for ``op`` in ``* + - /``, or ``op(left, right)`` for max/min."""

    op: str
    left: "Expr"
    right: "Expr"

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPS:
            raise CascadeError(f"unknown binary operator {self.op!r}; known: "
                               f"{', '.join(BINARY_OPS)}")

    def __str__(self) -> str:
        if self.op not in INFIX:
            return f"{self.op}({self.left}, {self.right})"
        p = _PREC[self.op]
        ls, rs = str(self.left), str(self.right)
        if _prec(self.left) < p:
            ls = f"({ls})"
        if _prec(self.right) <= p:
            rs = f"({rs})"
        return f"{ls} {self.op} {rs}"


Expr = Union[Access, Const, SizeRef, Unary, Binary]


def _prec(e: Expr) -> int:
    if isinstance(e, Binary) and e.op in INFIX:
        return _PREC[e.op]
    if isinstance(e, Const) and (e.value < 0 or math.isinf(e.value) and e.value < 0):
        return 0  # "-1" must be parenthesised as an operand
    return 9


def walk(e: Expr) -> Iterator[Expr]:
    """Every node of ``e``, pre-order, left to right."""
    yield e
    if isinstance(e, Unary):
        yield from walk(e.arg)
    elif isinstance(e, Binary):
        yield from walk(e.left)
        yield from walk(e.right)


def accesses(e: Expr) -> tuple[Access, ...]:
    """Every tensor access of ``e`` in written order (repeats kept)."""
    return tuple(n for n in walk(e) if isinstance(n, Access))


def variables(e: Expr) -> tuple[str, ...]:
    """Rank variables of ``e`` in order of first appearance."""
    out: list[str] = []
    for a in accesses(e):
        out += [v for v in a.variables if v not in out]
    return tuple(out)


def size_refs(e: Expr) -> tuple[str, ...]:
    """Ranks whose sizes ``e`` uses (as values or in index expressions)."""
    out: list[str] = []
    for n in walk(e):
        names = (n.rank,) if isinstance(n, SizeRef) else ()
        if isinstance(n, Access):
            names = tuple(s for ix in n.indices for s in ix.symbols)
        out += [s for s in names if s not in out]
    return tuple(out)
