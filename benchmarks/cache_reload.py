"""Reload speed of the compact HDF5 cache at the size of the full wa-hls4ml dataset.

    python benchmarks/cache_reload.py [--designs 684058] [--path CSV_DIR] [--tmp DIR]

The full dataset (684,058 records) cannot be downloaded here, so the 10,001 real designs of
the 3-layer CSV export are tiled to ``--designs`` designs (same per-design array sizes as the
dense subsets), written once with ``PackedDesigns.save_h5``, then: (1) reloaded whole,
(2) streamed in batches of 65,536 designs with ``iter_h5_batches`` (bounded memory); the
baseline in the same process is re-reading the 10,001 records from CSV through
``fpga.read_records`` + packing, extrapolated per design.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=int, default=684058)
    ap.add_argument("--path", help="wa-hls4ml csv_exports folder (default: $FUSEBOUND_HLS4ML_DATA)")
    ap.add_argument("--tmp", help="folder for the cache file (default: a temp folder)")
    args = ap.parse_args(argv)

    from surrogates.data import load_dataset
    from surrogates.packed import PackedDesigns, iter_h5_batches

    t = time.perf_counter()
    base = load_dataset("wa-hls4ml-csv", args.path)
    parse_s = time.perf_counter() - t
    reps = -(-args.designs // len(base))
    big = PackedDesigns.concat([base] * reps).take(np.arange(args.designs))
    big.design_json = None  # the cache of a large set keeps arrays only
    tmp = Path(args.tmp or tempfile.mkdtemp())
    t = time.perf_counter()
    path = big.save_h5(tmp / "tiled.h5")
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    back = PackedDesigns.load_h5(path)
    load_s = time.perf_counter() - t
    assert len(back) == args.designs and np.array_equal(back.layer_num, big.layer_num)
    t = time.perf_counter()
    n = sum(len(b) for b in iter_h5_batches(path, batch_size=65536))
    stream_s = time.perf_counter() - t
    assert n == args.designs
    per_design_parse = parse_s / len(base)
    print(f"{args.designs:,} designs ({int(big.layer_ptr[-1]):,} layers), cache "
          f"{path.stat().st_size / 1e6:.1f} MB, written in {write_s:.1f} s")
    print(f"reload whole: {load_s:.2f} s; stream in 65,536-design batches: {stream_s:.2f} s")
    print(f"baseline, parse CSV + pack: {per_design_parse * 1e6:.0f} us/design -> "
          f"{per_design_parse * args.designs:.0f} s for {args.designs:,} designs "
          f"(raw JSON is slower still)")
    print(f"ratio parse / reload: {per_design_parse * args.designs / load_s:.0f}x")
    path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
