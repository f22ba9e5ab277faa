"""The analytic estimator of ``fpga`` (first-principles hls4ml model) as a baseline.

``fit`` records the training range and, with ``calibrate=True`` (the default), fits the
estimator's handful of non-negative coefficients on the training designs
(``fpga.estimator.fit_coefficients``; validation designs decide per target whether the fitted
or the analytic coefficients are kept; never test designs). ``calibrate=False`` keeps fpga's
shipped coefficients. Predictions call ``fpga.estimate(design, part, coefficients)`` for
every design (so the data must carry design JSON, see ``PackedDesigns.design_json``).
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

    def __init__(self, **kw):
        super().__init__(**kw)
        self.coefficients = None

    def _fit(self, train, val):
        if not self.config.get("calibrate", True):
            return
        from fpga.estimator import fit_coefficients
        fit = fit_coefficients(_records(train), validation=_records(val) if val is not None
                               else None)
        self.coefficients = fit["coefficients"]
        self.info["calibration"] = {k: fit.get(k) for k in ("n_records", "chosen")}

    def _predict(self, data):
        import fpga
        designs = data.designs()
        parts = data.part_names()
        out = np.full((len(designs), len(self.targets)), np.nan)
        for i, d in enumerate(designs):
            try:
                est = fpga.estimate(d, part=parts[i] or None, coefficients=self.coefficients)
            except (ValueError, LookupError) as e:
                raise SurrogateError(f"fpga.estimate failed for design {data.names[i]!r}: {e}") from e
            out[i] = [_get(est, t) for t in self.targets]
        nan = np.full_like(out, np.nan)
        return out, nan, nan.copy()

    def meta(self) -> dict:
        m = super().meta()
        m["coefficients"] = self.coefficients
        return m

    def _arrays(self) -> dict:
        import json
        blob = json.dumps(self.coefficients).encode()
        return {"coefficients_json": np.frombuffer(blob, dtype=np.uint8).copy()}

    def _set_arrays(self, arrays: dict) -> None:
        import json
        raw = arrays.get("coefficients_json")
        self.coefficients = json.loads(bytes(np.asarray(raw, dtype=np.uint8))) \
            if raw is not None else None


def _records(data):
    """``fpga.Record`` s of labelled designs (labels as packed, provenance kept)."""
    import fpga

    from ..packed import PROVENANCE_CODES
    from ..targets import TARGETS
    out = []
    for i, d in enumerate(data.designs()):
        labels, prov = {}, {}
        for j, t in enumerate(TARGETS):
            v = data.labels[i, j]
            if np.isfinite(v) and data.provenance[i, j] > 0:
                labels[t] = float(v)
                prov[t] = PROVENANCE_CODES[data.provenance[i, j]]
        out.append(fpga.Record(design=d, labels=labels, provenance=prov))
    return out
