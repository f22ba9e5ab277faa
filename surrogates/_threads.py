"""Thread limits for CPU work (restored afterwards).

On small, shared CPU machines intra-op threading of PyTorch and OpenMP/BLAS hurts these small
models badly (measured on 2 busy cores: 0.35 s vs 0.015 s CPU per GNN training step with 2
vs 1 torch threads), so training and prediction run with ``num_threads`` (default 1) unless
configured otherwise.
"""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def limit_threads(n: int | None = 1):
    if not n:
        yield
        return
    old = None
    torch = sys.modules.get("torch")
    if torch is not None:
        old = torch.get_num_threads()
        torch.set_num_threads(int(n))
    try:
        try:
            from threadpoolctl import threadpool_limits
            ctx = threadpool_limits(int(n))
        except ImportError:  # pragma: no cover - sklearn brings threadpoolctl
            ctx = contextlib.nullcontext()
        with ctx:
            yield
    finally:
        if torch is not None and old is not None:
            torch.set_num_threads(old)
