"""Datasets of labelled hls4ml designs: sources, loading, the compact cache.

Sources (``load_dataset(source, path=None, ...)``; see ``datasets/`` for their cards):

==================  ==========================================================================
``wa-hls4ml``       wa-hls4ml JSON records (the full Hugging Face dataset after
                    ``fusebound data download wa-hls4ml --to DIR``, or the fixture files);
                    published split from the file names (``train_*``, ``val_*``, ``test_*``,
                    ``exemplar*``)
``wa-hls4ml-csv``   the wa-hls4ml CSV exports (C-synthesis labels only)
``ntorc``           N-TORC per-layer CSVs (single-layer designs; grouped by layer config)
``records``         any file or folder the ``fpga`` importers read (a user's own runs)
``all``             every source above found under the data root, concatenated
==================  ==========================================================================

``path`` defaults to ``$FUSEBOUND_HLS4ML_DATA`` (the folder laid out like
``shared/data/hls4ml``: ``wa_hls4ml/fixtures``, ``wa_hls4ml/csv_exports``, ``ntorc``) plus the
source's sub-folder. Reading goes through ``fpga.read_records`` (streamed with ijson), and
records are packed as they stream, so raw JSON is never held in memory. With ``cache=True``
the packed arrays are written to an HDF5 file keyed by the source files' sizes and mtimes,
and later loads read that file instead.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from .errors import SurrogateError
from .packed import PackedDesigns, pack_designs

DATA_ENV = "FUSEBOUND_HLS4ML_DATA"
OPENFLOW_ENV = "FUSEBOUND_OPENFLOW_DATA"
CACHE_ENV = "FUSEBOUND_CACHE"
#: source name -> (fpga importer name or None for auto-detect, default sub-folder of the root)
SOURCES: dict[str, tuple[str | None, str]] = {
    "wa-hls4ml": ("wa_hls4ml_json", "wa_hls4ml/fixtures"),
    "wa-hls4ml-csv": ("wa_hls4ml_csv", "wa_hls4ml/csv_exports"),
    "ntorc": ("ntorc", "ntorc"),
    "records": (None, "."),
}
_SPLIT_RE = re.compile(r"^(train|val|test|exemplar)")


def data_root(path=None) -> Path:
    """``path`` or ``$FUSEBOUND_HLS4ML_DATA``; a clear error when neither is given."""
    if path is not None:
        return Path(path)
    env = os.environ.get(DATA_ENV)
    if not env:
        raise SurrogateError(f"data path must be given (path=..., --path) or {DATA_ENV} must "
                             "name the hls4ml data folder; got neither")
    return Path(env)


def openflow_path(path=None) -> Path:
    """``path``, else ``$FUSEBOUND_OPENFLOW_DATA``, else ``datasets/openflow`` under the
    current directory (the project's own generated dataset)."""
    if path is not None:
        return Path(path)
    env = os.environ.get(OPENFLOW_ENV)
    return Path(env) if env else Path("datasets") / "openflow"


def source_path(source: str, path=None) -> Path:
    """Where ``source`` is read from: ``path`` as given, else root / default sub-folder."""
    if source not in SOURCES:
        raise SurrogateError(f"data source must be one of {sorted(SOURCES) + ['all']}; got "
                             f"{source!r}")
    if path is not None:
        return Path(path)
    return data_root() / SOURCES[source][1]


def published_split(record_source: str) -> str:
    """Published split of a wa-hls4ml record from its file name ('' if none)."""
    fname = record_source.split(":", 1)[-1].split("#", 1)[0]
    m = _SPLIT_RE.match(Path(fname).name.lower())
    if m:
        return m.group(1)
    parent = Path(fname).parent.name.lower()
    return parent if parent in ("train", "val", "test", "exemplar") else ""


def pack_records(records, source: str = "records", chunk: int = 20000,
                 keep_json: bool = True) -> PackedDesigns:
    """Pack an iterable of ``fpga.Record`` s (streamed in chunks) into one ``PackedDesigns``.

    Each chunk's records are dropped once packed; with ``keep_json`` the designs survive as
    compact JSON text (about 1-2 kB each: pass ``keep_json=False`` for the full 684k-record
    dataset unless the analytic baseline must run on it)."""
    out, buf = [], []

    def flush():
        if buf:
            p = pack_designs([r.design for r in buf], labels=[r.labels for r in buf],
                             provenance=[r.provenance for r in buf],
                             splits=[published_split(r.source) for r in buf],
                             source=source, keep_json=keep_json)
            if p.design_json is not None:
                p.design_json = list(p.design_json)  # text only; Design objects are freed
            out.append(p)
            buf.clear()

    for rec in records:
        buf.append(rec)
        if len(buf) >= chunk:
            flush()
    flush()
    return PackedDesigns.concat(out) if out else PackedDesigns.concat([])


def _fingerprint(path: Path, extra: str) -> str:
    h = hashlib.sha1(extra.encode())
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for p in files:
        st = p.stat()
        h.update(f"{p.resolve()}|{st.st_size}|{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def cache_dir(cache_dir=None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get(CACHE_ENV)
    return Path(env) / "surrogates" if env else Path.home() / ".cache" / "fusebound" / "surrogates"


def load_dataset(source: str, path=None, label_source: str = "hls_estimate",
                 cache: bool = False, cache_dir_=None, progress: bool = False,
                 limit: int | None = None, dedupe: bool = False,
                 keep_designs: bool = True) -> PackedDesigns:
    """Labelled designs of ``source`` (see the module docstring) as ``PackedDesigns``.

    ``label_source`` picks the resource report where a source has two (wa-hls4ml JSON):
    ``hls_estimate`` or ``post_synthesis``; each label keeps its provenance. ``limit`` reads
    at most that many records (quick looks); ``dedupe`` drops exact repeats (same design,
    labels and provenance; N-TORC); ``keep_designs=False`` keeps arrays only (for the full
    dataset: saves ~1 GB; the ``fpga`` analytic baseline then cannot run on it). Raises :class:`SurrogateError` when the source
    yields no design.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                              or limit < 1):
        raise SurrogateError(f"limit of records to read must be an int >= 1 (or None for "
                             f"all); got {limit!r}")
    if source == "all":
        parts = []
        root = data_root(path)
        for name in ("wa-hls4ml", "wa-hls4ml-csv", "ntorc"):
            p = root / SOURCES[name][1]
            if p.exists():
                parts.append(load_dataset(name, p, label_source, cache, cache_dir_, progress,
                                          limit, dedupe, keep_designs))
        if not parts:
            raise SurrogateError(f"data root {root} must contain at least one of "
                                 f"{[SOURCES[n][1] for n in ('wa-hls4ml', 'wa-hls4ml-csv', 'ntorc')]}; got none")
        data = PackedDesigns.concat(parts)
        data.skipped = _merge_skipped(parts)  # type: ignore[attr-defined]
        return data
    p = source_path(source, path)
    if not p.exists():
        raise SurrogateError(f"data path of source {source!r} must exist; got {p}")
    cache_file = None
    if cache:
        from .packed import CACHE_FORMAT
        key = _fingerprint(p, f"{source}|{label_source}|{limit}|{keep_designs}|{CACHE_FORMAT}")
        cache_file = cache_dir(cache_dir_) / f"{source}-{key}.h5"
        if cache_file.is_file():
            data = PackedDesigns.load_h5(cache_file, with_designs=keep_designs)
            return data.dedupe() if dedupe else data
    import fpga
    try:
        reader = fpga.read_records(p, source=SOURCES[source][0], label_source=label_source,
                                   progress=progress)
        recs = iter(reader)
        if limit is not None:
            import itertools
            recs = itertools.islice(recs, limit)
        data = pack_records(recs, source=source, keep_json=keep_designs)
    except (fpga.DesignError, UnicodeDecodeError) as e:  # not text: junk bytes or a binary
        raise SurrogateError(f"reading source {source!r} at {p}: {e}") from e
    data.skipped = reader.skipped.to_dict()  # type: ignore[attr-defined]
    if len(data) == 0:
        raise SurrogateError(f"source {source!r} at {p} must yield at least one labelled "
                             f"design; got none ({reader.skipped})")
    if cache_file is not None:
        data.save_h5(cache_file)
    if dedupe:
        skipped = data.skipped  # type: ignore[attr-defined]
        data = data.dedupe()
        data.skipped = skipped  # type: ignore[attr-defined]
    return data


def _merge_skipped(parts) -> dict | None:
    """The skipped-record counts of several sources as one ``{total, reasons}`` dict; None
    when a part does not know its count (read from a cache)."""
    reasons: list = []
    for part in parts:
        skipped = getattr(part, "skipped", None)
        if skipped is None:
            return None
        reasons.extend(skipped.get("reasons", []))
    return {"total": int(sum(r.get("count", 0) for r in reasons)), "reasons": reasons}


def summarize(data: PackedDesigns) -> dict:
    """Counts for a dataset card / ``fusebound data info``."""
    from .features import LAYER_TYPES
    from .packed import PROVENANCE_CODES
    from .targets import TARGETS
    lab = {t: int(np.isfinite(data.labels[:, j]).sum()) for j, t in enumerate(TARGETS)}
    prov = {}
    for j, t in enumerate(TARGETS):
        codes, counts = np.unique(data.provenance[:, j][np.isfinite(data.labels[:, j])],
                                  return_counts=True)
        prov[t] = {PROVENANCE_CODES[c]: int(n) for c, n in zip(codes, counts)}
    types, tcounts = np.unique(data.layer_type, return_counts=True)
    splits, scounts = np.unique(data.split_names(), return_counts=True)
    return {"designs": len(data), "layers": int(data.layer_ptr[-1]),
            "architectures": int(len(np.unique(data.arch))),
            "labels": lab, "provenance": prov,
            "layer_types": {LAYER_TYPES[k]: int(c) for k, c in zip(types, tcounts)},
            "parts": sorted(set(data.part_names()) - {""}),
            "published_split": {str(s) or "(none)": int(c) for s, c in zip(splits, scounts)},
            "depth": [int(data.depth.min()), int(data.depth.max())] if len(data) else [0, 0],
            "skipped": getattr(data, "skipped", None)}
