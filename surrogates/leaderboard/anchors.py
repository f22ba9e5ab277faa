"""Reference points of the leaderboard that are not fusebound models.

- :data:`PUBLISHED`: the wa-hls4ml paper's (and benchmark maintainers') test-set numbers,
  transcribed from ``spec/hls4ml_data.md`` (Hawks, Weitz et al., arXiv 2511.05615, Table 4 and
  the post-synthesis retraining). They were measured on the full 684k-design dataset, so the
  report labels them "published, different data" and never ranks them with our rows.
- :class:`Da4mlFactor`: the open-flow baseline "da4ml estimate x factor fitted on the training
  split": y_t = f_t * x_t, f_t = sum(x y) / sum(x^2) over training designs (least squares
  through 0), with x = da4ml's adder cost for LUT (and DSP / BRAM), its register bits for FF,
  and its adder depth in cycles for latency / II: ceil(depth / latency cutoff) + 1 stages when
  pipelined, 0 registers and 0 cycles when combinational.
- :class:`Rule4ml`: rule4ml's shipped pretrained GNN (``rule4ml`` 0.2.0, optional extra),
  called through its public API (``MultiModelWrapper.load_default_models().predict``) on the
  same test designs rebuilt as PyTorch modules. Only plain dense chains on the boards rule4ml
  knows can be rebuilt; other designs get no prediction (the row's ``n`` says how many were
  scored).
"""

from __future__ import annotations

import importlib.util

import numpy as np

from ..errors import SurrogateError
from ..models.base import Estimator

PUBLISHED_SOURCE = ("wa-hls4ml paper (Hawks, Weitz et al., arXiv 2511.05615), Table 4 and the "
                    "benchmark maintainers' post-synthesis retraining, as quoted in "
                    "spec/hls4ml_data.md")
_ORDER = ("bram", "dsp", "ff", "lut", "latency_cycles", "ii_cycles")
#: model label -> (labels used, parameters, R^2 per target in _ORDER, SMAPE % or None)
PUBLISHED: dict[str, tuple[str, float | None, tuple, tuple | None]] = {
    "wa-gnn (paper)": ("hls_estimate", 54.5e6, (0.51, 0.89, 0.74, 0.73, 0.89, 0.91),
                       (19.5, 15.1, 11.6, 11.4, 15.7, 13.4)),
    "wa-transformer (paper)": ("hls_estimate", 3.2e6, (0.39, 0.29, 0.72, 0.67, 0.95, 0.95),
                               None),
    "wa-gnn (paper, retrained post-synth)": ("post_synthesis", 54.5e6,
                                             (0.64, 0.56, 0.93, 0.90, 0.81, 0.83), None),
    "wa-transformer (paper, retrained post-synth)": ("post_synthesis", 3.2e6,
                                                     (0.35, 0.83, 0.93, 0.90, 0.93, 0.92), None),
    "rule4ml 0.2.0 MLP (published)": ("post_synthesis", None,
                                      (0.32, 0.03, 0.20, 0.49, 0.54, 0.34), None),
}
PUBLISHED_LABEL = "published, different data"


def published_rows() -> list[dict]:
    """One row per (published model, target); ``kind`` = "published, different data"."""
    rows = []
    for model, (labels, params, r2s, smapes) in PUBLISHED.items():
        for k, t in enumerate(_ORDER):
            rows.append({"model": model, "kind": PUBLISHED_LABEL,
                         "dataset": "wa-hls4ml full (684k designs)", "split": "published test",
                         "target": t, "r2": r2s[k], "smape": None if smapes is None else smapes[k],
                         "provenance": labels, "n_parameters": params, "status": "reference",
                         "error": None, "note": PUBLISHED_SOURCE})
    return rows


def da4ml_estimate(d: dict, key: str):
    """da4ml's estimate ``key`` of one design (``d``: its ``da4ml_*`` fields, ``mode``,
    ``latency_cutoff``); register bits and cycles are 0 for a combinational design."""
    comb = str(d.get("mode", "")).lower() == "combinational"
    if key in ("da4ml_reg_bits", "da4ml_cycles") and comb:
        return 0.0
    if key == "da4ml_cycles":
        depth, cut = d.get("da4ml_latency"), d.get("latency_cutoff")
        if depth is None or not cut:
            return None
        return float(np.ceil(float(depth) / float(cut)) + 1.0)
    return d.get(key)


class Da4mlFactor(Estimator):
    """``y_t = f_t x_t`` with one factor per target fitted on training designs (see the module
    docstring). ``lookup`` maps design names to da4ml's estimates."""

    name = "da4ml-factor"
    has_intervals = False
    _X = {"lut": "da4ml_cost", "ff": "da4ml_reg_bits", "dsp": "da4ml_cost",
          "bram": "da4ml_cost", "latency_cycles": "da4ml_cycles", "ii_cycles": "da4ml_cycles"}

    def __init__(self, lookup: dict | None = None, **kw):
        super().__init__(**kw)
        self.lookup = lookup or {}
        self.factors = np.full(len(self.targets), np.nan)

    def _x(self, data) -> np.ndarray:
        x = np.full((len(data), len(self.targets)), np.nan)
        for i, n in enumerate(data.names):
            d = self.lookup.get(n)
            if d is None:
                continue
            for j, t in enumerate(self.targets):
                v = da4ml_estimate(d, self._X[t])
                x[i, j] = np.nan if v is None else float(v)
        return x

    def _fit(self, train, val):
        x, y = self._x(train), self._labels(train)
        if not np.isfinite(x).any():
            raise SurrogateError("da4ml-factor needs da4ml estimates (da4ml_cost / "
                                 "da4ml_latency) of the training designs; got none")
        for j in range(len(self.targets)):
            ok = np.isfinite(x[:, j]) & np.isfinite(y[:, j])
            den = float(np.sum(x[ok, j] ** 2))
            self.factors[j] = float(np.sum(x[ok, j] * y[ok, j]) / den) if den > 0 else np.nan

    def _predict(self, data):
        v = self._x(data) * self.factors[None, :]
        nan = np.full_like(v, np.nan)
        return v, nan, nan.copy()

    def _arrays(self) -> dict:
        return {"factors": self.factors}

    def _set_arrays(self, arrays: dict) -> None:
        self.factors = np.asarray(arrays["factors"], dtype=np.float64)


# -- rule4ml --------------------------------------------------------------------------------

RULE4ML_HINT = "rule4ml not installed (optional extra: pip install 'fusebound[rule4ml]')"
_BOARDS = (("xcu250", "alveo-u250"), ("xcu200", "alveo-u200"), ("xczu9eg", "zcu102"),
           ("xc7z020", "pynq-z2"))
_R4_TARGETS = {"LUT": "lut", "FF": "ff", "DSP": "dsp", "BRAM": "bram",
               "CYCLES": "latency_cycles", "INTERVAL": "ii_cycles"}


def rule4ml_installed() -> bool:
    """True when the ``rule4ml`` package can be imported (checked without importing it)."""
    return importlib.util.find_spec("rule4ml") is not None


def _board(part: str) -> str | None:
    p = (part or "").lower()
    return next((b for prefix, b in _BOARDS if p.startswith(prefix)), None)


def _dense_chain(design):
    """(widths, activations) of a plain dense chain, else None."""
    widths, acts = [], []
    for layer in design.layers:
        if layer.type in ("Input", "InputLayer"):
            if widths:
                return None
            widths.append(int(np.prod(layer.output_shape)))
        elif layer.type == "Dense":
            if not widths:
                widths.append(int(np.prod(layer.input_shape)))
            widths.append(int(np.prod(layer.output_shape)))
            acts.append((layer.activation or "linear").lower())
        elif layer.type == "Activation" and acts:
            acts[-1] = (layer.activation or "linear").lower()
        else:
            return None
    return (widths, acts) if len(widths) >= 2 else None


class Rule4ml(Estimator):
    """rule4ml's pretrained GNN through its public API (see the module docstring)."""

    name = "rule4ml"
    has_intervals = False

    def __init__(self, **kw):
        super().__init__(**kw)
        self._wrapper = None

    def needs_fit(self) -> bool:
        return False

    def _fit(self, train, val):
        if not rule4ml_installed():
            raise SurrogateError(RULE4ML_HINT)

    def _load(self):
        if self._wrapper is None:
            from rule4ml.models.wrappers import MultiModelWrapper
            w = MultiModelWrapper()
            w.load_default_models()
            self._wrapper = w
        return self._wrapper

    def _predict(self, data):
        import torch
        if not rule4ml_installed():
            raise SurrogateError(RULE4ML_HINT)
        wrapper = self._load()
        designs = data.designs()
        out = np.full((len(designs), len(self.targets)), np.nan)
        groups: dict = {}
        for i, d in enumerate(designs):
            chain = _dense_chain(d)
            board = _board(d.part or "")
            if chain is None or board is None:
                continue
            dense = [l for l in d.layers if l.type == "Dense"]
            w = dense[0].precision.weight if dense[0].precision is not None else None
            prec = d.default_precision or w
            key = (board, (d.strategy or "latency").lower(), str(prec).replace(" ", ""),
                   int(dense[0].reuse_factor or 1), d.hls4ml_version, d.tool_version)
            groups.setdefault(key, []).append((i, chain))
        acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
                "softmax": lambda: torch.nn.Softmax(dim=-1)}
        for (board, strategy, prec, rf, hv, vv), members in groups.items():
            models = []
            for i, (widths, a) in members:
                mods = []
                for k in range(len(widths) - 1):
                    mods.append(torch.nn.Linear(widths[k], widths[k + 1]))
                    if a[k] in acts:
                        mods.append(acts[a[k]]())
                m = torch.nn.Sequential(*mods)
                m.name = f"d{i}"
                models.append(m)
            cfg = {"board": board, "model": {"strategy": strategy, "precision": prec,
                                             "reuse_factor": rf}}
            kw = {}
            if hv:
                kw["hls4ml_versions"] = [hv]
            if vv:
                kw["vivado_versions"] = [vv]
            try:
                df = wrapper.predict(models, hls_configs=[cfg], **kw)
            except Exception:  # noqa: BLE001 - version unknown to rule4ml: let it choose
                df = wrapper.predict(models, hls_configs=[cfg])
                df = df.groupby("Model", observed=True).first().reset_index()
            by_name = {r["Model"]: r for _, r in df.iterrows()}
            for i, _ in members:
                r = by_name.get(f"d{i}")
                if r is None:
                    continue
                for col, t in _R4_TARGETS.items():
                    if t in self.targets and col in r:
                        out[i, self.targets.index(t)] = float(r[col])
        nan = np.full_like(out, np.nan)
        return out, nan, nan.copy()

    def n_parameters(self) -> int:
        if not rule4ml_installed():
            return 0
        self._load()
        total = 0
        for mw in self._wrapper._models.values():
            model = getattr(mw, "model", None)
            if model is not None and hasattr(model, "parameters"):
                total += sum(p.numel() for p in model.parameters())
        return int(total)
