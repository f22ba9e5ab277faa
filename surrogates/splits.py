"""Train / validation / test splits of a :class:`PackedDesigns` (deterministic and seeded).

Registry (``make_split(name, data, seed=..., **params)``):

- ``published``: the split stored with the data (wa-hls4ml train/val/test files); designs of
  the ``exemplar`` file form an extra ``exemplar`` test set. If the data has no validation
  part, one is carved out of train, grouped by architecture.
- ``grouped``: whole architectures (same layers, any reuse factor / precision) are assigned to
  train / val / test with fractions ``fractions`` (default 0.7 / 0.15 / 0.15), so no
  architecture straddles two splits.
- ``random``: by design (leaky when architectures repeat; for comparison only).
- ``deeper``: train and val on designs with depth <= ``max_depth`` (default: the largest depth
  that leaves >= 50% of designs in training), test on deeper ones.
- ``unseen-type``: test = designs containing layer type ``layer_type`` (default: the rarest
  compute type present in >= 1% of designs); train / val never contain it.
- ``unseen-part``: test = designs for part ``part`` (default: the least frequent part with
  >= 1% of designs); train / val use other parts.

Test indices are for final evaluation only; model selection uses ``val``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import SurrogateError
from .features import LAYER_TYPES
from .packed import SPLIT_NAMES, PackedDesigns


@dataclass(frozen=True)
class Split:
    """Index arrays into one ``PackedDesigns``; ``params`` records how it was made."""

    name: str
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    seed: int
    params: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)  # further named test sets (e.g. exemplar)

    def sizes(self) -> dict[str, int]:
        out = {"train": len(self.train), "val": len(self.val), "test": len(self.test)}
        out.update({k: len(v) for k, v in self.extra.items()})
        return out

    def to_dict(self) -> dict:
        return {"name": self.name, "seed": self.seed, "params": dict(self.params),
                "sizes": self.sizes()}


def _group_split(groups: np.ndarray, idx: np.ndarray, fractions, seed: int):
    """Assign whole groups of ``idx`` to len(fractions) parts by design count, seeded."""
    fractions = np.asarray(fractions, dtype=np.float64)
    if np.any(fractions < 0) or not np.isclose(fractions.sum(), 1.0):
        raise SurrogateError(f"split fractions must be >= 0 and sum to 1; got {list(fractions)}")
    uniq, inv = np.unique(groups[idx], return_inverse=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(uniq))
    counts = np.bincount(inv, minlength=len(uniq))[order]
    cum = np.cumsum(counts) / max(len(idx), 1)
    bounds = np.cumsum(fractions)[:-1]
    part_of_rank = np.searchsorted(bounds, cum - counts / max(len(idx), 1) / 2, side="right")
    part_of_group = np.empty(len(uniq), dtype=np.int64)
    part_of_group[order] = part_of_rank
    which = part_of_group[inv]
    return [np.sort(idx[which == k]) for k in range(len(fractions))]


def _need(n: int, what: str, data: PackedDesigns) -> None:
    if n == 0:
        raise SurrogateError(f"{what} must contain at least one design; got none out of "
                             f"{len(data)}")


def split_published(data: PackedDesigns, seed: int = 0, val_fraction: float = 0.15) -> Split:
    s = data.split
    if not np.any(s > 0):
        raise SurrogateError("split 'published' needs data with a published split (the "
                             "wa-hls4ml train/val/test files); this data has none - use "
                             "'grouped'")
    train = np.flatnonzero(s == SPLIT_NAMES.index("train"))
    val = np.flatnonzero(s == SPLIT_NAMES.index("val"))
    test = np.flatnonzero(s == SPLIT_NAMES.index("test"))
    extra = {}
    ex = np.flatnonzero(s == SPLIT_NAMES.index("exemplar"))
    if len(ex):
        extra["exemplar"] = ex
    params = {"val_fraction": None}
    if len(val) == 0 and len(train):
        train, val = _group_split(data.arch, train, [1 - val_fraction, val_fraction], seed)
        params["val_fraction"] = val_fraction
    return Split("published", train, val, test, seed, params, extra)


def split_grouped(data: PackedDesigns, seed: int = 0, fractions=(0.7, 0.15, 0.15)) -> Split:
    _need(len(data), "data for split 'grouped'", data)
    tr, va, te = _group_split(data.arch, np.arange(len(data)), fractions, seed)
    return Split("grouped", tr, va, te, seed, {"fractions": list(fractions), "group": "arch"})


def split_random(data: PackedDesigns, seed: int = 0, fractions=(0.7, 0.15, 0.15)) -> Split:
    _need(len(data), "data for split 'random'", data)
    tr, va, te = _group_split(np.arange(len(data)), np.arange(len(data)), fractions, seed)
    return Split("random", tr, va, te, seed, {"fractions": list(fractions), "group": None})


def split_deeper(data: PackedDesigns, seed: int = 0, max_depth: int | None = None,
                 val_fraction: float = 0.15) -> Split:
    depth = data.depth
    _need(len(data), "data for split 'deeper'", data)
    if max_depth is None:
        uniq = np.unique(depth)
        ok = [d for d in uniq if np.mean(depth <= d) >= 0.5 and np.any(depth > d)]
        if not ok:
            raise SurrogateError(f"split 'deeper' needs designs of at least two depths; got "
                                 f"depths {sorted(set(depth.tolist()))}")
        max_depth = int(ok[0])
    inside = np.flatnonzero(depth <= max_depth)
    test = np.flatnonzero(depth > max_depth)
    _need(len(test), f"test part of split 'deeper' (depth > {max_depth})", data)
    _need(len(inside), f"train part of split 'deeper' (depth <= {max_depth})", data)
    tr, va = _group_split(data.arch, inside, [1 - val_fraction, val_fraction], seed)
    return Split("deeper", tr, va, test, seed, {"max_depth": int(max_depth),
                                                "val_fraction": val_fraction})


def split_unseen_type(data: PackedDesigns, seed: int = 0, layer_type: str | None = None,
                      val_fraction: float = 0.15) -> Split:
    _need(len(data), "data for split 'unseen-type'", data)
    has = np.zeros((len(data), len(LAYER_TYPES)), dtype=bool)
    design_of_layer = np.repeat(np.arange(len(data)), data.n_layers)
    has[design_of_layer, data.layer_type] = True
    if layer_type is None:
        share = has.mean(axis=0)
        cand = [k for k in np.argsort(share) if 0.01 <= share[k] < 0.5]
        if not cand:
            raise SurrogateError("split 'unseen-type' needs a layer type present in 1-50% of "
                                 "designs; none qualifies in this data - pass layer_type")
        k = int(cand[0])
    else:
        if layer_type not in LAYER_TYPES:
            raise SurrogateError(f"layer_type of split 'unseen-type' must be one of "
                                 f"{list(LAYER_TYPES)}; got {layer_type!r}")
        k = LAYER_TYPES.index(layer_type)
    test = np.flatnonzero(has[:, k])
    rest = np.flatnonzero(~has[:, k])
    _need(len(test), f"test part of split 'unseen-type' ({LAYER_TYPES[k]})", data)
    _need(len(rest), f"train part of split 'unseen-type' (without {LAYER_TYPES[k]})", data)
    tr, va = _group_split(data.arch, rest, [1 - val_fraction, val_fraction], seed)
    return Split("unseen-type", tr, va, test, seed, {"layer_type": LAYER_TYPES[k],
                                                     "val_fraction": val_fraction})


def split_unseen_part(data: PackedDesigns, seed: int = 0, part: str | None = None,
                      val_fraction: float = 0.15) -> Split:
    _need(len(data), "data for split 'unseen-part'", data)
    counts = np.bincount(data.part[data.part >= 0], minlength=len(data.parts))
    if part is None:
        cand = [k for k in np.argsort(counts) if counts[k] >= 0.01 * len(data)]
        if len(cand) < 2:
            raise SurrogateError(f"split 'unseen-part' needs designs for at least two parts; "
                                 f"got parts {data.parts}")
        k = int(cand[0])
    else:
        if part not in data.parts:
            raise SurrogateError(f"part of split 'unseen-part' must be one of {data.parts}; "
                                 f"got {part!r}")
        k = data.parts.index(part)
    test = np.flatnonzero(data.part == k)
    rest = np.flatnonzero(data.part != k)
    _need(len(rest), f"train part of split 'unseen-part' (without {data.parts[k]})", data)
    tr, va = _group_split(data.arch, rest, [1 - val_fraction, val_fraction], seed)
    return Split("unseen-part", tr, va, test, seed, {"part": data.parts[k],
                                                     "val_fraction": val_fraction})


SPLITS = {"published": split_published, "grouped": split_grouped, "random": split_random,
          "deeper": split_deeper, "unseen-type": split_unseen_type,
          "unseen-part": split_unseen_part}


def make_split(name: str, data: PackedDesigns, seed: int = 0, **params) -> Split:
    """Build split ``name`` (see the module docstring); unknown names list the valid ones."""
    if name not in SPLITS:
        raise SurrogateError(f"split must be one of {sorted(SPLITS)}; got {name!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SurrogateError(f"seed of split {name!r} must be an int >= 0; got {seed!r}")
    split = SPLITS[name](data, seed=seed, **params)
    if len(split.train) == 0 or len(split.val) == 0:
        raise SurrogateError(f"split {name!r} of {len(data)} designs must leave designs for "
                             f"training and validation; got sizes {split.sizes()}")
    return split
