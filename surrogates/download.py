"""Download the full wa-hls4ml dataset from the Hugging Face hub (``huggingface_hub``).

Kept apart from the readers: it only fetches files; ``load_dataset('wa-hls4ml', DIR)`` reads
them. It cannot be exercised offline; it is a thin call of ``snapshot_download``.
"""

from __future__ import annotations

from pathlib import Path

from .errors import SurrogateError

REPOS = {"wa-hls4ml": "fastmachinelearning/wa-hls4ml"}


def download(name: str, to, subsets: list[str] | None = None, revision: str | None = None) -> Path:
    """Fetch dataset ``name`` into folder ``to``; ``subsets`` limits the JSON files to those
    whose names contain one of the given subset names (e.g. ``["2layer", "exemplar"]``)."""
    if name not in REPOS:
        raise SurrogateError(f"dataset to download must be one of {sorted(REPOS)}; got {name!r}")
    from ._deps import require
    hub = require("huggingface_hub")
    patterns = None
    if subsets:
        patterns = [f"*{s}*" for s in subsets] + ["*.md"]
    path = hub.snapshot_download(repo_id=REPOS[name], repo_type="dataset", local_dir=str(to),
                                 allow_patterns=patterns, revision=revision)
    return Path(path)
