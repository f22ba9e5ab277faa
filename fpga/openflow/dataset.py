"""Reading an open-flow dataset as hls4ml-style records, its splits and its summary.

* :func:`to_design` / :func:`to_record`: one dataset row -> :class:`fpga.Design` (strategy
  ``distributed_arithmetic``, ``io_parallel``, reuse factor 1) / :class:`fpga.Record` whose
  labels ``lut, ff, dsp, bram, latency_cycles, ii_cycles`` all have provenance
  ``open_synthesis``; ``carry``, da4ml's estimates and the tool provenance go to ``meta``.
* :func:`iter_records`: importer with the :mod:`fpga.records` signature (shard or journal
  file); failed designs are reported through ``skip`` with their stage, never dropped silently.
* :func:`split_masks`: ``random``, ``architecture`` (grouped by layer widths) and ``depth``
  (train <= 3 layers, test 4-6). Membership is a hash of ``design_id`` / ``architecture`` and
  the seed, so a growing dataset keeps every old design in its split.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from fpga.openflow.errors import OpenFlowError

RECORD_LABELS = ("lut", "ff", "dsp", "bram", "latency_cycles", "ii_cycles")
SPLIT_KINDS = ("random", "architecture", "depth")
_META_KEYS = ("design_id", "index", "space", "architecture", "n_layers", "n_weights", "sparsity",
              "bias", "mode", "latency_cutoff", "seed", "weight_digest", "nonzero_weight_bits",
              "carry", "lutram", "muxf", "n_cells", "cells", "n_stages", "da4ml_cost",
              "da4ml_latency", "da4ml_reg_bits", "bitexact_samples", "bitexact_mismatch",
              "da4ml_version", "yosys_version", "family", "flow", "hwconf", "trace_s",
              "codegen_s", "synth_s", "wall_s", "created_utc", "fusebound_version", "model_file")


def _clean(v: Any) -> Any:
    try:
        import numpy as np

        if isinstance(v, np.generic):
            v = v.item()
        elif isinstance(v, np.ndarray):
            v = v.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def rebuilt_spec(row: Mapping[str, Any]):
    """The :class:`~fpga.openflow.network.NetworkSpec` of a row with its weights: the explicit
    ``weights`` / ``biases`` of a spec dict (``NetworkSpec.to_dict()`` of a user's model), else
    the random weights rebuilt from the seed. None when they cannot be rebuilt (a dataset row of
    a user's model keeps only the digest) or do not reproduce the row's ``weight_digest``.
    Explicit weights that do not fit the row raise :class:`OpenFlowError`."""
    import dataclasses

    from fpga.openflow.network import NetworkSpec

    r = {k: _clean(v) for k, v in dict(row).items()}
    explicit = r.get("weights") is not None
    if not explicit and (r.get("user_weights") or r.get("seed") is None
                         or r.get("weight_digest") is None):
        return None
    # the spec's own fields (a dataset row stores all but the explicit weights of a user's model)
    keys = {f.name for f in dataclasses.fields(NetworkSpec)} - (set() if explicit
                                                                 else {"weights", "biases"})
    spec_d = {k: r[k] for k in keys if k in r}
    if isinstance(spec_d.get("widths"), str):
        spec_d["widths"] = json.loads(spec_d["widths"])
    try:
        spec = NetworkSpec.from_dict(spec_d)
    except (OpenFlowError, TypeError, ValueError) as e:
        if explicit:
            raise OpenFlowError(f"design {r.get('design_id', '?')}: its explicit weights do not "
                                f"form a valid NetworkSpec: {e}") from e
        return None
    digest = r.get("weight_digest")
    return spec if digest is None or spec.weight_digest() == digest else None


def layer_zero_shares(row: Mapping[str, Any], spec=None) -> list[float] | None:
    """Share of zero weights of each layer, from the weights themselves (:func:`rebuilt_spec`).
    ``sparsity`` is only the probability of the zeroing mask; a ``weight_bits``-bit uniform draw
    is 0 with probability 2**-weight_bits as well, and a small layer's share drifts from either
    by chance. None when the weights cannot be rebuilt. ``spec``: the row's rebuilt spec, when
    the caller has it already."""
    spec = spec if spec is not None else rebuilt_spec(row)
    if spec is None:
        return None
    ws, _ = spec.integer_weights()
    return [float((w == 0).mean()) for w in ws]


def layer_input_bits(row: Mapping[str, Any], spec=None) -> list[float] | None:
    """Per layer, the input width its nonzero weights really see
    (:meth:`NetworkSpec.effective_input_bits`: interval analysis of the rebuilt weights);
    None when the weights cannot be rebuilt (``spec`` as for :func:`layer_zero_shares`)."""
    spec = spec if spec is not None else rebuilt_spec(row)
    return None if spec is None else spec.effective_input_bits()


def to_design(row: Mapping[str, Any]):
    """The hls4ml-style :class:`fpga.Design` of one dataset row (mapping or pandas Series).
    Each dense layer's ``sparsity`` attribute is its share of zero weights
    (:func:`layer_zero_shares`), or the row's ``sparsity`` when the weights cannot be rebuilt;
    its ``value_bits`` attribute the input width its weights really see
    (:func:`layer_input_bits`), absent when they cannot be rebuilt."""
    from fpga.design import Design, Layer
    from fpga.precision import LayerPrecision, Precision

    r = {k: _clean(v) for k, v in dict(row).items()}
    widths = r["widths"]
    if isinstance(widths, str):
        widths = json.loads(widths)
    widths = [int(w) for w in widths]
    ib, iib = int(r["input_bits"]), int(r["input_int_bits"])
    wb, wf = int(r["weight_bits"]), int(r["weight_frac_bits"])
    ab, aib = int(r["act_bits"]), int(r["act_int_bits"])
    bias = bool(r.get("bias"))
    spec = rebuilt_spec(r)  # once, for both per-layer statistics
    zeros = layer_zero_shares(r, spec) if spec is not None else None
    zeros = zeros or [float(r.get("sparsity") or 0.0)] * (len(widths) - 1)
    in_bits = layer_input_bits(r, spec) if spec is not None else None
    # ap_fixed<W, I>: I counts the sign bit
    inp = Precision(width=ib, integer=iib + 1, signed=True)
    wprec = Precision(width=wb, integer=wb - wf, signed=True)
    act = Precision(width=ab, integer=aib, signed=False)
    layers = [Layer(name="input", type="Input", input_shape=(widths[0],), output_shape=(widths[0],),
                    precision=LayerPrecision(result=inp))]
    n = len(widths) - 1
    for li in range(n):
        last = li == n - 1
        layers.append(Layer(
            name=f"dense_{li}", type="Dense", input_shape=(widths[li],), output_shape=(widths[li + 1],),
            parameters=widths[li] * widths[li + 1] + (widths[li + 1] if bias else 0),
            activation="linear" if last else "relu",
            precision=LayerPrecision(weight=wprec, bias=wprec if bias else None,
                                     result=None if last else act),
            reuse_factor=1,
            attrs={"n_in": widths[li], "n_out": widths[li + 1], "use_bias": bias, "quantized": True,
                   "sparsity": zeros[li],
                   **({"value_bits": in_bits[li]} if in_bits else {})}))
    meta = {"family": r.get("family"), "mode": r.get("mode"), "latency_cutoff": r.get("latency_cutoff"),
            "sparsity": r.get("sparsity"), "weight_seed": r.get("seed"),
            "weight_digest": r.get("weight_digest"), "flow": r.get("flow"),
            "clock": "none (Yosys has no timing model; clock_period_ns is a placeholder)"}
    return Design.chain(layers, strategy="distributed_arithmetic", io_type="io_parallel",
                        part=None, tool_version=r.get("yosys_version"), backend="da4ml",
                        name=str(r.get("design_id", "design")), default_precision=inp,
                        meta={k: v for k, v in meta.items() if v is not None})


def to_record(row: Mapping[str, Any], source: str = ""):
    """One ``status == "ok"`` row -> :class:`fpga.Record` (provenance ``open_synthesis``)."""
    from fpga.records import Record

    r = {k: _clean(v) for k, v in dict(row).items()}
    if r.get("status") != "ok":
        raise OpenFlowError(f"design {r.get('design_id')} failed at {r.get('stage')!r} "
                            f"({r.get('reason')}); only status 'ok' rows have labels")
    labels = {k: float(r[k]) for k in RECORD_LABELS}
    meta = {k: r[k] for k in _META_KEYS if k in r and r[k] is not None}
    if isinstance(meta.get("cells"), str):
        meta["cells"] = json.loads(meta["cells"])
    return Record(design=to_design(r), labels=labels,
                  provenance={k: "open_synthesis" for k in labels}, source=source, meta=meta)


def _rows_of_file(path: Path) -> list[dict[str, Any]]:
    from fpga.openflow.store import _frame, read_journal

    if path.suffix == ".parquet":
        import pandas as pd

        df = pd.read_parquet(path)
    elif path.suffix == ".jsonl":
        df = _frame(read_journal(path.parent)) if path.name == "pending.jsonl" else None
        if df is None:
            raise OpenFlowError(f"{path}: only the journal 'pending.jsonl' is an open-flow JSONL file")
    else:
        raise OpenFlowError(f"{path} is not an open-flow shard (.parquet) or journal (pending.jsonl)")
    return df.to_dict(orient="records")


def iter_records(path: str | Path, label_source: str = "post_synthesis",
                 skip: Callable[[str, str], None] | None = None) -> Iterator[Any]:
    """Records of an open-flow dataset folder, shard or journal (``fpga.records`` importer).

    ``label_source`` is accepted for the importer signature; open-flow labels are always
    ``open_synthesis``. Failed designs go to ``skip(reason, where)``.
    """
    from fpga.openflow.store import read_dataset

    p = Path(path)
    if p.is_dir():
        rows = read_dataset(p).to_dict(orient="records")
    else:
        rows = _rows_of_file(p)
    for k, row in enumerate(rows):
        where = f"openflow:{p.name}#{k}"
        if row.get("status") != "ok":
            if skip is not None:
                skip(f"open-flow design failed at stage {row.get('stage')!r}", where)
            continue
        yield to_record(row, source=where)


def is_openflow_file(path: Path) -> bool:
    """True for ``shards/part-*.parquet`` and ``pending.jsonl`` of a folder holding ``space.yaml``."""
    path = Path(path)
    if path.name == "pending.jsonl":
        return (path.parent / "space.yaml").exists()
    if path.suffix == ".parquet" and path.name.startswith("part-") and path.parent.name == "shards":
        return (path.parent.parent / "space.yaml").exists()
    return False


# -- splits ----------------------------------------------------------------------------------
def _unit(key: str, seed: int) -> float:
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64


def split_masks(df, kind: str = "random", *, seed: int = 0, test_frac: float = 0.2,
                val_frac: float = 0.1) -> dict[str, Any]:
    """Boolean masks ``{"train", "val", "test"}`` over the rows of ``df`` (ok rows expected).

    * ``random``: by ``design_id``;
    * ``architecture``: by ``architecture`` (layer widths), so no width sequence is on both sides;
    * ``depth``: test = ``n_layers`` 4-6, train+val = ``n_layers`` <= 3 (val by ``design_id``).

    ``val`` is carved from the training side for model selection; ``test`` is never for that.
    """
    import numpy as np

    if kind not in SPLIT_KINDS:
        raise OpenFlowError(f"split kind must be one of {', '.join(SPLIT_KINDS)}; got {kind!r}")
    if not 0 < test_frac < 1 or not 0 <= val_frac < 1 or test_frac + val_frac >= 1:
        raise OpenFlowError(f"test_frac and val_frac must be in (0, 1) with sum < 1; got {test_frac}, {val_frac}")
    ids = df["design_id"].astype(str).to_numpy()
    u_id = np.array([_unit(i, seed) for i in ids])
    if kind == "random":
        test = u_id < test_frac
        val = (~test) & (u_id < test_frac + val_frac)
    elif kind == "architecture":
        u_arch = np.array([_unit("arch:" + a, seed) for a in df["architecture"].astype(str)])
        test = u_arch < test_frac
        val = (~test) & (u_arch < test_frac + val_frac)
    else:
        depth = df["n_layers"].to_numpy().astype(int)
        test = depth >= 4
        val = (~test) & (u_id < val_frac)
    train = ~(test | val)
    return {"train": train, "val": val, "test": test}


def summarize(folder: str | Path) -> dict[str, Any]:
    """Counts, failures by stage, label distributions and measured designs/hour of a folder."""
    import numpy as np

    from fpga.openflow import store

    folder = Path(folder)
    df = store.read_dataset(folder)
    ok = df[df["status"] == "ok"]
    failed = df[df["status"] != "ok"]
    labels = []
    for col in ("lut", "ff", "carry", "dsp", "bram", "latency_cycles", "ii_cycles", "da4ml_cost", "wall_s"):
        if col in ok and len(ok):
            v = ok[col].astype(float).to_numpy()
            labels.append({"label": col, "min": float(v.min()), "median": float(np.median(v)),
                           "mean": float(v.mean()), "max": float(v.max())})
    runs = store.read_runs(folder)
    attempted = sum(r.get("n_attempted", 0) for r in runs)
    wall = sum(r.get("wall_s", 0.0) for r in runs)
    corr = None
    if len(ok) > 2:
        corr = float(np.corrcoef(ok["da4ml_cost"].astype(float), ok["lut"].astype(float))[0, 1])
    return {
        "folder": str(folder), "n_records": int(len(df)), "n_ok": int(len(ok)), "n_failed": int(len(failed)),
        "failed_by_stage": {str(k): int(v) for k, v in failed["stage"].value_counts().items()} if len(failed) else {},
        "ok_by_layers": {int(k): int(v) for k, v in ok["n_layers"].value_counts().sort_index().items()} if len(ok) else {},
        "ok_by_mode": {str(k): int(v) for k, v in ok["mode"].value_counts().items()} if len(ok) else {},
        "n_architectures": int(ok["architecture"].nunique()) if len(ok) else 0,
        "corr_da4ml_cost_lut": corr,
        "runs": len(runs), "runner_wall_s": round(wall, 1),
        "designs_per_hour": round(3600 * attempted / wall, 1) if wall > 0 else None,
        "labels": labels,
    }


def smape_pct(y, yhat) -> float:
    """SMAPE in percent, wa-hls4ml benchmark form: ``200/n * sum |y-yhat| / (|y|+|yhat|+1)``."""
    import numpy as np

    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    return float(200.0 * np.mean(np.abs(y - yhat) / (np.abs(y) + np.abs(yhat) + 1.0)))


def r2_score(y, yhat) -> float:
    import numpy as np

    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    ss = float(np.sum((y - y.mean()) ** 2))
    return float(1.0 - np.sum((y - yhat) ** 2) / ss) if ss > 0 else float("nan")


def da4ml_baseline(df, kind: str = "random", *, seed: int = 0, target: str = "lut",
                   estimate: str = "da4ml_cost") -> dict[str, Any]:
    """The baseline every model on this data must beat: ``target ~ factor * estimate``.

    ``factor`` is fitted by least squares through the origin on the ``train`` split only
    (``sum(e*y) / sum(e*e)``); R^2 and SMAPE are reported on ``test`` (never used for fitting).
    Rows without the estimate (e.g. ``da4ml_reg_bits`` of combinational designs) are left out.
    """
    import numpy as np

    ok = df[(df["status"] == "ok") & df[estimate].notna()].reset_index(drop=True)
    if len(ok) < 3:
        raise OpenFlowError(f"da4ml_baseline needs at least 3 ok rows with {estimate!r}; got {len(ok)}")
    m = split_masks(ok, kind, seed=seed)
    e, y = ok[estimate].astype(float).to_numpy(), ok[target].astype(float).to_numpy()
    tr, te = m["train"], m["test"]
    if tr.sum() == 0 or te.sum() == 0:
        raise OpenFlowError(f"split {kind!r} left an empty train or test side ({int(tr.sum())}/{int(te.sum())} rows)")
    factor = float(np.dot(e[tr], y[tr]) / np.dot(e[tr], e[tr]))
    pred = factor * e[te]
    return {"split": kind, "target": target, "estimate": estimate, "factor": round(factor, 4),
            "n_train": int(tr.sum()), "n_val": int(m["val"].sum()), "n_test": int(te.sum()),
            "r2_test": r2_score(y[te], pred), "smape_test_pct": smape_pct(y[te], pred),
            "corr_test": float(np.corrcoef(e[te], y[te])[0, 1]) if te.sum() > 2 else float("nan")}


def split_report(folder: str | Path, *, seed: int = 0) -> dict[str, Any]:
    """Split sizes and the da4ml-estimate baseline (LUT, and FF from register bits for
    pipelined designs) on every split kind of a dataset folder."""
    from fpga.openflow import store

    df = store.read_dataset(folder, status="ok")
    rows = []
    for kind in SPLIT_KINDS:
        for target, est in (("lut", "da4ml_cost"), ("ff", "da4ml_reg_bits")):
            try:
                rows.append(da4ml_baseline(df, kind, seed=seed, target=target, estimate=est))
            except (OpenFlowError, KeyError) as e:
                rows.append({"split": kind, "target": target, "estimate": est, "error": str(e)})
    return {"folder": str(folder), "n_ok": int(len(df)), "seed": seed, "baselines": rows}


def summary_markdown(folder: str | Path, *, seed: int = 0) -> str:
    """The data card's "Counts" section: counts, failures, label distributions, split sizes,
    the da4ml baseline per split and the runner's measured designs/hour, as Markdown."""
    s = summarize(folder)
    lines = [f"* designs recorded: **{s['n_records']}** - synthesized (`ok`) **{s['n_ok']}**, "
             f"failed {s['n_failed']}" + (f" (by stage: {s['failed_by_stage']})" if s["n_failed"] else ""),
             f"* ok designs by number of layers: {s['ok_by_layers']}; by mode: {s['ok_by_mode']}; "
             f"distinct architectures: {s['n_architectures']}"]
    if s["corr_da4ml_cost_lut"] is not None:
        lines.append(f"* correlation of `da4ml_cost` with `lut`: {s['corr_da4ml_cost_lut']:.4f}")
    if s["designs_per_hour"]:
        lines.append(f"* runner throughput so far: {s['designs_per_hour']} designs/hour over "
                     f"{s['runner_wall_s'] / 3600:.2f} h of runner wall time in {s['runs']} run(s) "
                     f"(shared 2-core machine; see `runs.jsonl`)")
    lines += ["", "| column | min | median | mean | max |", "|---|---|---|---|---|"]
    for r in s["labels"]:
        lines.append(f"| `{r['label']}` | {r['min']:g} | {r['median']:g} | {r['mean']:.1f} | {r['max']:g} |")
    try:
        rep = split_report(folder, seed=seed)["baselines"]
    except OpenFlowError:
        rep = []
    ok_rows = [r for r in rep if "error" not in r]
    if ok_rows:
        lines += ["", "| split | target ~ factor x estimate | factor (train) | train / val / test | "
                      "R^2 test | SMAPE test % |", "|---|---|---|---|---|---|"]
        for r in ok_rows:
            lines.append(f"| {r['split']} | `{r['target']}` ~ `{r['estimate']}` | {r['factor']:g} | "
                         f"{r['n_train']} / {r['n_val']} / {r['n_test']} | {r['r2_test']:.4f} | "
                         f"{r['smape_test_pct']:.2f} |")
    return "\n".join(lines)
