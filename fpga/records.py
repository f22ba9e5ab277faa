"""Labelled designs (:class:`Record`) and the one reader for every supported source.

A record is a :class:`~fpga.Design` plus labels ``target -> value`` with an explicit provenance
per target: ``hls_estimate`` (Vivado/Vitis HLS C synthesis), ``post_synthesis`` (Vivado logic
synthesis) or ``open_synthesis`` (open-source flows). A record carries one value per target, so
it never mixes provenances within a target.

Units: ``lut``, ``ff``, ``dsp``, ``uram`` counts; ``bram`` in BRAM36 blocks (0.5 per BRAM18);
``latency_cycles`` worst-case latency and ``ii_cycles`` worst-case initiation interval, in
clock cycles.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from fpga.design import Design, _jsonable
from fpga.errors import DesignError

TARGETS = ("lut", "ff", "dsp", "bram", "uram", "latency_cycles", "ii_cycles")
RESOURCE_TARGETS = ("lut", "ff", "dsp", "bram", "uram")
PROVENANCES = ("hls_estimate", "post_synthesis", "open_synthesis")
#: Choices of ``label_source`` (which resource report a source with both should use).
LABEL_SOURCES = ("post_synthesis", "hls_estimate")
#: Environment variable naming the default hls4ml data folder.
DATA_ENV = "FUSEBOUND_HLS4ML_DATA"
#: Environment variable naming a folder laid out like the workplace's ``shared/``
#: (``<folder>/data/hls4ml``); consulted after :data:`DATA_ENV`.
SHARED_ENV = "FUSEBOUND_SHARED"


def default_data_dir() -> Path | None:
    """The hls4ml data folder named by ``$FUSEBOUND_HLS4ML_DATA``, else
    ``$FUSEBOUND_SHARED/data/hls4ml`` when it exists, else ``None`` (read at call time)."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    shared = os.environ.get(SHARED_ENV)
    if shared and (Path(shared) / "data" / "hls4ml").exists():
        return Path(shared) / "data" / "hls4ml"
    return None


@dataclass(frozen=True)
class Record:
    """One labelled design: ``labels[target]`` with ``provenance[target]`` (see module doc);
    ``source`` says where it came from (``"<format>:<file>#<index>"``), ``meta`` free-form."""

    design: Design
    labels: Mapping[str, float]
    provenance: Mapping[str, str]
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.design, Design):
            raise DesignError(f"design of Record must be a Design; got "
                              f"{type(self.design).__name__}")
        labels = {}
        for k, v in dict(self.labels).items():
            if k not in TARGETS:
                raise DesignError(f"label target of Record must be one of {', '.join(TARGETS)};"
                                  f" got {k!r}")
            try:
                f = float(v)
            except (TypeError, ValueError) as e:
                raise DesignError(f"label {k!r} of Record must be a number; got {v!r}") from e
            if not math.isfinite(f) or f < 0:
                raise DesignError(f"label {k!r} of Record must be finite and >= 0; got {v!r}")
            labels[k] = f
        prov = {str(k): str(v) for k, v in dict(self.provenance).items()}
        if set(prov) != set(labels):
            raise DesignError(f"provenance of Record must name exactly the labelled targets "
                              f"{sorted(labels)}; got {sorted(prov)}")
        bad = {k: v for k, v in prov.items() if v not in PROVENANCES}
        if bad:
            raise DesignError(f"provenance of Record must be one of {', '.join(PROVENANCES)}; "
                              f"got {bad}")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "provenance", prov)
        object.__setattr__(self, "meta", _jsonable(dict(self.meta or {})))

    def to_dict(self) -> dict[str, Any]:
        return {"design": self.design.to_dict(), "labels": dict(self.labels),
                "provenance": dict(self.provenance), "source": self.source,
                "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Record":
        if not isinstance(d, Mapping) or "design" not in d:
            raise DesignError("record dict must have 'design', 'labels' and 'provenance'")
        return cls(design=Design.from_dict(d["design"]), labels=d.get("labels", {}),
                   provenance=d.get("provenance", {}), source=d.get("source", ""),
                   meta=d.get("meta", {}))


class SkipReport:
    """Counts of skipped records by reason, with a few example locations per reason."""

    def __init__(self, max_examples: int = 3) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self.max_examples = max_examples

    def add(self, reason: str, where: str = "") -> None:
        self.counts[reason] += 1
        ex = self.examples.setdefault(reason, [])
        if where and len(ex) < self.max_examples:
            ex.append(where)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total,
                "reasons": [{"reason": r, "count": c, "examples": self.examples.get(r, [])}
                            for r, c in self.counts.most_common()]}

    def __str__(self) -> str:
        if not self.total:
            return "no records skipped"
        lines = [f"{self.total} record(s) skipped:"]
        lines += [f"  {c} x {r}" for r, c in self.counts.most_common()]
        return "\n".join(lines)


#: Signature of an importer: (path, label_source, skip(reason, where)) -> records.
Importer = Callable[[Path, str, Callable[[str, str], None]], Iterator[Record]]


def _importers() -> dict[str, Importer]:
    from fpga.importers import ntorc, reports, wa_hls4ml
    from fpga.openflow.dataset import iter_records as openflow_records

    return {
        "wa_hls4ml_json": wa_hls4ml.iter_json,
        "wa_hls4ml_csv": wa_hls4ml.iter_csv,
        "ntorc": ntorc.iter_csv,
        "hls_reports": reports.iter_report_folder,
        "openflow": openflow_records,  # datasets/openflow (fpga.openflow)
    }


SOURCE_NAMES = ("wa_hls4ml_json", "wa_hls4ml_csv", "ntorc", "hls_reports", "openflow")


def detect_source(path: Path) -> str | None:
    """Name of the importer for a file (by name and first bytes), or ``None``."""
    from fpga.importers import reports
    from fpga.openflow.dataset import is_openflow_file

    if is_openflow_file(path):  # open-flow dataset shard or journal (fpga.openflow)
        return "openflow"
    name = path.name.lower()
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as f:
            head = f.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return None
    if suffix == ".json":
        if '"model_config"' in head or '"meta_data"' in head or '"hls_config"' in head:
            return "wa_hls4ml_json"
        return None
    if suffix == ".csv":
        first = head.splitlines()[0] if head else ""
        if "model_string" in first and "LUT_hls" in first:
            return "wa_hls4ml_csv"
        if "model_number" in first and "layer_index" in first:
            return "ntorc"
        return None
    if reports.detect_report(name, head):
        return "hls_reports"
    return None


class RecordReader:
    """Iterable over the records of a file or folder; ``skipped`` reports what was skipped.

    Iterating again re-reads the data and resets ``skipped`` and ``count``. Files of unknown
    format inside a folder are counted in ``ignored_files`` (not records, so not skips).
    """

    def __init__(self, path: str | Path | None, source: str | None = None,
                 label_source: str = "post_synthesis", progress: bool = False) -> None:
        if path is None:
            env = os.environ.get(DATA_ENV)
            if not env:
                raise DesignError(f"no path given and {DATA_ENV} is not set; pass the file or "
                                  f"folder of hls4ml records")
            path = env
        self.path = Path(path)
        if not self.path.exists():
            raise DesignError(f"record path {self.path} does not exist")
        if source is not None and source not in SOURCE_NAMES:
            raise DesignError(f"unknown record source {source!r}; valid sources: "
                              f"{', '.join(SOURCE_NAMES)}")
        if label_source not in LABEL_SOURCES:
            raise DesignError(f"label_source must be one of {', '.join(LABEL_SOURCES)}; got "
                              f"{label_source!r}")
        self.source = source
        self.label_source = label_source
        self.progress = progress
        self.skipped = SkipReport()
        self.count = 0
        self.by_source: Counter[str] = Counter()
        self.ignored_files: list[str] = []

    def _files(self) -> list[tuple[Path, str]]:
        if self.path.is_file():
            src = self.source or detect_source(self.path)
            if src is None:
                raise DesignError(f"cannot tell the format of {self.path}; pass source= one of "
                                  f"{', '.join(SOURCE_NAMES)}")
            return [(self.path, src)]
        out: list[tuple[Path, str]] = []
        report_dirs: set[Path] = set()
        for root, dirs, files in os.walk(self.path):
            dirs.sort()
            for fn in sorted(files):
                p = Path(root) / fn
                src = detect_source(p)
                if self.source is not None and src != self.source:
                    if src is None:
                        self.ignored_files.append(str(p))
                    continue
                if src is None:
                    if p.suffix.lower() in (".json", ".csv", ".xml", ".rpt") and \
                            p.name.lower() not in ("design.json", "design.yaml", "design.yml"):
                        self.ignored_files.append(str(p))  # design files belong to reports
                    continue
                if src == "hls_reports":  # one record per design folder of reports
                    from fpga.importers.reports import find_design_dir

                    folder = find_design_dir(p, self.path) or p.parent
                    if folder not in report_dirs:
                        report_dirs.add(folder)
                        out.append((folder, src))
                    continue
                out.append((p, src))
        return out

    def __iter__(self) -> Iterator[Record]:
        self.skipped = SkipReport()
        self.count = 0
        self.by_source = Counter()
        self.ignored_files = []
        importers = _importers()
        files = self._files()
        bar = None
        if self.progress:
            from tqdm import tqdm

            import sys

            bar = tqdm(total=None, desc="records", unit="rec", file=sys.stderr)
        try:
            for path, src in files:
                fn = importers[src]
                if src == "hls_reports" and path.is_file():
                    from fpga.importers.reports import find_design_dir

                    path = find_design_dir(path, Path(path.resolve().anchor)) or path.parent
                for rec in fn(path, self.label_source, self.skipped.add):
                    self.count += 1
                    self.by_source[src] += 1
                    if bar is not None:
                        bar.update(1)
                    yield rec
        finally:
            if bar is not None:
                bar.close()

    def summary(self) -> dict[str, Any]:
        """Counts after an iteration: records per source, skips by reason, ignored files."""
        return {"path": str(self.path), "records": self.count, "by_source": dict(self.by_source),
                "label_source": self.label_source, "skipped": self.skipped.to_dict(),
                "ignored_files": list(self.ignored_files)}


def read_records(path: str | Path | None = None, source: str | None = None,
                 label_source: str = "post_synthesis", progress: bool = False) -> RecordReader:
    """Records of a file or folder of any supported source (see :data:`SOURCE_NAMES`).

    ``source`` forces one importer (default: detect per file). ``label_source`` picks which
    resource report to use where a source has both (wa-hls4ml JSON): ``post_synthesis``
    (``resource_report``, the benchmark's choice; records without it are skipped) or
    ``hls_estimate`` (``hls_resource_report``). Sources with one kind of label give that kind;
    provenance always says which. ``path=None`` reads ``$FUSEBOUND_HLS4ML_DATA``.
    Returns a lazy, re-iterable :class:`RecordReader`; its ``skipped`` report fills as it is
    iterated.
    """
    return RecordReader(path, source=source, label_source=label_source, progress=progress)


def summarize_records(path: str | Path | None = None, source: str | None = None,
                      label_source: str = "post_synthesis") -> dict[str, Any]:
    """Read every record of ``path`` and count them: per source, per (target, provenance),
    distinct parts and layer types, plus the skip report."""
    reader = read_records(path, source=source, label_source=label_source)
    targets: Counter[tuple[str, str]] = Counter()
    part_names: Counter[str] = Counter()
    layer_types: Counter[str] = Counter()
    for rec in reader:
        for t, p in rec.provenance.items():
            targets[(t, p)] += 1
        part_names[rec.design.part or "?"] += 1
        for l in rec.design.layers:
            layer_types[l.type] += 1
    out = reader.summary()
    out["targets"] = [{"target": t, "provenance": p, "records": n}
                      for (t, p), n in sorted(targets.items())]
    out["parts"] = dict(part_names.most_common())
    out["layer_types"] = dict(layer_types.most_common())
    return out
