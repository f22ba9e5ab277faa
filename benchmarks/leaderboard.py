"""The surrogate leaderboard (issue 8): every model, every split, every dataset on disk.

    FUSEBOUND_HLS4ML_DATA=../shared/data/hls4ml python benchmarks/leaderboard.py \
        --out benchmarks/results/leaderboard

trains every model on the training split of every dataset found (the hls4ml data folder and
``datasets/openflow``), scores every test split and writes ``leaderboard.md``, ``.csv``,
``.json`` and ``plots/`` into ``--out``; checkpoints go to ``--out/checkpoints`` so an
interrupted run resumes. ``--quick`` runs tiny models on a few hundred designs (seconds to a
minute). All options of ``fusebound leaderboard`` apply (this script calls the same command).
"""

from __future__ import annotations

import sys

from fusebound.cli import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--out" not in argv:
        argv += ["--out", "benchmarks/results/leaderboard"]
    sys.exit(main(["leaderboard", *argv]))
