"""Einsum-cascade IR: cascades of extended Einsums (parse, validate, execute, analyse).

Quick tour::

    import einsum_cascade as ec
    c = ec.library.get("attention-1pass", B=1, H=2, P=64, M=512, E=64, F=64)
    print(c)                                   # the notation; ec.parse(str(c)) == c
    out = c.evaluate({"Q": q, "K": k, "V": v})["AV"]
    a = ec.analyze(c)                          # op counts, footprints, passes
    ec.passes(c, "M")                          # 1 (3 for attention-3pass)

Data model: :class:`Cascade` of :class:`Einsum` over :class:`Tensor` and :class:`Rank`;
expressions in :mod:`einsum_cascade.expr`, affine indices in :mod:`einsum_cascade.index`.
"""

from .errors import CascadeError, CascadeParseError
from .expr import Access, Binary, Const, SizeRef, Unary, register_unary
from .index import Affine, SizeExpr, Term, rank_of
from .model import Cascade, Einsum, Rank, Tensor
from .parser import parse, parse_einsum, parse_expr, parse_index, parse_size
from . import library

__all__ = [
    "CascadeError", "CascadeParseError", "Access", "Binary", "Const", "SizeRef", "Unary",
    "register_unary", "Affine", "SizeExpr", "Term", "rank_of", "Cascade", "Einsum", "Rank",
    "Tensor", "parse", "parse_einsum", "parse_expr", "parse_index", "parse_size", "library",
    "analyze", "passes", "Analysis", "load",
]


def __getattr__(name: str):
    if name in ("analyze", "passes", "Analysis", "capacity_words"):
        from . import analysis
        return getattr(analysis, name)
    if name == "load":
        from .loader import load
        return load
    raise AttributeError(f"module 'einsum_cascade' has no attribute {name!r}")
