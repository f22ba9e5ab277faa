"""A user's own model through the open flow (``fusebound synth run MODEL``).

Accepted model files (nothing is executed while reading them):

* ``.pt`` / ``.pth``: a PyTorch ``state_dict`` of ``Linear`` layers (``torch.load`` with
  ``weights_only=True``); layers are the ``*.weight`` tensors of shape ``(out, in)`` in file
  order, each with its ``*.bias`` when present; ReLU between layers is assumed;
* ``.npz``: arrays ``W0, W1, ...`` of shape ``(in, out)`` and optional ``b0, b1, ...``;
* ``.yaml`` / ``.yml`` / ``.json``: a :class:`NetworkSpec` mapping (random or integer weights).

Float weights are quantized to ``weight_bits`` with one power-of-two scale
(:func:`fpga.openflow.network.spec_from_float_weights`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from fpga.openflow.errors import OpenFlowError
from fpga.openflow.network import NetworkSpec, spec_from_float_weights


def _layers_from_state_dict(sd: dict[str, Any], where: str):
    ws, bs = [], []
    for key, val in sd.items():
        if key.endswith(".weight") or key == "weight":
            arr = np.asarray(val.detach().cpu().numpy() if hasattr(val, "detach") else val, dtype=np.float64)
            if arr.ndim != 2:
                raise OpenFlowError(f"{where}: {key} has shape {arr.shape}; only Linear (2-D) weights are "
                                    f"supported by the open flow (dense networks)")
            ws.append(arr.T)
            bkey = key[: -len("weight")] + "bias"
            b = sd.get(bkey)
            bs.append(None if b is None else np.asarray(b.detach().cpu().numpy() if hasattr(b, "detach") else b,
                                                        dtype=np.float64))
    if not ws:
        raise OpenFlowError(f"{where} holds no '*.weight' tensors")
    return ws, bs


def load_model_spec(path: str | Path, *, weight_bits: int = 6, **kw: Any) -> NetworkSpec:
    """Build the :class:`NetworkSpec` of a model file (formats in the module docstring).

    ``kw`` sets the remaining NetworkSpec fields (``input_bits``, ``act_bits``, ``mode``, ...);
    for ``.yaml``/``.json`` specs they override the file's values.
    """
    p = Path(path)
    if not p.is_file():
        raise OpenFlowError(f"model file {p} does not exist")
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        if suffix == ".json":
            data = json.loads(p.read_text())
        else:
            import yaml

            data = yaml.safe_load(p.read_text())
        if not isinstance(data, dict):
            raise OpenFlowError(f"{p} must hold a NetworkSpec mapping; got {type(data).__name__}")
        data = {**data, **{k: v for k, v in kw.items() if v is not None}}
        if "weight_bits" not in data:
            data["weight_bits"] = weight_bits
        return NetworkSpec.from_dict(data)
    if suffix in (".pt", ".pth"):
        try:
            import torch
        except ImportError as e:  # pragma: no cover
            raise OpenFlowError("reading .pt models needs torch") from e
        try:
            sd = torch.load(p, map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable file
            raise OpenFlowError(f"{p} is not a PyTorch state_dict readable with weights_only=True: {e}") from e
        if not isinstance(sd, dict):
            raise OpenFlowError(f"{p} must hold a state_dict (mapping of tensors); got {type(sd).__name__}")
        ws, bs = _layers_from_state_dict(sd, str(p))
    elif suffix == ".npz":
        with np.load(p, allow_pickle=False) as z:
            names = set(z.files)
            ws, bs = [], []
            i = 0
            while f"W{i}" in names:
                ws.append(np.asarray(z[f"W{i}"], dtype=np.float64))
                bs.append(np.asarray(z[f"b{i}"], dtype=np.float64) if f"b{i}" in names else None)
                i += 1
        if not ws:
            raise OpenFlowError(f"{p} holds no arrays W0, W1, ... (shape (in, out))")
    else:
        raise OpenFlowError(f"model file {p} must end in .pt, .pth, .npz, .yaml, .yml or .json; got {suffix!r}")
    kw = {k: v for k, v in kw.items() if v is not None}
    return spec_from_float_weights(ws, bs if any(b is not None for b in bs) else None,
                                   weight_bits=weight_bits, **kw)


def synth_model(path: str | Path, *, family: str = "xc7", timeout_s: float = 900.0,
                out: str | Path | None = None, weight_bits: int = 6, **kw: Any) -> dict[str, Any]:
    """Synthesize a user's model through the open flow; returns the record.

    With ``out``, the record is also appended to the dataset folder ``out`` (journal).
    """
    from fpga.openflow.flow import synthesize_design

    spec = load_model_spec(path, weight_bits=weight_bits, **kw)
    rec = synthesize_design(spec, family=family, timeout_s=timeout_s,
                            extra={"model_file": Path(path).name})
    if out is not None:
        from fpga.openflow import store

        Path(out).mkdir(parents=True, exist_ok=True)
        store.append_journal(out, rec)
    return rec
