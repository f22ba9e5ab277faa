"""Open-flow throughput: synthesized designs per hour on this machine (2 cores here).

Runs the resumable runner on the first ``--n`` designs of a design space twice in the same
process, into fresh temporary folders: ``--jobs 1`` (the baseline) and ``--jobs 2``, and prints
designs/hour of each and their ratio (the parallel speed-up). With ``--from DIR`` it also
reports the designs/hour the runner logged while growing a dataset folder (``runs.jsonl``:
every attempted design over runner wall time, whatever else the machine was doing).

Numbers depend on the machine's load: on a shared 2-core machine other work steals the cores,
so the log of the real dataset run and this isolated measurement differ; report both.

Usage::

    python benchmarks/openflow_throughput.py [--space default] [--n 8] [--from datasets/openflow]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def measure(space, n: int, jobs: int) -> dict:
    from fpga.openflow.runner import generate

    with tempfile.TemporaryDirectory(prefix="openflow-bench-") as tmp:
        t0 = time.perf_counter()
        s = generate(space, n, Path(tmp) / "ds", jobs=jobs, progress=False, shard_size=10_000)
        wall = time.perf_counter() - t0
    return {"jobs": jobs, "designs": s.n_attempted, "ok": s.n_ok, "failed": s.n_failed,
            "wall_s": round(wall, 1), "designs_per_hour": round(3600 * s.n_attempted / wall, 1)}


def from_runs(folder: Path) -> dict:
    from fpga.openflow.store import read_runs

    runs = read_runs(folder)
    out = {}
    for jobs in sorted({r["jobs"] for r in runs}):
        rs = [r for r in runs if r["jobs"] == jobs]
        att = sum(r["n_attempted"] for r in rs)
        wall = sum(r["wall_s"] for r in rs)
        out[f"jobs={jobs}"] = {"runs": len(rs), "designs": att, "wall_h": round(wall / 3600, 2),
                               "designs_per_hour": round(3600 * att / wall, 1) if wall else None}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--space", default="default", help="design-space YAML or 'default'")
    ap.add_argument("--n", type=int, default=8, help="designs per measurement (default 8)")
    ap.add_argument("--from", dest="folder", default=None, help="also summarize DIR/runs.jsonl")
    ap.add_argument("--skip-measure", action="store_true", help="only summarize --from")
    args = ap.parse_args(argv)
    from fpga.openflow.space import load_space

    print(f"cpu_count={os.cpu_count()} load_avg_1min={os.getloadavg()[0]:.2f}")
    if not args.skip_measure:
        space = load_space(args.space)
        base = measure(space, args.n, 1)
        print(f"baseline jobs=1: {base}")
        par = measure(space, args.n, 2)
        print(f"jobs=2:         {par}")
        print(f"ratio jobs=2 / jobs=1 designs/hour: {par['designs_per_hour'] / base['designs_per_hour']:.2f}")
    if args.folder:
        print(f"dataset runner log {args.folder}: {json.dumps(from_runs(Path(args.folder)))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
