"""Prediction targets and their transformation: log1p, then standardization with train stats."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import SurrogateError

#: Targets every surrogate predicts, in this order (resources in device units, BRAM in BRAM36
#: units with 0.5 for a BRAM18; latency and initiation interval in clock cycles).
TARGETS: tuple[str, ...] = ("lut", "ff", "dsp", "bram", "latency_cycles", "ii_cycles")
RESOURCE_TARGETS: tuple[str, ...] = ("lut", "ff", "dsp", "bram")
PROVENANCES: tuple[str, ...] = ("hls_estimate", "post_synthesis", "open_synthesis")


def check_targets(targets) -> tuple[str, ...]:
    targets = tuple(targets)
    bad = [t for t in targets if t not in TARGETS]
    if bad or not targets:
        raise SurrogateError(f"targets must be a non-empty subset of {list(TARGETS)}; got {list(targets)}")
    return targets


def scorable_targets(data) -> tuple[tuple[str, ...], list[str]]:
    """Targets of ``data`` (``PackedDesigns``) with >= 2 labels that are not all equal; a
    note for each of the others."""
    keep, notes = [], []
    for j, t in enumerate(TARGETS):
        y = data.labels[:, j]
        y = y[np.isfinite(y)]
        if len(y) < 2:
            notes.append(f"{t}: not scored (no labels)")
        elif np.all(y == y[0]):
            notes.append(f"{t}: not scored (every label is {y[0]:g})")
        else:
            keep.append(t)
    return tuple(keep), notes


@dataclass(frozen=True)
class TargetScaler:
    """z = (log1p(y) - mean) / std per target, with mean and std from the training labels.

    ``mean`` and ``std`` are tuples (one per target); missing labels (NaN) are ignored when
    fitting. ``inverse`` maps z back to the raw scale: y = expm1(z std + mean), clipped at 0.
    """

    targets: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def fit(cls, y: np.ndarray, targets=TARGETS) -> "TargetScaler":
        targets = check_targets(targets)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 2 or y.shape[1] != len(targets):
            raise SurrogateError(f"labels must have shape (n, {len(targets)}); got {y.shape}")
        ly = np.log1p(np.clip(y, 0, None))
        mean, std = [], []
        for j, t in enumerate(targets):
            col = ly[:, j][np.isfinite(ly[:, j])]
            if col.size == 0:
                raise SurrogateError(f"training labels of target '{t}' must contain at least one "
                                     f"value; got none (all missing)")
            mean.append(float(col.mean()))
            std.append(float(max(col.std(), 1e-3)))
        return cls(targets, tuple(mean), tuple(std))

    def transform(self, y: np.ndarray) -> np.ndarray:
        ly = np.log1p(np.clip(np.asarray(y, dtype=np.float64), 0, None))
        return ((ly - np.asarray(self.mean)) / np.asarray(self.std)).astype(np.float32)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        ly = np.asarray(z, dtype=np.float64) * np.asarray(self.std) + np.asarray(self.mean)
        return np.clip(np.expm1(np.minimum(ly, 80.0)), 0.0, None)

    def to_dict(self) -> dict:
        return {"targets": list(self.targets), "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, d: dict) -> "TargetScaler":
        try:
            return cls(check_targets(d["targets"]), tuple(map(float, d["mean"])),
                       tuple(map(float, d["std"])))
        except (KeyError, TypeError) as e:
            raise SurrogateError(f"target scaler must have targets/mean/std; got {d!r}") from e
