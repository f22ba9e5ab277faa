"""The data model: :class:`Rank`, :class:`Tensor`, :class:`Einsum`, :class:`Cascade`.

All are immutable and validate on construction (raising :class:`CascadeError`).

An Einsum ``Z[m,n] = A[m,k] * B[k,n]  reduce k with +`` has an output tensor indexed by
affine index expressions, a map expression (:mod:`einsum_cascade.expr`) evaluated at every
point of its *iteration space* (the product of the extents of its rank variables), and a
reduction operator (``+``, ``max``, ``min``) for every variable that appears in the
expression but not in the output. Variables are lower case and range over the rank of the
same name in upper case (``m1`` over ``M1``).

Iterative ranks: an output index ``v+c`` with ``c > 0`` (``RM[m1+1,p] = max(RM[m1,p], ...)``)
defines a recurrence over ``v``; the tensor's dimension then has ``size(V) + c`` entries and
entries below ``c`` come from *initializer* Einsums with a constant index (``RM[0,p] = -inf``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator, Mapping

import numpy as np

from . import expr as ex
from .errors import CascadeError
from .index import Affine, SizeExpr, rank_of

REDUCTION_OPS: dict[str, str] = {"+": "add", "max": "max", "min": "min"}


class FrozenDict(Mapping):
    """A read-only, hashable, insertion-ordered mapping."""

    __slots__ = ("_d",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_d", dict(*args, **kwargs))

    def __getitem__(self, key: Any) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __hash__(self) -> int:
        return hash(tuple(self._d.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._d) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenDict({self._d!r})"

    def __setattr__(self, *_: Any) -> None:
        raise AttributeError("FrozenDict is immutable")


@dataclass(frozen=True)
class Rank:
    """A named rank. ``size`` is an int, or ``None`` while symbolic; ``formula`` (optional)
    derives the size from other ranks (``M1 = M/M0``)."""

    name: str
    size: int | None = None
    formula: SizeExpr | None = None

    def __post_init__(self) -> None:
        if not (self.name.isidentifier() and self.name[0].isupper()):
            raise CascadeError(f"rank name must be an identifier starting with an upper-case "
                               f"letter; got {self.name!r}")
        if self.size is not None:
            if isinstance(self.size, bool) or not isinstance(self.size, (int, np.integer)):
                raise CascadeError(f"size of rank {self.name} must be an int; got {self.size!r}")
            if self.size < 1:
                raise CascadeError(f"size of rank {self.name} must be >= 1; got {self.size}")
            object.__setattr__(self, "size", int(self.size))

    def __str__(self) -> str:
        if self.formula is not None:
            return f"{self.name}={self.formula}"
        return self.name if self.size is None else f"{self.name}={self.size}"


@dataclass(frozen=True)
class Tensor:
    """A tensor: ``name``, ordered rank names ``ranks`` (numpy axis order), optional
    element type label ``dtype`` (e.g. ``"fp16"``; the executor computes in float64)."""

    name: str
    ranks: tuple[str, ...]
    dtype: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ranks", tuple(self.ranks))
        if not self.name.isidentifier():
            raise CascadeError(f"tensor name must be an identifier; got {self.name!r}")

    def __str__(self) -> str:
        s = f"{self.name}[{','.join(self.ranks)}]"
        return s + (f": {self.dtype}" if self.dtype else "")


@dataclass(frozen=True)
class Einsum:
    """``output[output_indices] = expr`` with ``reductions`` (variable -> ``+``/``max``/``min``,
    applied in the given order)."""

    output: str
    output_indices: tuple[Affine, ...]
    expr: ex.Expr
    reductions: Mapping[str, str] = field(default_factory=FrozenDict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_indices", tuple(self.output_indices))
        object.__setattr__(self, "reductions", FrozenDict(self.reductions))
        where = f"of Einsum {self.output}"
        seen: list[str] = []
        for ix in self.output_indices:
            if not isinstance(ix, Affine):
                raise CascadeError(f"output index {where} must be an Affine; got {ix!r}")
            if ix.variables and ix.as_var() is None:
                raise CascadeError(f"output index {ix} {where} must be a rank variable plus an "
                                   f"integer (v, v+1) or a constant; got {ix}")
            for v in ix.variables:
                if v in seen:
                    raise CascadeError(f"output {self.output} {where} uses rank variable {v} "
                                       f"twice; each output index needs its own variable")
                seen.append(v)
        expr_vars = ex.variables(self.expr)
        for v, op in self.reductions.items():
            if op not in REDUCTION_OPS:
                raise CascadeError(f"reduction operator of {v} {where} must be one of "
                                   f"{', '.join(REDUCTION_OPS)}; got {op!r}")
            if v not in expr_vars:
                raise CascadeError(f"reduction over {v} {where}: the expression {self.expr} "
                                   f"does not contain rank variable {v}")
            if v in seen:
                raise CascadeError(f"reduction over {v} {where}: {v} is an output index; "
                                   f"a reduced variable must not index the output")
        missing = [v for v in expr_vars if v not in seen and v not in self.reductions]
        if missing:
            raise CascadeError(f"rank variable(s) {', '.join(missing)} {where} appear in the "
                               f"expression but not in the output; declare a reduction, e.g. "
                               f"`reduce {missing[0]} with +`")

    # ---------------------------------------------------------------- structure
    def __str__(self) -> str:
        from .printer import format_einsum
        return format_einsum(self)

    @cached_property
    def output_variables(self) -> tuple[str, ...]:
        return tuple(v for ix in self.output_indices for v in ix.variables)

    @cached_property
    def iteration_ranks(self) -> tuple[str, ...]:
        """Every rank variable of the iteration space: output variables in output order,
        then the reduced ones in order of first appearance in the expression."""
        out = list(self.output_variables)
        out += [v for v in ex.variables(self.expr) if v not in out]
        return tuple(out)

    @property
    def reduced_ranks(self) -> tuple[str, ...]:
        return tuple(self.reductions)

    @cached_property
    def inputs(self) -> tuple[str, ...]:
        """Names of tensors read, in order of first appearance."""
        out: list[str] = []
        for a in ex.accesses(self.expr):
            if a.tensor not in out:
                out.append(a.tensor)
        return tuple(out)

    def accesses(self) -> tuple[ex.Access, ...]:
        """Every tensor read (``Access(tensor, indices)``), in written order."""
        return self._accesses

    @cached_property
    def _accesses(self) -> tuple[ex.Access, ...]:
        return ex.accesses(self.expr)

    @property
    def output_access(self) -> ex.Access:
        """The write, as an :class:`~einsum_cascade.expr.Access`."""
        return ex.Access(self.output, self.output_indices)

    @cached_property
    def is_initializer(self) -> bool:
        """True for an Einsum that reads nothing and writes a constant index
        (``RM[0,p] = -inf``): it sets the initial value of an iterative rank."""
        return not self.accesses() and any(not ix.variables for ix in self.output_indices)

    @cached_property
    def recurrence(self) -> Mapping[int, tuple[str, int]]:
        """Output dimensions written at ``v + c`` with ``c != 0``: dim -> (v, c)."""
        out = {}
        for d, ix in enumerate(self.output_indices):
            vc = ix.as_var()
            if vc and vc[1] != 0:
                out[d] = vc
        return FrozenDict(out)

    @staticmethod
    def rank_of(variable: str) -> str:
        """The rank a variable ranges over (``m1`` -> ``M1``)."""
        return rank_of(variable)

    # ---------------------------------------------------------------- sizes
    def extents(self, sizes: Mapping[str, int | None]) -> dict[str, int]:
        """Extent (number of values) of each rank variable under ``sizes`` (rank -> int)."""
        out = {}
        for v in self.iteration_ranks:
            r = rank_of(v)
            if sizes.get(r) is None:
                raise CascadeError(f"size of rank {r} is undefined (needed by Einsum "
                                   f"{self.output}, variable {v}); bind it, e.g. "
                                   f"sizes={{'{r}': ...}} or --size {r}=N")
            out[v] = int(sizes[r])
        return out

    def iteration_size(self, sizes: Mapping[str, int | None]) -> int:
        """Number of points of the iteration space (product of the extents)."""
        n = 1
        for e in self.extents(sizes).values():
            n *= e
        return n

    def op_counts(self, sizes: Mapping[str, int | None]) -> dict[str, int]:
        """Operations by kind under ``sizes`` (only kinds with a non-zero count).

        Every operator node of the expression costs one operation per iteration point
        (``*`` -> ``mul``, ``+``/``-`` -> ``add``, ``/``/``recip`` -> ``div``, ``max``, ``min``,
        ``exp``, ``sqrt``, ``neg``, ``relu``, registered ops under their kind). A reduction
        accumulates once per point it consumes: for consecutive reductions with the same
        operator over ``N`` points that is ``N`` operations of kind ``add``/``max``/``min``,
        after which the point count shrinks by their extents. A top-level ``*`` under a
        first ``+`` reduction is one multiply-accumulate (``mac``) per point instead of a
        ``mul`` plus an ``add``. Copies and constant fills cost nothing.
        """
        ext = self.extents(sizes)
        n = self.iteration_size(sizes)
        counts: dict[str, int] = {}

        def add(kind: str, k: int) -> None:
            if k:
                counts[kind] = counts.get(kind, 0) + k

        red = list(self.reductions.items())
        root = self.expr
        fused = isinstance(root, ex.Binary) and root.op == "*" and red and red[0][1] == "+"
        for node in ex.walk(root):
            if fused and node is root:
                continue
            if isinstance(node, ex.Binary):
                add(ex.BINARY_OPS[node.op], n)
            elif isinstance(node, ex.Unary):
                add(ex.unary_kind(node.op), n)
        points = n
        i = 0
        while i < len(red):
            op = red[i][1]
            j = i
            shrink = 1
            while j < len(red) and red[j][1] == op:
                shrink *= ext[red[j][0]]
                j += 1
            add("mac" if (fused and i == 0) else REDUCTION_OPS[op], points)
            points //= shrink
            i = j
        return counts


@dataclass(frozen=True, eq=False)
class Cascade:
    """A DAG of Einsums with declared ranks, tensors, inputs and outputs.

    Attributes: ``einsums`` (tuple, in an order where every tensor is written before it is
    read, except reads of earlier iterations of an iterative rank), ``tensors``
    (name -> :class:`Tensor`), ``ranks`` (name -> :class:`Rank`), ``inputs`` and ``outputs``
    (tuples of tensor names), ``name``. Built by :func:`einsum_cascade.parse`, the library,
    :meth:`from_dict`, or directly (then validated here).
    """

    einsums: tuple[Einsum, ...]
    tensors: Mapping[str, Tensor]
    ranks: Mapping[str, Rank]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    name: str = ""

    def __post_init__(self) -> None:
        from .validate import resolve_ranks, validate_cascade
        object.__setattr__(self, "einsums", tuple(self.einsums))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        tensors = self.tensors
        if not isinstance(tensors, Mapping):
            tensors = {t.name: t for t in tensors}
        ranks = self.ranks
        if not isinstance(ranks, Mapping):
            ranks = {r.name: r for r in ranks}
        object.__setattr__(self, "tensors", FrozenDict(tensors))
        object.__setattr__(self, "ranks", FrozenDict(resolve_ranks(ranks)))
        validate_cascade(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cascade):
            return NotImplemented
        return (self.name == other.name and self.einsums == other.einsums
                and self.tensors == other.tensors and self.ranks == other.ranks
                and self.inputs == other.inputs and self.outputs == other.outputs)

    def __hash__(self) -> int:
        return hash((self.name, self.einsums, self.inputs, self.outputs))

    def __str__(self) -> str:
        from .printer import format_cascade
        return format_cascade(self)

    def __repr__(self) -> str:
        return (f"Cascade(name={self.name!r}, einsums={len(self.einsums)}, "
                f"inputs={self.inputs}, outputs={self.outputs}, sizes={self.sizes})")

    # ---------------------------------------------------------------- structure
    @property
    def intermediates(self) -> tuple[str, ...]:
        """Tensors written by an Einsum that are not outputs, in order of first write."""
        out: list[str] = []
        for e in self.einsums:
            if e.output not in self.outputs and e.output not in out:
                out.append(e.output)
        return tuple(out)

    @property
    def sizes(self) -> dict[str, int]:
        """Bound rank sizes (rank -> int), derived ones included."""
        return {n: r.size for n, r in self.ranks.items() if r.size is not None}

    def writers(self, tensor: str) -> tuple[int, ...]:
        """Positions of the Einsums that write ``tensor``."""
        return self._writers.get(tensor, ())

    @cached_property
    def _writers(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, tuple[int, ...]] = {}
        for i, e in enumerate(self.einsums):
            out[e.output] = out.get(e.output, ()) + (i,)
        return out

    @cached_property
    def edges(self) -> tuple:
        """Dependency edges between Einsums (:class:`~einsum_cascade.validate.Edge`)."""
        from .validate import dependency_edges
        return dependency_edges(self)

    def einsum_label(self, i: int) -> str:
        """A unique label of Einsum ``i``: its output name, ``.init`` for initializers."""
        return self._labels[i]

    @cached_property
    def _labels(self) -> tuple[str, ...]:
        return tuple(self._label(i) for i in range(len(self.einsums)))

    def _label(self, i: int) -> str:
        e = self.einsums[i]
        label = e.output + (".init" if e.is_initializer else "")
        same = [j for j, f in enumerate(self.einsums)
                if f.output + (".init" if f.is_initializer else "") == label]
        return label if len(same) == 1 else f"{label}.{same.index(i)}"

    # ---------------------------------------------------------------- sizes
    def bind(self, **sizes: int) -> "Cascade":
        """A copy with the given rank sizes bound (derived sizes recomputed)."""
        from .validate import bind_ranks
        return Cascade(self.einsums, self.tensors, bind_ranks(self.ranks, sizes),
                       self.inputs, self.outputs, self.name)

    def with_sizes(self, sizes: Mapping[str, int] | None = None, **more: int) -> "Cascade":
        """Like :meth:`bind`, taking a mapping."""
        return self.bind(**dict(sizes or {}), **more)

    def resolve_sizes(self, sizes: Mapping[str, int] | None = None) -> dict[str, int | None]:
        """Every rank's size under the bound sizes plus ``sizes`` (derived recomputed);
        unknown ones are ``None``."""
        if not sizes:
            return {n: r.size for n, r in self.ranks.items()}
        from .validate import bind_ranks
        return {n: r.size for n, r in bind_ranks(self.ranks, dict(sizes)).items()}

    def shape(self, tensor: str, sizes: Mapping[str, int] | None = None) -> tuple[int, ...]:
        """Array shape of ``tensor``: its ranks' sizes, plus ``c`` on a dimension written at
        ``v+c`` (iterative ranks hold their initial value too)."""
        from .validate import tensor_shape
        return tensor_shape(self, tensor, self.resolve_sizes(sizes))

    def footprint_words(self, tensor: str, sizes: Mapping[str, int] | None = None) -> int:
        """Number of elements (words) of ``tensor``."""
        return int(np.prod(self.shape(tensor, sizes), dtype=np.int64))

    # ---------------------------------------------------------------- execution, I/O
    def evaluate(self, inputs: Mapping[str, Any], sizes: Mapping[str, int] | None = None, *,
                 keep_intermediates: bool = False) -> dict[str, np.ndarray]:
        """Run the cascade on numpy ``inputs`` (name -> array, axes in rank order); returns
        the outputs (name -> float64 array; intermediates too with ``keep_intermediates``).
        Unbound sizes are taken from input shapes."""
        from .executor import evaluate
        return evaluate(self, inputs, sizes, keep_intermediates=keep_intermediates)

    def to_dict(self) -> dict[str, Any]:
        """A JSON/YAML-able dict (expressions as notation strings)."""
        from .serialize import cascade_to_dict
        return cascade_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Cascade":
        """Inverse of :meth:`to_dict`."""
        from .serialize import cascade_from_dict
        return cascade_from_dict(data)

    def to_yaml(self) -> str:
        import yaml
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> "Cascade":
        import yaml
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise CascadeError(f"cascade YAML does not parse: {e}") from e
        return cls.from_dict(data)
