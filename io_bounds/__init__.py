"""I/O lower bounds and attainable traffic-versus-buffer curves for Einsum cascades.

Quick tour (all traffic in words; ``Bound.bytes(word_bytes)`` converts)::

    import io_bounds as iob
    iob.matmul(1024, 1024, 1024, fast_memory_words=65536)          # Smith et al. safe form
    iob.attention(N=4096, d=64, fast_memory_words=2**16)            # Saha & Ye (Theta shape)
    iob.lower_bound("conv2d", dict(N=1, C=64, H=58, W=58, K=64, R=3, S=3), 4096)  # HBL LP
    iob.attainable("gemm", dict(M=16384, N=1024, K=1024))           # Orojenesis-style curve
    iob.flash_attention_traffic(N=4096, d=64, M=2**16, variant="fa2")

Modules: :mod:`.bound` (result type), :mod:`.closed_forms`, :mod:`.hbl` (HBL linear
program), :mod:`.curves` (attainable curves), :mod:`.simulator` (cache simulator), :mod:`.api`
(cascade-level entry points), :mod:`.ir` (adapter to ``einsum_cascade``), :mod:`.plot`.
Submodules load on first use.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "Bound": "io_bounds.bound",
    "BoundError": "io_bounds.errors",
    "compulsory": "io_bounds.closed_forms",
    "matmul": "io_bounds.closed_forms",
    "attention": "io_bounds.closed_forms",
    "attention_backward": "io_bounds.closed_forms",
    "flash_attention_traffic": "io_bounds.closed_forms",
    "lower_bound": "io_bounds.api",
    "attainable": "io_bounds.api",
    "conv2d": "io_bounds.api",
    "BOUND_METHODS": "io_bounds.api",
    "hbl_bound": "io_bounds.hbl",
    "hbl_solve": "io_bounds.hbl",
    "Nest": "io_bounds.nest",
    "simulate": "io_bounds.simulator",
    "plot_curve": "io_bounds.plot",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'io_bounds' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
