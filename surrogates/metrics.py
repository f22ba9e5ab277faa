"""Accuracy metrics in the forms used by the hls4ml-surrogate literature (numpy only).

All functions take true values ``y`` and predictions ``yhat`` on the raw scale (resource
counts, cycles) as 1-d arrays; NaN entries of ``y`` (missing labels) are ignored.
"""

from __future__ import annotations

import numpy as np


def _clean(y, yhat) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    yhat = np.asarray(yhat, dtype=np.float64).ravel()
    if y.shape != yhat.shape:
        raise ValueError(f"shape of predictions must match labels; got {yhat.shape} vs {y.shape}")
    keep = np.isfinite(y) & np.isfinite(yhat)
    return y[keep], yhat[keep]


def r2(y, yhat) -> float:
    """Coefficient of determination on the raw scale: 1 - SS_res / SS_tot (NaN if < 2 labels)."""
    y, yhat = _clean(y, yhat)
    if y.size < 2:
        return float("nan")
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    ss_res = float(np.sum((y - yhat) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else float("-inf")
    return 1.0 - ss_res / ss_tot


def smape(y, yhat) -> float:
    """SMAPE in the wa-hls4ml benchmark form, percent: 200/n * sum |y - yhat| / (|y| + |yhat| + 1)."""
    y, yhat = _clean(y, yhat)
    if y.size == 0:
        return float("nan")
    return float(200.0 / y.size * np.sum(np.abs(y - yhat) / (np.abs(y) + np.abs(yhat) + 1.0)))


def rmse(y, yhat) -> float:
    """Root mean squared error, in the unit of the target."""
    y, yhat = _clean(y, yhat)
    return float(np.sqrt(np.mean((y - yhat) ** 2))) if y.size else float("nan")


def rel_err_pct(y, yhat) -> np.ndarray:
    """Relative percent error 100 (y - yhat) / (y + 1), per design (the paper's box plots)."""
    y, yhat = _clean(y, yhat)
    return 100.0 * (y - yhat) / (y + 1.0)


def abs_rel_err_quantile(y, yhat, q: float) -> float:
    """Quantile ``q`` (0..1) of |100 (y - yhat) / (y + 1)|, percent."""
    e = np.abs(rel_err_pct(y, yhat))
    return float(np.quantile(e, q)) if e.size else float("nan")


def within_pct(y, yhat, pct: float = 10.0) -> float:
    """Share (0..1) of designs whose |100 (y - yhat) / (y + 1)| is at most ``pct``."""
    e = np.abs(rel_err_pct(y, yhat))
    return float(np.mean(e <= pct)) if e.size else float("nan")


def coverage(y, low, high) -> float:
    """Share (0..1) of labelled designs with low <= y <= high (interval calibration)."""
    y = np.asarray(y, dtype=np.float64).ravel()
    low = np.asarray(low, dtype=np.float64).ravel()
    high = np.asarray(high, dtype=np.float64).ravel()
    keep = np.isfinite(y) & np.isfinite(low) & np.isfinite(high)
    if not keep.any():
        return float("nan")
    return float(np.mean((low[keep] <= y[keep]) & (y[keep] <= high[keep])))


def score(y, yhat, low=None, high=None) -> dict[str, float]:
    """All metrics for one target: r2, smape, rmse, median / p75 abs rel err, within_10pct, n
    (and ``coverage`` when an interval is given)."""
    yc, _ = _clean(y, yhat)
    out = {"r2": r2(y, yhat), "smape": smape(y, yhat), "rmse": rmse(y, yhat),
           "median_abs_rel_err": abs_rel_err_quantile(y, yhat, 0.5),
           "p75_abs_rel_err": abs_rel_err_quantile(y, yhat, 0.75),
           "within_10pct": within_pct(y, yhat, 10.0), "n": int(yc.size)}
    if low is not None and high is not None:
        out["coverage"] = coverage(y, low, high)
    return out
