"""The on-disk form of an open-flow dataset folder (append-friendly, resumable, compact).

Layout of a dataset folder ``DIR``::

    DIR/space.yaml          the design space the records were drawn from (checked on resume)
    DIR/pending.jsonl       journal: one JSON record per finished design, appended + fsynced
    DIR/shards/part-NNNNN.parquet   compacted records (zstd Parquet), written every shard_size
    DIR/runs.jsonl          one line per runner invocation (command, counts, designs/hour)
    DIR/work/               scratch Verilog and Yosys output (deleted per design; gitignored)

A record reaches the journal the moment its design finishes, so a killed run loses at most the
designs in flight. :func:`read_dataset` reads shards and journal together and keeps the last
record of each ``design_id``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable

from fpga.openflow.errors import OpenFlowError

PENDING = "pending.jsonl"
SHARDS = "shards"
RUNS = "runs.jsonl"
SPACE = "space.yaml"
MANIFEST = "MANIFEST.sha256"


def append_journal(folder: str | Path, record: dict[str, Any]) -> None:
    """Append one record to ``pending.jsonl`` and fsync it (crash-safe)."""
    path = Path(folder) / PENDING
    line = json.dumps(record, sort_keys=True, allow_nan=False, default=_json_default) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def read_journal(folder: str | Path) -> list[dict[str, Any]]:
    """Records in ``pending.jsonl``; a torn last line (killed mid-write) is ignored."""
    path = Path(folder) / PENDING
    if not path.exists():
        return []
    out = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            if k == len(lines) - 1:
                continue  # torn write of the last line
            raise OpenFlowError(f"{path} line {k + 1} is not valid JSON: {e}") from e
        if not isinstance(rec, dict) or "design_id" not in rec:
            raise OpenFlowError(f"{path} line {k + 1} is not a record with a design_id")
        out.append(rec)
    return out


def shard_paths(folder: str | Path) -> list[Path]:
    return sorted((Path(folder) / SHARDS).glob("part-*.parquet"))


def _frame(records: Iterable[dict[str, Any]]):
    import pandas as pd

    df = pd.DataFrame(list(records))
    for col in ("widths", "hwconf"):
        if col in df:  # lists are stored as JSON text: one simple schema for every shard
            df[col] = df[col].map(lambda v: v if isinstance(v, str) or v is None else json.dumps(list(v)))
    return df


def flush_shard(folder: str | Path) -> Path | None:
    """Move the journal's records into a new Parquet shard; returns its path (None if empty).

    The shard is written to a temporary name and renamed before the journal is emptied, so a
    crash in between leaves duplicates (removed on read), never a loss.
    """
    folder = Path(folder)
    recs = read_journal(folder)
    if not recs:
        return None
    (folder / SHARDS).mkdir(parents=True, exist_ok=True)
    existing = shard_paths(folder)
    nxt = 1 + max((int(p.stem.split("-")[1]) for p in existing), default=-1)
    path = folder / SHARDS / f"part-{nxt:05d}.parquet"
    tmp = path.with_suffix(".parquet.tmp")
    _frame(recs).to_parquet(tmp, index=False, compression="zstd")
    os.replace(tmp, path)
    with open(folder / PENDING, "w", encoding="utf-8") as f:
        f.flush()
        os.fsync(f.fileno())
    return path


def read_dataset(folder: str | Path, status: str | None = None):
    """All records of a dataset folder as a pandas DataFrame (one row per ``design_id``).

    ``status="ok"`` keeps synthesized designs only, ``"failed"`` only the failures. ``widths``
    comes back as a list of ints.
    """
    import pandas as pd

    folder = Path(folder)
    if not folder.is_dir():
        raise OpenFlowError(f"open-flow dataset folder {folder} does not exist")
    parts = [pd.read_parquet(p) for p in shard_paths(folder)]
    journal = read_journal(folder)
    if journal:
        parts.append(_frame(journal))
    if not parts:
        raise OpenFlowError(f"{folder} holds no open-flow records (no {SHARDS}/part-*.parquet, no {PENDING})")
    df = pd.concat([p for p in parts if len(p)], ignore_index=True)
    df = df.drop_duplicates("design_id", keep="last").reset_index(drop=True)
    if "widths" in df:
        df["widths"] = df["widths"].map(lambda v: json.loads(v) if isinstance(v, str) else v)
    if status is not None:
        if status not in ("ok", "failed"):
            raise OpenFlowError(f"status must be 'ok', 'failed' or None; got {status!r}")
        df = df[df["status"] == status].reset_index(drop=True)
    return df


def finished_ids(folder: str | Path, include_failed: bool = True) -> set[str]:
    """``design_id``s already recorded (ok, and failed unless ``include_failed=False``)."""
    folder = Path(folder)
    if not shard_paths(folder) and not (folder / PENDING).exists():
        return set()
    try:
        df = read_dataset(folder)
    except OpenFlowError:
        return set()
    if not include_failed:
        df = df[df["status"] == "ok"]
    return set(df["design_id"])


def write_manifest(folder: str | Path) -> Path:
    """``MANIFEST.sha256`` (``sha256sum`` format) over space, runs, journal and shards."""
    folder = Path(folder)
    files = [folder / SPACE, folder / RUNS, folder / PENDING] + shard_paths(folder)
    lines = []
    for p in files:
        if p.exists():
            digest = hashlib.sha256(p.read_bytes()).hexdigest()
            lines.append(f"{digest}  {p.relative_to(folder).as_posix()}")
    path = folder / MANIFEST
    path.write_text("\n".join(lines) + "\n")
    return path


def verify_manifest(folder: str | Path) -> list[str]:
    """Files whose checksum differs from ``MANIFEST.sha256`` (empty list: all match)."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.exists():
        raise OpenFlowError(f"{path} does not exist; run write_manifest first")
    bad = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        digest, name = line.split(None, 1)
        p = (folder / name.strip()).resolve()
        if folder.resolve() not in p.parents:
            raise OpenFlowError(f"manifest entry {name!r} points outside {folder}")
        if not p.exists() or hashlib.sha256(p.read_bytes()).hexdigest() != digest:
            bad.append(name.strip())
    return bad


def read_runs(folder: str | Path) -> list[dict[str, Any]]:
    """One entry per runner invocation from ``runs.jsonl``: the last line of each ``run_id``
    (``start``/``checkpoint``/``end`` events), so a killed run counts up to its last checkpoint."""
    path = Path(folder) / RUNS
    if not path.exists():
        return []
    last: dict[str, dict[str, Any]] = {}
    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue  # torn last line of a killed run
        last[str(d.get("run_id", f"line{k}"))] = d
    return list(last.values())
