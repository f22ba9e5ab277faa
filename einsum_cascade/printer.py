"""The notation printer: ``format_cascade(c)`` is text that :func:`parse` reads back to an
equal cascade (every rank, tensor, input and output is printed explicitly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .model import Cascade, Einsum


def format_reductions(reductions) -> str:
    """``reduce h, f with +, m with max`` (consecutive variables with one operator grouped)."""
    items = list(reductions.items())
    if not items:
        return ""
    groups: list[tuple[list[str], str]] = []
    for v, op in items:
        if groups and groups[-1][1] == op:
            groups[-1][0].append(v)
        else:
            groups.append(([v], op))
    return "reduce " + ", ".join(f"{', '.join(vs)} with {op}" for vs, op in groups)


def format_einsum(e: "Einsum") -> str:
    """One Einsum as one line of notation."""
    head = f"{e.output}[{','.join(str(i) for i in e.output_indices)}] = {e.expr}"
    red = format_reductions(e.reductions)
    return f"{head}  {red}" if red else head


def format_cascade(c: "Cascade") -> str:
    """The whole cascade as notation (see :mod:`einsum_cascade.parser` for the grammar)."""
    lines = []
    if c.name:
        lines.append(f"cascade {c.name}")
    if c.ranks:
        lines.append("ranks " + ", ".join(str(r) for r in c.ranks.values()))
    if c.inputs:
        lines.append("input " + ", ".join(str(c.tensors[n]) for n in c.inputs))
    others = [t for n, t in c.tensors.items() if n not in c.inputs]
    if others:
        lines.append("tensor " + ", ".join(str(t) for t in others))
    if c.outputs:
        lines.append("output " + ", ".join(c.outputs))
    lines += [format_einsum(e) for e in c.einsums]
    return "\n".join(lines) + "\n"
