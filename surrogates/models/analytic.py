"""The analytic estimator of ``fpga`` (first-principles hls4ml model) as a baseline.

``fit`` only records the training range; predictions call ``fpga.estimate(design, part)``
for every design (so the data must carry design JSON, see ``PackedDesigns.design_json``).
No intervals.
"""

from __future__ import annotations

import numpy as np

from ..errors import SurrogateError
from .base import Estimator, register

_KEYS = {"lut": ("lut",), "ff": ("ff",), "dsp": ("dsp",), "bram": ("bram", "bram36"),
         "latency_cycles": ("latency_cycles", "cycles"), "ii_cycles": ("ii_cycles", "ii")}


def _get(est, target):
    for k in _KEYS[target]:
        v = est.get(k) if isinstance(est, dict) else getattr(est, k, None)
        if v is not None:
            return float(v)
    return float("nan")


@register("fpga")
class AnalyticEstimator(Estimator):
    """Baseline: ``fpga.estimate`` per design, no learned parameters."""

    has_intervals = False

    def needs_fit(self) -> bool:
        return False

    def _fit(self, train, val):
        pass

    def _predict(self, data):
        import fpga
        designs = data.designs()
        parts = data.part_names()
        out = np.full((len(designs), len(self.targets)), np.nan)
        for i, d in enumerate(designs):
            try:
                est = fpga.estimate(d, part=parts[i] or None)
            except (ValueError, LookupError) as e:
                raise SurrogateError(f"fpga.estimate failed for design {data.names[i]!r}: {e}") from e
            out[i] = [_get(est, t) for t in self.targets]
        nan = np.full_like(out, np.nan)
        return out, nan, nan.copy()
