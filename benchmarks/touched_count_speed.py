"""Speed of io_bounds' touched-element count: closed form (io_bounds.touched) versus the
enumeration it replaced, both run in this process on the same cascade.

Cascade: 1-pass attention at BERT sizes with a 256K sequence (B=64, H=12, P=M=262144,
E=F=64; the library splits M into M1=1024 chunks of M0=256, so K and V are read through
``m1*M0 + m0``). Three measurements, each as baseline / closed form:

* ``io_bounds.lower_bound`` with every method (the HBL path counts every Einsum's inputs);
* the call ``dse.query(...).explain()`` makes (no HBL candidates here, ``detail=False``): the
  compulsory and pass bounds; and ``explain()`` itself (FuseMax arch and mapping, BERT);
* every (Einsum, tensor) access of the cascade counted on its own (``touched_elements``), with
  the counts checked equal.

Baseline = the same code with :func:`io_bounds.touched.count_index_values` swapped for
:func:`io_bounds.touched.enumerate_index_values` (``np.unique`` per index expression, what
``io_bounds.api._in_range`` did before); caches are cleared before every run.

Usage: ``python benchmarks/touched_count_speed.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import einsum_cascade as ec
import io_bounds
from io_bounds import api, ir
from io_bounds import touched as T

SIZES = dict(B=64, H=12, P=262144, M=262144, E=64, F=64)
S_WORDS = 65536


def _clear() -> None:
    import dse.api

    dse.api._bound.cache_clear()
    api._in_range.cache_clear()
    api._compulsory_cached.cache_clear()
    ir._analyse.cache_clear()


@contextlib.contextmanager
def _enumeration():
    """The old count: every index expression enumerated with np.unique."""
    saved = T.count_index_values
    T.count_index_values = T.enumerate_index_values
    try:
        yield
    finally:
        T.count_index_values = saved


def _time(fn, repeat: int) -> tuple[float, object]:
    out, ts = None, []
    for _ in range(repeat):
        _clear()
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    c = ec.library.get("attention-1pass", **SIZES)
    print(f"attention-1pass, sizes {c.sizes}, S = {S_WORDS} words, median of {args.repeat}")
    explain_methods = [m for m in io_bounds.BOUND_METHODS if m != "hbl"]
    cases = {
        "lower_bound (all methods)": lambda: io_bounds.lower_bound(c, None, S_WORDS),
        "lower_bound as explain() calls it": lambda: io_bounds.lower_bound(
            c, None, S_WORDS, methods=explain_methods, detail=False),
    }
    import dse

    r = dse.query("attention-1pass", arch="fusemax", mapping="fusemax", model="bert",
                  seq_len=SIZES["P"])
    cases["dse.query(...).explain()"] = lambda: r.explain()["lower_bound_words"]
    accesses = []
    for i, e in enumerate(c.einsums):
        for a in e.accesses():
            if a.tensor in e.inputs:
                accesses.append(([ix.coefficients(c.sizes) for ix in a.indices],
                                 e.extents(c.sizes), api._shape(c, a.tensor)))
    cases[f"{len(accesses)} input accesses, touched_elements each"] = lambda: [
        T.touched_elements(*acc) for acc in accesses]
    print(f"{'case':44s} {'enumeration s':>14s} {'closed form s':>14s} {'ratio':>8s}")
    for name, fn in cases.items():
        with _enumeration():
            t_old, old = _time(fn, args.repeat)
        t_new, new = _time(fn, args.repeat)
        if isinstance(old, io_bounds.Bound):
            same = (old.words, old.compulsory_words) == (new.words, new.compulsory_words)
        else:
            same = old == new
        if not same:
            raise SystemExit(f"{name}: closed form {new} differs from enumeration {old}")
        print(f"{name:44s} {t_old:14.4f} {t_new:14.4f} {t_old / t_new:7.0f}x")
    print("results identical (bound words, compulsory words, per-access counts)")


if __name__ == "__main__":
    main()
