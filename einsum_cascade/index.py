"""Affine index expressions (``m1*M0+m0``, ``2*p+r-1``, ``m1+1``, ``M1``) and size formulas
(``M/M0``, ``(H+2-3)//2+1``).

Lower-case identifiers are *rank variables* (they range over the rank of the same name in
upper case: ``m1`` over ``M1``); upper-case identifiers are *size symbols* (the size of that
rank). An index expression is a sum of terms ``coef * S1 * S2 ... * v`` with an integer
coefficient, any number of size symbols and at most one rank variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Mapping

import numpy as np

from .errors import CascadeError


def rank_of(variable: str) -> str:
    """The rank a rank variable ranges over: its name in upper case (``m1`` -> ``M1``)."""
    return variable.upper()


def _size(sizes: Mapping[str, int | None], name: str, what: str) -> int:
    value = sizes.get(name)
    if value is None:
        raise CascadeError(f"size of rank {name} is undefined (needed by {what}); "
                           f"bind it, e.g. sizes={{'{name}': ...}} or --size {name}=N")
    return int(value)


@dataclass(frozen=True)
class Term:
    """One term ``coef * symbols... * var`` of an affine index expression."""

    coef: int = 1
    symbols: tuple[str, ...] = ()
    var: str | None = None

    def __str__(self) -> str:
        parts = ([self.var] if self.var else []) + list(self.symbols)
        c = abs(self.coef)
        if c != 1 or not parts:
            parts.insert(0, str(c))
        return "*".join(parts)

    def factor(self, sizes: Mapping[str, int | None]) -> int:
        """``coef`` times the product of the symbols' sizes."""
        value = self.coef
        for s in self.symbols:
            value *= _size(sizes, s, f"index term {self}")
        return value


@dataclass(frozen=True)
class Affine:
    """An affine index expression: a sum of :class:`Term` (kept in written order)."""

    terms: tuple[Term, ...]

    def __post_init__(self) -> None:
        if not self.terms:
            raise CascadeError("index expression must have at least one term; got none")
        seen = [t.var for t in self.terms if t.var]
        dup = {v for v in seen if seen.count(v) > 1}
        if dup:
            raise CascadeError(f"index expression {self} names rank variable(s) "
                               f"{sorted(dup)} more than once; combine the terms")

    @classmethod
    def var(cls, name: str, offset: int = 0) -> "Affine":
        """The index ``name`` or ``name+offset``."""
        terms = (Term(1, (), name),) + ((Term(offset),) if offset else ())
        return cls(terms)

    @classmethod
    def const(cls, value: int) -> "Affine":
        return cls((Term(value),))

    def __str__(self) -> str:
        out = ""
        for i, t in enumerate(self.terms):
            if i == 0:
                out += ("-" if t.coef < 0 else "") + str(t)
            else:
                out += ("-" if t.coef < 0 else "+") + str(t)
        return out

    @cached_property
    def variables(self) -> tuple[str, ...]:
        """Rank variables in written order."""
        return tuple(t.var for t in self.terms if t.var)

    @cached_property
    def symbols(self) -> tuple[str, ...]:
        """Size symbols used (coefficients or constants), in written order, unique."""
        out: list[str] = []
        for t in self.terms:
            out += [s for s in t.symbols if s not in out]
        return tuple(out)

    def as_var(self) -> tuple[str, int] | None:
        """``(v, c)`` when the expression is ``v + c`` with integer ``c`` (unit coefficient,
        no symbols); otherwise ``None``."""
        return self._as_var

    @cached_property
    def _as_var(self) -> tuple[str, int] | None:
        vars_ = [t for t in self.terms if t.var]
        if len(vars_) != 1 or vars_[0].coef != 1 or vars_[0].symbols:
            return None
        rest = [t for t in self.terms if not t.var]
        if any(t.symbols for t in rest):
            return None
        return vars_[0].var, sum(t.coef for t in rest)

    def is_plain_var(self) -> bool:
        """True for a bare rank variable ``v``."""
        return len(self.terms) == 1 and self.terms[0].var is not None and \
            self.terms[0].coef == 1 and not self.terms[0].symbols

    def coefficients(self, sizes: Mapping[str, int | None]) -> tuple[dict[str, int], int]:
        """``({var: integer coefficient}, integer constant)`` under ``sizes``:
        the expression equals ``sum(c[v] * v) + const``."""
        coef: dict[str, int] = {}
        const = 0
        for t in self.terms:
            f = t.factor(sizes)
            if t.var:
                coef[t.var] = coef.get(t.var, 0) + f
            else:
                const += f
        return coef, const

    def evaluate(self, values: Mapping[str, object], sizes: Mapping[str, int | None]):
        """Value under ``values`` (var -> int or integer numpy array, broadcastable)."""
        coef, const = self.coefficients(sizes)
        out = const
        for v, c in coef.items():
            out = out + c * values[v]
        return out


# --------------------------------------------------------------------------- size formulas
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2}


@dataclass(frozen=True)
class SizeExpr:
    """A size formula over integers and rank sizes: ``op`` in ``+ - * / //`` with two
    operands, or a leaf (``op`` is ``"int"`` with ``value``, or ``"name"`` with ``name``).
    ``/`` is exact division (an error when it leaves a remainder); ``//`` floors."""

    op: str
    left: "SizeExpr | None" = None
    right: "SizeExpr | None" = None
    value: int = 0
    name: str = ""

    def __str__(self) -> str:
        if self.op == "int":
            return str(self.value)
        if self.op == "name":
            return self.name
        p = _PREC[self.op]
        ls, rs = str(self.left), str(self.right)
        if self.left.op in _PREC and _PREC[self.left.op] < p:
            ls = f"({ls})"
        if self.right.op in _PREC and _PREC[self.right.op] <= p:
            rs = f"({rs})"
        return f"{ls}{self.op}{rs}"

    @property
    def names(self) -> tuple[str, ...]:
        if self.op == "name":
            return (self.name,)
        if self.op == "int":
            return ()
        out = list(self.left.names)
        out += [n for n in self.right.names if n not in out]
        return tuple(out)

    def evaluate(self, sizes: Mapping[str, int | None], owner: str = "a size formula") -> int:
        if self.op == "int":
            return self.value
        if self.op == "name":
            return _size(sizes, self.name, owner)
        a = self.left.evaluate(sizes, owner)
        b = self.right.evaluate(sizes, owner)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if b == 0:
            raise CascadeError(f"{owner} = {self} divides by zero ({self.right} = 0)")
        if self.op == "/" and a % b:
            raise CascadeError(f"{owner} = {self} must be an integer: {self.left} = {a} is "
                               f"not divisible by {self.right} = {b}")
        return a // b


def index_grid(extents: Mapping[str, int], order: tuple[str, ...],
               fixed: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    """Broadcastable integer arrays for each variable of ``order`` (axis ``i`` for
    ``order[i]``); a variable in ``fixed`` takes that single value on a length-1 axis."""
    fixed = fixed or {}
    n = len(order)
    out = {}
    for i, v in enumerate(order):
        shape = [1] * n
        if v in fixed:
            arr = np.array([fixed[v]], dtype=np.int64)
        else:
            arr = np.arange(extents[v], dtype=np.int64)
            shape[i] = extents[v]
        out[v] = arr.reshape(shape)
    return out
