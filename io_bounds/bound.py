"""The :class:`Bound` result: one I/O lower bound with the theorem behind it.

All traffic is in *words* (one word = one tensor element) moved between a fast memory of
``fast_memory_words`` words and an unbounded slow memory (loads + stores). Convert to bytes only
at the edges with :meth:`Bound.bytes`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from io_bounds.errors import BoundError


@dataclass(frozen=True)
class Bound:
    """An I/O lower bound.

    Attributes:
        words: the bound, in words (loads + stores between fast and slow memory).
        compulsory_words: every input read once plus every output written once, in words;
            ``words >= compulsory_words`` always.
        fast_memory_words: the fast-memory capacity S the bound is for, in words.
        regime: which term of the bound is active (e.g. ``"M >= d^2"``, ``"compulsory"``).
        method: registry name of the bound method (``"compulsory"``, ``"hbl"``, ...).
        theorem: the theorem used, by name.
        citation: where it is proven.
        assumptions: conditions under which ``words`` is a valid lower bound.
        rigorous: True when ``words`` is a proven inequality for these exact sizes; False when it
            is an asymptotic Theta shape whose constant the source does not give (then
            ``constant`` is the user's choice, default 1, and the number is only the shape).
        constant: the multiplicative constant applied to the asymptotic term (1 unless set).
        breakdown: per-Einsum / per-method rows (dicts with at least ``name``, ``method`` and
            ``words``) that the headline number was taken from.
        details: method-specific extras (e.g. HBL exponents), JSON-able.
    """

    words: float
    compulsory_words: float
    fast_memory_words: float
    regime: str
    method: str
    theorem: str
    citation: str
    assumptions: tuple[str, ...] = ()
    rigorous: bool = True
    constant: float = 1.0
    breakdown: tuple[Mapping[str, Any], ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("words", "compulsory_words", "fast_memory_words", "constant"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) \
                    or v < 0:
                raise BoundError(f"{name} of Bound must be a finite number >= 0; got {v!r}")
        if self.words + 1e-9 * max(1.0, self.compulsory_words) < self.compulsory_words:
            raise BoundError(f"words of Bound must be >= compulsory_words "
                             f"({self.compulsory_words}); got {self.words}")
        object.__setattr__(self, "assumptions", tuple(self.assumptions))
        object.__setattr__(self, "breakdown", tuple(dict(r) for r in self.breakdown))
        object.__setattr__(self, "details", dict(self.details))

    def bytes(self, word_bytes: float) -> float:
        """The bound in bytes, for words of ``word_bytes`` bytes each."""
        if isinstance(word_bytes, bool) or not isinstance(word_bytes, (int, float)) \
                or not math.isfinite(word_bytes) or word_bytes <= 0:
            raise BoundError(f"word_bytes must be a number of bytes > 0; got {word_bytes!r}")
        return self.words * float(word_bytes)

    @property
    def slack_words(self) -> float:
        """Traffic above the compulsory part, in words."""
        return self.words - self.compulsory_words

    def breakdown_frame(self):
        """The breakdown rows as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(list(self.breakdown))

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["assumptions"] = list(self.assumptions)
        d["breakdown"] = [dict(r) for r in self.breakdown]
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Bound":
        if not isinstance(data, Mapping):
            raise BoundError(f"Bound.from_dict needs a mapping; got {type(data).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise BoundError(f"unknown Bound field(s) {unknown}; valid: {sorted(names)}")
        try:
            return cls(**{k: (tuple(v) if k in ("assumptions", "breakdown") else v)
                          for k, v in data.items()})
        except TypeError as e:
            raise BoundError(f"Bound.from_dict: {e}") from e

    def summary(self) -> str:
        tag = "" if self.rigorous else f" (asymptotic shape, constant {self.constant:g})"
        return (f"{self.words:,.0f} words >= compulsory {self.compulsory_words:,.0f} "
                f"[{self.method}: {self.theorem}; regime {self.regime}]{tag}")
