"""Flat-feature baselines on whole-design statistics (scikit-learn).

- ``gbt``: histogram gradient-boosted trees per target (point = squared error, interval =
  separate 5% / 95% quantile-loss models), in the standardized log1p space.
- ``mlp``: a deep ensemble of ``n_members`` multi-layer perceptrons (one per group of targets
  labelled on the same designs); interval = ensemble mean +- 1.645 sigma, with sigma^2 = member
  variance + mean squared training residual.

Both are fitted with scikit-learn, then exported to plain arrays (tree nodes, weight
matrices) that a small numpy predictor evaluates - so checkpoints hold no pickles and a loaded
model predicts exactly what the fitted one did.
"""

from __future__ import annotations

import numpy as np

from ..encoding import EncodedSet
from ..errors import SurrogateError
from .base import Estimator, register

Z90 = 1.6448536269514722  # standard normal quantile of 0.95


def _flat(data) -> np.ndarray:
    return EncodedSet.from_packed(data).flat().astype(np.float64)


# -- trees --------------------------------------------------------------------------------

def export_hgb(model) -> dict:
    """Nodes of a fitted ``HistGradientBoostingRegressor`` as flat arrays."""
    trees = [p[0] for p in model._predictors]
    fields = ("value", "feature_idx", "num_threshold", "missing_go_to_left", "left", "right",
              "is_leaf")
    out = {f: np.concatenate([t.nodes[f] for t in trees]) for f in fields}
    sizes = np.asarray([len(t.nodes) for t in trees], dtype=np.int64)
    out["offset"] = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    out["baseline"] = np.asarray(model._baseline_prediction, dtype=np.float64).ravel()
    if any(t.nodes["is_categorical"].any() for t in trees):
        raise SurrogateError("gbt export supports numeric features only")
    return out


def predict_trees(t: dict, X: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Sum of leaf values over all trees + baseline, for rows of ``X`` (numpy traversal:
    go left when x <= threshold, NaN follows ``missing_go_to_left``)."""
    off = t["offset"]
    left = t["left"].astype(np.int64)
    right = t["right"].astype(np.int64)
    tree_of = np.repeat(np.arange(len(off)), np.diff(np.append(off, len(left))))
    gl, gr = left + off[tree_of], right + off[tree_of]
    feat = t["feature_idx"].astype(np.int64)
    thr = t["num_threshold"]
    mleft = t["missing_go_to_left"].astype(bool)
    leaf = t["is_leaf"].astype(bool)
    val = t["value"]
    out = np.empty(len(X))
    for s in range(0, len(X), chunk):
        x = X[s:s + chunk]
        node = np.broadcast_to(off, (len(x), len(off))).copy()
        rows = np.arange(len(x))[:, None]
        while True:
            active = ~leaf[node]
            if not active.any():
                break
            xv = x[rows, feat[node]]
            go_left = np.where(np.isnan(xv), mleft[node], xv <= thr[node])
            node = np.where(active, np.where(go_left, gl[node], gr[node]), node)
        out[s:s + chunk] = val[node].sum(axis=1) + t["baseline"][0]
    return out


@register("gbt")
class GBTEstimator(Estimator):
    """Gradient-boosted trees on flat features (config: ``max_iter`` 150, ``learning_rate``
    0.1, ``max_leaf_nodes`` 31)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.trees: dict = {}

    def _fit(self, train, val):
        from sklearn.ensemble import HistGradientBoostingRegressor
        X = _flat(train)
        Z = self.scaler.transform(self._labels(train))
        cfg = {"max_iter": int(self.config.get("max_iter", 150)),
               "learning_rate": float(self.config.get("learning_rate", 0.1)),
               "max_leaf_nodes": int(self.config.get("max_leaf_nodes", 31)),
               "early_stopping": False, "random_state": self.seed}
        for j, t in enumerate(self.targets):
            keep = np.isfinite(Z[:, j])
            if keep.sum() < 2:
                raise SurrogateError(f"training labels of target {t!r} for model 'gbt' must "
                                     f"cover at least 2 designs; got {int(keep.sum())}")
            for kind, loss in (("point", {"loss": "squared_error"}),
                               ("low", {"loss": "quantile", "quantile": 0.05}),
                               ("high", {"loss": "quantile", "quantile": 0.95})):
                m = HistGradientBoostingRegressor(**cfg, **loss).fit(X[keep], Z[keep, j])
                self.trees[(t, kind)] = export_hgb(m)

    def _predict(self, data):
        X = _flat(data)
        z = {k: np.stack([predict_trees(self.trees[(t, k)], X) for t in self.targets], axis=1)
             for k in ("point", "low", "high")}
        v, lo, hi = (self.scaler.inverse(z[k]) for k in ("point", "low", "high"))
        return v, np.minimum(lo, v), np.maximum(hi, v)

    def _arrays(self) -> dict:
        return {f"{t}|{k}|{f}": a for (t, k), d in self.trees.items() for f, a in d.items()}

    def _set_arrays(self, arrays: dict) -> None:
        self.trees = {}
        for key, a in arrays.items():
            t, k, f = key.split("|")
            self.trees.setdefault((t, k), {})[f] = np.asarray(a)


# -- MLP ensemble -------------------------------------------------------------------------

def _mlp_forward(x: np.ndarray, weights: list, biases: list) -> np.ndarray:
    h = x
    for k, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w + b
        if k < len(weights) - 1:
            h = np.maximum(h, 0.0)
    return h


@register("mlp")
class MLPEstimator(Estimator):
    """Deep ensemble of MLPs on flat features (config: ``hidden`` [128, 128], ``n_members``
    5, ``max_iter`` 200, ``alpha`` 1e-4). Features are clipped to their training range before
    prediction, so the ensemble never extrapolates beyond what it was fitted on."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.arrays: dict = {}

    def _fit(self, train, val):
        from sklearn.neural_network import MLPRegressor
        X = _flat(train)
        mu, sd = X.mean(axis=0), X.std(axis=0) + 1e-6
        Xs = (X - mu) / sd
        Z = self.scaler.transform(self._labels(train)).astype(np.float64)
        fin = np.isfinite(Z)
        groups: dict = {}
        for j in range(Z.shape[1]):
            groups.setdefault(fin[:, j].tobytes(), []).append(j)
        # standardized features are clipped to the training range at prediction time: an MLP
        # extrapolating linearly in log space on unseen inputs predicts e^60 LUTs
        self.arrays = {"x_mean": mu, "x_std": sd, "x_lo": Xs.min(axis=0), "x_hi": Xs.max(axis=0),
                       "groups": np.full(len(self.targets), -1)}
        hidden = tuple(self.config.get("hidden", (128, 128)))
        members = int(self.config.get("n_members", 5))
        for g, cols in enumerate(groups.values()):
            rows = fin[:, cols[0]]
            if rows.sum() < 2:
                raise SurrogateError(f"training labels of targets {[self.targets[c] for c in cols]}"
                                     f" for model 'mlp' must cover >= 2 designs; got {int(rows.sum())}")
            self.arrays["groups"][cols] = g
            preds = []
            for m in range(members):
                net = MLPRegressor(hidden_layer_sizes=hidden, max_iter=int(self.config.get(
                    "max_iter", 200)), alpha=float(self.config.get("alpha", 1e-4)),
                    random_state=self.seed * 1000 + m, early_stopping=False,
                    learning_rate_init=1e-3)
                net.fit(Xs[rows], Z[rows][:, cols])
                for k, (w, b) in enumerate(zip(net.coefs_, net.intercepts_)):
                    self.arrays[f"g{g}.m{m}.w{k}"] = w
                    self.arrays[f"g{g}.m{m}.b{k}"] = b
                preds.append(_mlp_forward(Xs[rows], net.coefs_, net.intercepts_).reshape(rows.sum(), -1))
            mean = np.mean(preds, axis=0)
            self.arrays[f"g{g}.cols"] = np.asarray(cols)
            self.arrays[f"g{g}.resvar"] = np.mean((mean - Z[rows][:, cols]) ** 2, axis=0)

    def _predict(self, data):
        Xs = (_flat(data) - self.arrays["x_mean"]) / self.arrays["x_std"]
        if "x_lo" in self.arrays:  # checkpoints made before the clip have no range
            Xs = np.clip(Xs, self.arrays["x_lo"], self.arrays["x_hi"])
        n, T = len(Xs), len(self.targets)
        zm, zs = np.zeros((n, T)), np.zeros((n, T))
        g = 0
        while f"g{g}.cols" in self.arrays:
            cols = self.arrays[f"g{g}.cols"].astype(np.int64)
            preds, m = [], 0
            while f"g{g}.m{m}.w0" in self.arrays:
                k, ws, bs = 0, [], []
                while f"g{g}.m{m}.w{k}" in self.arrays:
                    ws.append(self.arrays[f"g{g}.m{m}.w{k}"])
                    bs.append(self.arrays[f"g{g}.m{m}.b{k}"])
                    k += 1
                preds.append(_mlp_forward(Xs, ws, bs).reshape(n, -1))
                m += 1
            p = np.stack(preds)
            zm[:, cols] = p.mean(axis=0)
            zs[:, cols] = np.sqrt(p.var(axis=0) + self.arrays[f"g{g}.resvar"])
            g += 1
        inv = self.scaler.inverse
        return inv(zm), inv(zm - Z90 * zs), inv(zm + Z90 * zs)

    def _arrays(self) -> dict:
        return dict(self.arrays)

    def _set_arrays(self, arrays: dict) -> None:
        self.arrays = {k: np.asarray(v) for k, v in arrays.items()}
