"""A loop nest as the bound, curve and simulator code sees it: ranks, sizes, tensor accesses.

This is the small adapter between the Einsum-cascade IR and :mod:`io_bounds`: one perfectly
nested loop over ``ranks`` (box ``0 <= x_r < sizes[r]``) whose body reads the input accesses and
updates the output access (``Z[...] += f(A[...], B[...], ...)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

from io_bounds._check import positive_int
from io_bounds.errors import BoundError
from io_bounds.hbl import Access, projection


@dataclass(frozen=True)
class Nest:
    """One Einsum as a loop nest.

    ``accesses``: inputs first, then exactly one output (``is_output=True``); each access's
    rows hold integer coefficients over ``ranks`` (see :class:`io_bounds.hbl.Access`).
    """

    name: str
    ranks: tuple[str, ...]
    sizes: Mapping[str, int]
    accesses: tuple[Access, ...]
    #: optional exact words per tensor (e.g. without zero padding); default: touched elements
    words: Mapping[str, int] | None = None
    #: optional padded (never loaded) positions per tensor included in the index ranges
    padding_words: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranks", tuple(self.ranks))
        if len(set(self.ranks)) != len(self.ranks) or not self.ranks:
            raise BoundError(f"ranks of nest {self.name!r} must be distinct and non-empty; got "
                             f"{self.ranks}")
        sizes = {}
        for r in self.ranks:
            if r not in self.sizes:
                raise BoundError(f"size of rank {r!r} of {self.name!r} is missing; got sizes "
                                 f"for {sorted(self.sizes)}")
            sizes[r] = positive_int(self.sizes[r], f"size of rank {r!r} of {self.name!r}")
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "accesses", tuple(self.accesses))
        outs = [a for a in self.accesses if a.is_output]
        if len(outs) != 1:
            raise BoundError(f"nest {self.name!r} must have exactly one output access; got "
                             f"{len(outs)}")
        for a in self.accesses:
            if len(a.rows[0]) != len(self.ranks):
                raise BoundError(f"access {a.tensor!r} of {self.name!r} has "
                                 f"{len(a.rows[0])} coefficients per index; expected "
                                 f"{len(self.ranks)}")
            if any(c < 0 for row in a.rows for c in row):
                raise BoundError(f"access {a.tensor!r} of {self.name!r}: negative index "
                                 "coefficients are not supported")
            seen: set[int] = set()
            for row in a.rows:
                sup = {i for i, c in enumerate(row) if c}
                if sup & seen:
                    raise BoundError(f"access {a.tensor!r} of {self.name!r}: a rank appears in "
                                     "two index expressions (not supported)")
                seen |= sup
        if not outs[0].projective:
            raise BoundError(f"output {outs[0].tensor!r} of {self.name!r} must be indexed by "
                             "plain ranks (a coordinate projection)")

    # ----------------------------------------------------------------- derived quantities
    @property
    def output(self) -> Access:
        return next(a for a in self.accesses if a.is_output)

    @property
    def inputs(self) -> tuple[Access, ...]:
        return tuple(a for a in self.accesses if not a.is_output)

    def extent(self, row: Sequence[int], tiles: Mapping[str, int] | None = None) -> int:
        """Number of distinct values of ``row . x`` over the box (or a tile of it)."""
        t = tiles or self.sizes
        return sum(c * (t[r] - 1) for c, r in zip(row, self.ranks)) + 1

    def footprint(self, access: Access, tiles: Mapping[str, int] | None = None) -> int:
        """Span (bounding-box words) of ``access``'s tensor over the box or one tile.

        Equals the number of distinct elements touched for unit-stride accesses; with strides
        that leave gaps it is larger (see :meth:`touched`).
        """
        return math.prod(self.extent(row, tiles) for row in access.rows)

    def touched(self, access: Access, tiles: Mapping[str, int] | None = None) -> int:
        """Exact number of distinct elements of ``access`` touched by the box (or one tile):
        the product over its rows of :func:`io_bounds.touched.count_index_values` (rows use
        disjoint ranks, checked on construction)."""
        from io_bounds.touched import count_index_values

        t = tiles or self.sizes
        return math.prod(count_index_values(row, [t[r] for r in self.ranks])
                         for row in access.rows)

    def tensor_words(self) -> dict[str, int]:
        """Distinct words touched per tensor (the compulsory traffic counts each once)."""
        if self.words is not None:
            return dict(self.words)
        out: dict[str, int] = {}
        for a in self.accesses:
            w = self.footprint(a) if a.projective else self.touched(a)
            out[a.tensor] = max(out.get(a.tensor, 0), w)
        return out

    @property
    def iterations(self) -> int:
        return math.prod(self.sizes.values())

    def relevant(self, access: Access) -> frozenset[str]:
        return frozenset(self.ranks[i] for i in access.support())

    def with_sizes(self, sizes: Mapping[str, int]) -> "Nest":
        return Nest(self.name, self.ranks, {r: sizes.get(r, self.sizes[r]) for r in self.ranks},
                    self.accesses)  # words / padding depend on sizes: recomputed

    # ----------------------------------------------------------------- constructors
    @classmethod
    def projective(cls, name: str, output: tuple[str, Sequence[str]],
                   inputs: Sequence[tuple[str, Sequence[str]]], sizes: Mapping[str, int],
                   ranks: Sequence[str] | None = None) -> "Nest":
        """Nest from plain index lists: ``output=("Z", "mn"), inputs=[("A", "mk"), ...]``."""
        if ranks is None:
            seen: list[str] = []
            for _, idx in [output, *inputs]:
                for r in idx:
                    if r not in seen:
                        seen.append(r)
            ranks = seen
        ranks = tuple(ranks)
        acc = [projection(t, ranks, list(idx)) for t, idx in inputs]
        acc.append(projection(output[0], ranks, list(output[1]), is_output=True))
        return cls(name, ranks, dict(sizes), tuple(acc))


def gemm(M: int, N: int, K: int) -> Nest:
    """``Z[M,N] = A[M,K] * B[K,N]`` (the IR library's gemm ranks)."""
    return Nest.projective("gemm", ("Z", ("M", "N")), [("A", ("M", "K")), ("B", ("K", "N"))],
                           {"M": M, "N": N, "K": K}, ranks=("M", "N", "K"))


def conv2d(N: int, K: int, C: int, P: int, Q: int, R: int, S: int, stride: int = 1) -> Nest:
    """``O[n,k,p,q] = I[n,c,stride*p+r,stride*q+s] * W[k,c,r,s]`` as an affine nest."""
    ranks = ("N", "K", "C", "P", "Q", "R", "S")
    stride = positive_int(stride, "stride")

    def row(**coef):
        return tuple(coef.get(r, 0) for r in ranks)

    acc = (Access("I", (row(N=1), row(C=1), row(P=stride, R=1), row(Q=stride, S=1))),
           Access("W", (row(K=1), row(C=1), row(R=1), row(S=1))),
           Access("O", (row(N=1), row(K=1), row(P=1), row(Q=1)), is_output=True))
    return Nest("conv2d", ranks, dict(N=N, K=K, C=C, P=P, Q=Q, R=R, S=S), acc)
