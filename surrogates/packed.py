"""Columnar packing of many designs: the in-memory form and the compact on-disk cache.

``PackedDesigns`` holds every layer of every design in flat arrays (CSR style: design ``i``
owns layers ``layer_ptr[i]:layer_ptr[i+1]`` and edges ``edge_ptr[i]:edge_ptr[i+1]``, edges in
local layer indices). It never holds raw JSON; 680k designs of ~10 layers take ~0.5 GB.
The cache is one HDF5 file with the same arrays (lzf-compressed, chunked), so a dataset reloads
in seconds and :func:`iter_h5_batches` streams contiguous slices of designs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from .errors import SurrogateError
from .features import (DESIGN_COLUMNS, LAYER_COLUMNS, activation_code, io_type_code,
                       layer_type_code, strategy_code)
from .targets import PROVENANCES, TARGETS

SPLIT_NAMES: tuple[str, ...] = ("", "train", "val", "test", "exemplar")
PROVENANCE_CODES: tuple[str, ...] = ("",) + PROVENANCES
#: Version of the packing rules (columns, codes, architecture keys); part of the cache format
#: and of cache file names, so a cache made by older code is never read as current.
PACK_VERSION = 5
CACHE_FORMAT = f"fusebound-packed-designs/{PACK_VERSION}"

_ARRAYS = ("layer_ptr", "layer_type", "layer_act", "layer_num", "layer_level", "edge_ptr",
           "edges", "design_num", "strategy", "io_type", "part", "labels", "provenance", "arch",
           "split", "source")


@dataclass
class PackedDesigns:
    """Designs packed into flat arrays (see the module docstring); labels NaN where missing."""

    layer_ptr: np.ndarray      # int64 (n+1,)
    layer_type: np.ndarray     # int16 (L,) index into features.LAYER_TYPES
    layer_act: np.ndarray      # int16 (L,) index into features.ACTIVATIONS
    layer_num: np.ndarray      # float32 (L, len(LAYER_COLUMNS))
    layer_level: np.ndarray    # int32 (L,) longest-path depth from the inputs
    edge_ptr: np.ndarray       # int64 (n+1,)
    edges: np.ndarray          # int32 (E, 2) local (src, dst) layer indices
    design_num: np.ndarray     # float32 (n, len(DESIGN_COLUMNS))
    strategy: np.ndarray       # int8 (n,)
    io_type: np.ndarray        # int8 (n,)
    part: np.ndarray           # int32 (n,) index into ``parts`` (-1: none)
    labels: np.ndarray         # float32 (n, len(TARGETS)); NaN = missing
    provenance: np.ndarray     # int8 (n, len(TARGETS)) index into PROVENANCE_CODES
    arch: np.ndarray           # uint64 (n,) architecture key (layers without RF / precision)
    split: np.ndarray          # int8 (n,) index into SPLIT_NAMES (published split or "")
    source: np.ndarray         # int16 (n,) index into ``sources``
    names: list = field(default_factory=list)
    parts: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    #: optional JSON text of each design (``fpga.Design.to_dict``), for models that need the
    #: full design (the analytic estimator); None when not kept.
    design_json: list | None = None

    def __post_init__(self) -> None:
        n = len(self.layer_ptr) - 1
        if n < 0 or len(self.edge_ptr) != n + 1:
            raise SurrogateError("layer_ptr and edge_ptr of PackedDesigns must both have n+1 "
                                 f"entries; got {len(self.layer_ptr)} and {len(self.edge_ptr)}")
        if n and np.any(np.diff(self.layer_ptr) < 1):
            raise SurrogateError("every design of PackedDesigns must have at least one layer")
        if len(self.names) != n:
            raise SurrogateError(f"names of PackedDesigns must have {n} entries; got "
                                 f"{len(self.names)}")

    def __len__(self) -> int:
        return len(self.layer_ptr) - 1

    @property
    def n_layers(self) -> np.ndarray:
        return np.diff(self.layer_ptr)

    @property
    def depth(self) -> np.ndarray:
        """Number of compute layers (layers with parameters, or conv / dense / recurrent)."""
        from .features import LAYER_TYPES
        compute = np.isin(np.asarray(LAYER_TYPES)[self.layer_type],
                          ["Dense", "Conv1D", "Conv2D", "DepthwiseConv1D", "DepthwiseConv2D",
                           "SeparableConv1D", "SeparableConv2D", "LSTM", "GRU", "SimpleRNN"])
        compute |= self.layer_num[:, LAYER_COLUMNS.index("parameters")] > 0
        return np.add.reduceat(compute.astype(np.int64), self.layer_ptr[:-1]) if len(self) else \
            np.zeros(0, np.int64)

    def part_names(self) -> list[str]:
        return [self.parts[p] if p >= 0 else "" for p in self.part]

    def split_names(self) -> np.ndarray:
        return np.asarray(SPLIT_NAMES, dtype=object)[self.split]

    def source_names(self) -> np.ndarray:
        return np.asarray(self.sources, dtype=object)[self.source] if len(self) else \
            np.zeros(0, dtype=object)

    def take(self, idx) -> "PackedDesigns":
        """Designs ``idx`` (an index array or boolean mask), in that order."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64)
        lo, hi = self.layer_ptr[idx], self.layer_ptr[idx + 1]
        lidx, lptr = _ranges(lo, hi - lo)
        elo, ehi = self.edge_ptr[idx], self.edge_ptr[idx + 1]
        eidx, eptr = _ranges(elo, ehi - elo)
        return PackedDesigns(
            layer_ptr=lptr, layer_type=self.layer_type[lidx], layer_act=self.layer_act[lidx],
            layer_num=self.layer_num[lidx], layer_level=self.layer_level[lidx], edge_ptr=eptr,
            edges=self.edges[eidx], design_num=self.design_num[idx], strategy=self.strategy[idx],
            io_type=self.io_type[idx], part=self.part[idx], labels=self.labels[idx],
            provenance=self.provenance[idx], arch=self.arch[idx], split=self.split[idx],
            source=self.source[idx], names=[self.names[i] for i in idx], parts=list(self.parts),
            sources=list(self.sources),
            design_json=None if self.design_json is None else [self.design_json[i] for i in idx])

    def designs(self) -> list:
        """The ``fpga.Design`` objects (needs ``design_json``; see ``load_h5(with_designs=)``)."""
        if self.design_json is None:
            raise SurrogateError("this PackedDesigns keeps no design JSON; load the cache with "
                                 "with_designs=True or pack the designs again")
        if isinstance(self.design_json, _LazyJSON) and self.design_json._part is None:
            return list(self.design_json._designs)
        import json
        import fpga
        return [fpga.Design.from_dict(json.loads(s)) for s in self.design_json]

    def with_provenance(self, provenance) -> "PackedDesigns":
        """A copy whose labels of any other provenance are set missing, so a model never mixes
        provenances within a target. ``provenance`` is one name for every target or a dict
        target -> name."""
        if isinstance(provenance, str):
            provenance = {t: provenance for t in TARGETS}
        bad = {t: p for t, p in provenance.items() if p not in PROVENANCES or t not in TARGETS}
        if bad:
            raise SurrogateError(f"label provenance must map targets {list(TARGETS)} to one of "
                                 f"{list(PROVENANCES)}; got {bad}")
        want = np.asarray([PROVENANCE_CODES.index(provenance[t]) if t in provenance else -1
                           for t in TARGETS], dtype=np.int8)
        out = self.take(np.arange(len(self)))
        keep = out.provenance == want[None, :]
        out.labels = np.where(keep, out.labels, np.nan).astype(np.float32)
        out.provenance = np.where(keep, out.provenance, 0).astype(np.int8)
        return out

    #: the arrays a model's inputs and labels are made of (see :meth:`content_hash`)
    _CONTENT = ("layer_ptr", "layer_type", "layer_act", "layer_num", "layer_level", "edge_ptr",
                "edges", "design_num", "strategy", "io_type", "part", "labels", "provenance")

    def content_hash(self) -> str:
        """SHA-256 (16 hex digits) of every array a model reads (features, graph, labels and
        their provenance) and of the part names: equal hashes, equal training data. A change
        in how records are read (e.g. a new per-layer feature) changes it even when the
        design names stay the same."""
        import hashlib
        h = hashlib.sha256()
        for name in self._CONTENT:
            a = np.ascontiguousarray(getattr(self, name))
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
        h.update("|".join(self.parts).encode())
        return h.hexdigest()[:16]

    def dedupe(self) -> "PackedDesigns":
        """Designs with identical design JSON, labels and provenance kept once (N-TORC rows
        repeat heavily); needs ``design_json``."""
        if self.design_json is None:
            raise SurrogateError("dedupe needs design_json; load with with_designs=True")
        seen: dict = {}
        keep = []
        for i, js in enumerate(self.design_json):
            key = (js, self.labels[i].tobytes(), self.provenance[i].tobytes())
            if key not in seen:
                seen[key] = i
                keep.append(i)
        return self.take(np.asarray(keep, dtype=np.int64))

    # -- persistence ---------------------------------------------------------------------
    def save_h5(self, path) -> Path:
        """Write the compact cache (HDF5, lzf-compressed); returns the path."""
        from ._deps import require
        h5py = require("h5py")
        path = Path(path)
        if path.is_dir():  # checked first: the whole cache was written, then not renamed
            raise SurrogateError(f"cache file {path} must be a file path; got a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with h5py.File(tmp, "w") as f:
            f.attrs["format"] = CACHE_FORMAT
            f.attrs["layer_columns"] = list(LAYER_COLUMNS)
            f.attrs["design_columns"] = list(DESIGN_COLUMNS)
            f.attrs["targets"] = list(TARGETS)
            for name in _ARRAYS:
                a = getattr(self, name)
                chunks = (min(max(len(a), 1), 65536),) + a.shape[1:] if len(a) else None
                f.create_dataset(name, data=a, chunks=chunks,
                                 compression="lzf" if len(a) else None)
            st = h5py.string_dtype("utf-8")
            f.create_dataset("names", data=np.asarray(self.names, dtype=object), dtype=st)
            f.create_dataset("parts", data=np.asarray(self.parts, dtype=object), dtype=st)
            f.create_dataset("sources", data=np.asarray(self.sources, dtype=object), dtype=st)
            if self.design_json is not None:
                blobs = [s.encode() for s in self.design_json]
                ptr = np.zeros(len(blobs) + 1, np.int64)
                np.cumsum([len(b) for b in blobs], out=ptr[1:])
                blob = np.frombuffer(b"".join(blobs), dtype=np.uint8)
                f.create_dataset("design_ptr", data=ptr)
                f.create_dataset("design_blob", data=blob, chunks=(min(max(len(blob), 1),
                                 1 << 20),) if len(blob) else None,
                                 compression="lzf" if len(blob) else None)
        tmp.replace(path)
        return path

    @classmethod
    def load_h5(cls, path, start: int = 0, stop: int | None = None,
                with_designs: bool = False) -> "PackedDesigns":
        """Read designs ``start:stop`` of a cache written by :meth:`save_h5` (with their
        design JSON when ``with_designs`` and the cache has it)."""
        from ._deps import require
        h5py = require("h5py")
        path = Path(path)
        if not path.is_file():
            raise SurrogateError(f"cache file must exist; got {path}")
        try:
            f = h5py.File(path, "r")
        except OSError as e:
            raise SurrogateError(f"cache file {path} must be an HDF5 file written by "
                                 f"PackedDesigns.save_h5; could not open it: {e}") from e
        with f:
            _check_cache(f, path)
            return _read_slice(f, start, stop, with_designs)

    @classmethod
    def concat(cls, parts: Sequence["PackedDesigns"]) -> "PackedDesigns":
        """One ``PackedDesigns`` holding all designs of ``parts`` (part / source names merged)."""
        parts = [p for p in parts if p is not None]
        if not parts:
            return empty()
        all_parts = sorted({x for p in parts for x in p.parts})
        all_sources = []
        for p in parts:
            all_sources += [s for s in p.sources if s not in all_sources]
        arrays = {k: [] for k in _ARRAYS}
        names = []
        loff = eoff = 0
        for k, p in enumerate(parts):
            remap_part = np.asarray([all_parts.index(x) for x in p.parts] + [-1], dtype=np.int32)
            remap_src = np.asarray([all_sources.index(x) for x in p.sources] + [0],
                                   dtype=np.int16)
            arrays["layer_ptr"].append(p.layer_ptr[(0 if k == 0 else 1):] + loff)
            arrays["edge_ptr"].append(p.edge_ptr[(0 if k == 0 else 1):] + eoff)
            loff += int(p.layer_ptr[-1])
            eoff += int(p.edge_ptr[-1])
            arrays["part"].append(remap_part[p.part])
            arrays["source"].append(remap_src[p.source])
            for name in _ARRAYS:
                if name not in ("layer_ptr", "edge_ptr", "part", "source"):
                    arrays[name].append(getattr(p, name))
            names += list(p.names)
        dj = None
        if all(p.design_json is not None for p in parts):
            dj = [s for p in parts for s in p.design_json]
        return cls(**{k: np.concatenate(v) for k, v in arrays.items()}, names=names,
                   parts=all_parts, sources=all_sources, design_json=dj)


def empty() -> PackedDesigns:
    """A ``PackedDesigns`` with no designs."""
    return PackedDesigns(
        layer_ptr=np.zeros(1, np.int64), layer_type=np.zeros(0, np.int16),
        layer_act=np.zeros(0, np.int16), layer_num=np.zeros((0, len(LAYER_COLUMNS)), np.float32),
        layer_level=np.zeros(0, np.int32), edge_ptr=np.zeros(1, np.int64),
        edges=np.zeros((0, 2), np.int32), design_num=np.zeros((0, len(DESIGN_COLUMNS)), np.float32),
        strategy=np.zeros(0, np.int8), io_type=np.zeros(0, np.int8), part=np.zeros(0, np.int32),
        labels=np.zeros((0, len(TARGETS)), np.float32),
        provenance=np.zeros((0, len(TARGETS)), np.int8), arch=np.zeros(0, np.uint64),
        split=np.zeros(0, np.int8), source=np.zeros(0, np.int16), names=[], parts=[], sources=[])


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ``arange(s, s+l)`` for each (s, l), and the pointer array of the result."""
    lengths = np.asarray(lengths, dtype=np.int64)
    ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    total = int(ptr[-1])
    if total == 0:
        return np.zeros(0, np.int64), ptr
    offs = np.repeat(np.asarray(starts, dtype=np.int64) - ptr[:-1], lengths)
    return np.arange(total, dtype=np.int64) + offs, ptr


def _check_cache(f, path) -> None:
    fmt = f.attrs.get("format")
    if fmt != CACHE_FORMAT:
        raise SurrogateError(f"cache file {path} must have format {CACHE_FORMAT!r}; got {fmt!r}")
    for key, want in (("layer_columns", LAYER_COLUMNS), ("design_columns", DESIGN_COLUMNS),
                      ("targets", TARGETS)):
        got = tuple(str(x) for x in f.attrs.get(key, ()))
        if got != tuple(want):
            raise SurrogateError(f"{key} of cache file {path} must be {list(want)} (rebuild the "
                                 f"cache with this version); got {list(got)}")


def _read_slice(f, start: int, stop: int | None, with_designs: bool = False) -> PackedDesigns:
    n = len(f["layer_ptr"]) - 1
    stop = n if stop is None else min(stop, n)
    start = max(0, min(start, stop))
    lp = f["layer_ptr"][start:stop + 1]
    ep = f["edge_ptr"][start:stop + 1]
    l0, l1, e0, e1 = int(lp[0]), int(lp[-1]), int(ep[0]), int(ep[-1])
    d = {"layer_ptr": lp - l0, "edge_ptr": ep - e0}
    for name in ("layer_type", "layer_act", "layer_num", "layer_level"):
        d[name] = f[name][l0:l1]
    d["edges"] = f["edges"][e0:e1]
    for name in ("design_num", "strategy", "io_type", "part", "labels", "provenance", "arch",
                 "split", "source"):
        d[name] = f[name][start:stop]
    names = [s.decode() if isinstance(s, bytes) else s for s in f["names"][start:stop]]
    parts = [s.decode() if isinstance(s, bytes) else s for s in f["parts"][:]]
    sources = [s.decode() if isinstance(s, bytes) else s for s in f["sources"][:]]
    design_json = None
    if with_designs and "design_ptr" in f:
        dp = f["design_ptr"][start:stop + 1]
        blob = f["design_blob"][int(dp[0]):int(dp[-1])].tobytes()
        dp = dp - dp[0]
        design_json = [blob[dp[k]:dp[k + 1]].decode() for k in range(len(dp) - 1)]
    return PackedDesigns(**d, names=names, parts=parts, sources=sources, design_json=design_json)


def iter_h5_batches(path, batch_size: int = 4096,
                    with_designs: bool = False) -> Iterator[PackedDesigns]:
    """Stream a cache in contiguous batches of ``batch_size`` designs (bounded memory)."""
    from ._deps import require
    h5py = require("h5py")
    if batch_size < 1:
        raise SurrogateError(f"batch_size must be >= 1; got {batch_size}")
    with h5py.File(path, "r") as f:
        _check_cache(f, path)
        n = len(f["layer_ptr"]) - 1
        for start in range(0, n, batch_size):
            yield _read_slice(f, start, start + batch_size, with_designs)


# ---------------------------------------------------------------------------------------
# packing fpga designs

_EMPTY: dict = {}


def _size(shape) -> float:
    """Element count of a shape without the batch dim; a list of shapes sums its members."""
    if not shape:
        return 0.0
    try:
        return float(math.prod(shape))
    except TypeError:
        pass
    if isinstance(shape, (int, float)):
        return float(shape)
    shape = list(shape)
    if shape and all(isinstance(s, (list, tuple)) for s in shape):
        return float(sum(_size(s) for s in shape))
    dims = [float(s) for s in shape if s is not None]
    return float(math.prod(dims)) if dims else 0.0


def _last(shape) -> float:
    if not shape:
        return 0.0
    if type(shape[-1]) is int:
        return float(shape[-1])
    shape = list(shape)
    if shape and isinstance(shape[0], (list, tuple)):
        shape = list(shape[0])
    dims = [s for s in shape if s is not None]
    return float(dims[-1]) if dims else 0.0


def _prod_attr(v) -> float:
    if v is None:
        return 0.0
    if isinstance(v, (list, tuple)):
        return float(math.prod(float(x) for x in v)) if v else 0.0
    return float(v)


def _prec(p, attr: str) -> float:
    if p is None:
        return 0.0
    v = getattr(p, attr, None)
    return float(v) if v is not None else 0.0


_RES = LAYER_COLUMNS.index("result_bits")


def _with_in_bits(rows: list[tuple], edges: list[tuple[int, int]],
                  known: list[float | None]) -> list[tuple]:
    """Append ``in_bits`` and ``in_value_bits`` to each layer row. ``in_bits``: the widest
    result among its predecessors (its own result width when it has none, e.g. the input).
    ``in_value_bits``: the layer's own ``value_bits`` attribute where the design knows the
    width its weights really see (open-flow designs, from their weights), else ``in_bits``."""
    ins: dict[int, float] = {}
    for s, t in edges:
        ins[t] = max(ins.get(t, 0.0), rows[s][_RES])
    out = []
    for k, r in enumerate(rows):
        declared = ins.get(k, r[_RES])
        out.append(r + (declared, known[k] if known[k] is not None else declared))
    return out


def _value_bits(attrs) -> float | None:
    """A layer's ``value_bits`` attribute as a finite non-negative number, else None."""
    try:
        v = float(attrs["value_bits"]) if attrs and attrs.get("value_bits") is not None else None
    except (TypeError, ValueError):
        return None
    return v if v is not None and np.isfinite(v) and v >= 0 else None


def _sparsity(v) -> float:
    """Share of zero weights in [0, 1]; anything unreadable counts as dense (0)."""
    try:
        f = float(v or 0.0)
    except (TypeError, ValueError):
        return 0.0
    return min(max(f, 0.0), 1.0) if np.isfinite(f) else 0.0


def _da4ml_switches(d) -> tuple[float, float]:
    """(combinational, latency_cutoff) of a da4ml design from ``Design.meta`` (0, 0 if absent)."""
    meta = getattr(d, "meta", None) or {}
    comb = 1.0 if str(meta.get("mode", "")).lower() == "combinational" else 0.0
    try:
        cut = float(meta.get("latency_cutoff") or 0.0)
    except (TypeError, ValueError):
        cut = 0.0
    return comb, (cut if np.isfinite(cut) and cut > 0 and not comb else 0.0)


def _levels(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Longest-path depth of every node of a DAG given as (src, dst) pairs."""
    level = [0] * n
    incoming: list[list[int]] = [[] for _ in range(n)]
    for s, d in edges:
        incoming[d].append(s)
    if all(s < d for s, d in edges):  # topological order already (the usual case)
        for v in range(n):
            if incoming[v]:
                level[v] = 1 + max(level[u] for u in incoming[v])
        return level
    indeg = [len(x) for x in incoming]
    out: list[list[int]] = [[] for _ in range(n)]
    for s, d in edges:
        out[s].append(d)
    stack = [v for v in range(n) if indeg[v] == 0]
    seen = 0
    while stack:
        u = stack.pop()
        seen += 1
        for v in out[u]:
            level[v] = max(level[v], level[u] + 1)
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    if seen != n:
        raise SurrogateError(f"edges of a design must form a DAG (data flow); got a cycle in "
                             f"{edges}")
    return level


def _part_resources(name: str, cache: dict) -> tuple:
    if name in cache:
        return cache[name]
    res = (0.0, 0.0, 0.0, 0.0, 0.0)
    if name:
        try:
            import fpga
            p = fpga.parts.get(name)
            res = tuple(float(getattr(p, a, 0) or 0) for a in ("lut", "ff", "dsp", "bram", "uram"))
            if res[3] == 0 and getattr(p, "bram36", None) is not None:
                res = res[:3] + (float(p.bram36),) + res[4:]
        except (LookupError, ValueError):
            res = (0.0, 0.0, 0.0, 0.0, 0.0)
    cache[name] = res
    return res


_ARCH_COLS = tuple(LAYER_COLUMNS.index(c) for c in ("in_size", "out_size", "parameters",
                                                   "filters", "kernel", "stride", "in_channels"))


def arch_key(types: Sequence[int], rows: Sequence[Sequence[float]], acts: Sequence[int],
             edges: Sequence[tuple[int, int]]) -> int:
    """64-bit key of an architecture: layer types, sizes, filters, kernels, strides,
    activations and edges - but not reuse factor or precision. (Python's hash of tuples of
    numbers does not depend on PYTHONHASHSEED, so keys are stable across runs.)"""
    key = (tuple(types), tuple(tuple(r[k] for k in _ARCH_COLS) for r in rows), tuple(acts),
           tuple(sorted(edges)))
    return hash(key) & 0xFFFFFFFFFFFFFFFF


def pack_designs(designs: Iterable, labels: Sequence[dict] | None = None,
                 provenance: Sequence[dict] | None = None, splits: Sequence[str] | None = None,
                 source: str = "designs", part_override: str | None = None,
                 keep_json: bool = True, with_arch: bool = True) -> PackedDesigns:
    """Pack ``fpga.Design`` objects (with optional per-design label / provenance dicts and
    published split names) into a :class:`PackedDesigns`. ``keep_json`` keeps the designs
    (JSON made lazily) for models that need them; ``with_arch`` computes architecture keys
    (for grouped splits; prediction skips them).

    Raises :class:`SurrogateError` naming the design and layer for unknown layer types,
    activations, strategies or io types.
    """
    designs = list(designs)
    n = len(designs)
    lptr, eptr = [0], [0]
    ltype, lact, lnum, llevel, edges_all = [], [], [], [], []
    dnum, strat, io, part_idx, arch, names, djson = [], [], [], [], [], [], []
    parts: list[str] = []
    part_cache: dict = {}
    lab = np.full((n, len(TARGETS)), np.nan, dtype=np.float32)
    prov = np.zeros((n, len(TARGETS)), dtype=np.int8)
    split = np.zeros(n, dtype=np.int8)
    for i, d in enumerate(designs):
        dname = str(getattr(d, "name", "") or f"design_{i}")
        layers = list(getattr(d, "layers", ()))
        if not layers:
            raise SurrogateError(f"design {dname!r} must have at least one layer; got none")
        edges = [(int(s), int(t)) for s, t in (getattr(d, "edges", None) or ())]
        if not edges and len(layers) > 1:
            edges = [(k, k + 1) for k in range(len(layers) - 1)]
        for s, t in edges:
            if not (0 <= s < len(layers) and 0 <= t < len(layers)) or s == t:
                raise SurrogateError(f"edge ({s}, {t}) of design {dname!r} must join two "
                                     f"different layers among {len(layers)}")
        indeg = [0] * len(layers)
        for _, t in edges:
            indeg[t] += 1
        lev = _levels(len(layers), edges)
        rows, types, acts, known = [], [], [], []
        for k, layer in enumerate(layers):
            try:
                tcode = layer_type_code(layer.type)
                acode = activation_code(layer.activation)
            except SurrogateError as e:
                raise SurrogateError(f"layer {k} ({getattr(layer, 'name', '?')!r}) of design "
                                     f"{dname!r}: {e}") from e
            attrs = layer.attrs or _EMPTY
            prec = layer.precision
            if prec is not None:
                w, bias, res, acc = prec.weight, prec.bias, prec.result, prec.accum
            else:
                w = bias = res = acc = None
            ins, outs = layer.input_shape, layer.output_shape
            if attrs:
                filters = attrs.get("filters", attrs.get("n_filt", attrs.get(
                    "neurons", attrs.get("units", 0))))
                kernel = _prod_attr(attrs.get("kernel_size", attrs.get("pool_size", 0)))
                stride = _prod_attr(attrs.get("strides", 0))
                chan = float(attrs.get("channels", attrs.get("n_chan", 0)) or 0) or _last(ins)
                filters = _prod_attr(filters)
            else:
                filters = kernel = stride = 0.0
                chan = _last(ins)
            rows.append((
                _size(ins), _size(outs), float(layer.parameters or 0),
                float(w.width) if w is not None else 0.0,
                float(w.integer) if w is not None else 0.0,
                float(bias.width) if bias is not None else 0.0,
                float(res.width) if res is not None else 0.0,
                float(acc.width) if acc is not None else 0.0,
                float(layer.reuse_factor or 1), filters, kernel, stride, chan, float(indeg[k]),
                _sparsity(attrs.get("sparsity", 0.0) if attrs else 0.0),
            ))
            known.append(_value_bits(attrs))
            types.append(tcode)
            acts.append(acode)
        rows = _with_in_bits(rows, edges, known)
        ltype += types
        lact += acts
        lnum += rows
        llevel += lev
        edges_all += edges
        lptr.append(lptr[-1] + len(layers))
        eptr.append(eptr[-1] + len(edges))
        try:
            strat.append(strategy_code(getattr(d, "strategy", None)))
            io.append(io_type_code(getattr(d, "io_type", None)))
        except SurrogateError as e:
            raise SurrogateError(f"design {dname!r}: {e}") from e
        pname = str(part_override or getattr(d, "part", "") or "")
        if pname and pname not in parts:
            parts.append(pname)
        part_idx.append(parts.index(pname) if pname else -1)
        clock = float(getattr(d, "clock_period_ns", 0) or 0)
        dnum.append((clock,) + _part_resources(pname, part_cache) + _da4ml_switches(d))
        arch.append(arch_key(types, rows, acts, edges) if with_arch else 0)
        names.append(dname)
        if keep_json:
            djson.append(d)
        if labels is not None:
            for j, t in enumerate(TARGETS):
                v = labels[i].get(t) if labels[i] else None
                if v is not None and np.isfinite(float(v)):
                    lab[i, j] = float(v)
                    p = (provenance[i] or {}).get(t) if provenance is not None else None
                    prov[i, j] = PROVENANCE_CODES.index(p) if p in PROVENANCE_CODES else 0
        if splits is not None and splits[i]:
            if splits[i] not in SPLIT_NAMES:
                raise SurrogateError(f"published split of design {dname!r} must be one of "
                                     f"{list(SPLIT_NAMES[1:])}; got {splits[i]!r}")
            split[i] = SPLIT_NAMES.index(splits[i])
    if n == 0:
        out = empty()
        out.sources = [source]
        return out
    return PackedDesigns(
        layer_ptr=np.asarray(lptr, np.int64), layer_type=np.asarray(ltype, np.int16),
        layer_act=np.asarray(lact, np.int16), layer_num=np.asarray(lnum, np.float32),
        layer_level=np.asarray(llevel, np.int32), edge_ptr=np.asarray(eptr, np.int64),
        edges=np.asarray(edges_all, np.int32).reshape(-1, 2),
        design_num=np.asarray(dnum, np.float32), strategy=np.asarray(strat, np.int8),
        io_type=np.asarray(io, np.int8), part=np.asarray(part_idx, np.int32), labels=lab,
        provenance=prov, arch=np.asarray(arch, np.uint64), split=split,
        source=np.zeros(n, np.int16), names=names, parts=parts, sources=[source],
        design_json=_LazyJSON(djson, part_override) if keep_json else None)


class _LazyJSON(list):
    """Design JSON texts made on first access (packing for prediction never pays for them)."""

    def __init__(self, designs, part_override):
        super().__init__()
        self._designs, self._part = list(designs), part_override
        self._done = False

    def _fill(self):
        if not self._done:
            super().extend(_design_json(d, self._part) for d in self._designs)
            self._done = True

    def __len__(self):
        return len(self._designs)

    def __getitem__(self, i):
        self._fill()
        return super().__getitem__(i)

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __eq__(self, other):
        self._fill()
        return list(self) == list(other)

    def __add__(self, other):
        self._fill()
        return list(self) + list(other)


def _design_json(d, part_override) -> str:
    import json
    to_dict = getattr(d, "to_dict", None)
    if to_dict is None:
        return "{}"
    dd = to_dict()
    if part_override and isinstance(dd, dict) and "part" in dd:
        dd["part"] = part_override
    return json.dumps(dd, separators=(",", ":"), default=str)
