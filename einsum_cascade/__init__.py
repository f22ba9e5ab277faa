"""Einsum-cascade IR: cascades of extended Einsums (parse, validate, execute, analyse)."""
