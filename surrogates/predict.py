"""Prediction API: ``surrogates.load(path_or_default).predict(designs)``.

Designs may be ``fpga.Design`` objects, ``fpga.Record`` s, design dicts (``Design.to_dict``),
wa-hls4ml record dicts (with ``model_config``), paths of JSON / YAML design files or of
wa-hls4ml record files, an hls4ml ``ModelGraph`` (through the ``fpga`` importer, needs the
``hls4ml`` extra), a PyTorch ``nn.Module`` or a tuple ``(module, hls_config)`` (converted by
hls4ml, see :func:`design_from_pytorch`), lists of any of these, or a ready ``PackedDesigns``.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import SurrogateError
from .packed import PackedDesigns, pack_designs

#: Shipped default checkpoint (trained by ``python -m surrogates.train_default``).
DEFAULT_CHECKPOINT = Path(__file__).parent / "checkpoints" / "default.pt"


def load(path=None):
    """The estimator in checkpoint ``path`` (``None`` or ``"default"``: the shipped one)."""
    from .models.base import Estimator
    if path is None or str(path) == "default":
        path = DEFAULT_CHECKPOINT
        if not path.is_file():
            raise SurrogateError(f"the default checkpoint must exist at {path}; it is missing "
                                 "(build it with: python -m surrogates.train_default)")
    return Estimator.load(path)


def _design_from_obj(obj, where: str):
    import fpga
    if isinstance(obj, fpga.Design):
        return obj
    if isinstance(obj, fpga.Record):
        return obj.design
    if isinstance(obj, dict):
        try:
            if "model_config" in obj:
                from fpga.importers.wa_hls4ml import design_from_wa
                return design_from_wa(obj)
            if "design" in obj and isinstance(obj["design"], dict):
                return fpga.Design.from_dict(obj["design"])
            return fpga.Design.from_dict(obj)
        except (fpga.DesignError, KeyError, TypeError) as e:
            raise SurrogateError(f"design {where} is not a valid design or wa-hls4ml record: "
                                 f"{e}") from e
    if type(obj).__name__ == "ModelGraph":  # hls4ml model (optional extra)
        return fpga.from_hls4ml(obj)
    if isinstance(obj, tuple) and obj and _is_torch_module(obj[0]):
        return design_from_pytorch(*obj)
    if _is_torch_module(obj):
        return design_from_pytorch(obj)
    raise SurrogateError(f"design {where} must be an fpga.Design, a Record, a dict, a path or "
                         f"an hls4ml ModelGraph; got {type(obj).__name__}")


def _is_torch_module(obj) -> bool:
    import sys
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def design_from_pytorch(model, hls_config: dict | None = None, input_shape=None, *,
                        part: str = "xcu250-figd2104-2L-e", io_type: str = "io_parallel",
                        clock_period_ns: float = 5.0, output_dir=None):
    """An ``fpga.Design`` of a PyTorch model converted by hls4ml (the ``hls4ml`` extra; no
    synthesis). ``hls_config`` as from ``hls4ml.utils.config_from_pytorch_model`` (default:
    made here with ``input_shape``, inferred from the first ``nn.Linear`` when omitted)."""
    import tempfile

    import fpga

    from ._deps import require
    hls4ml = require("hls4ml")
    if hls_config is None:
        if input_shape is None:
            first = next((m for m in model.modules() if hasattr(m, "in_features")), None)
            if first is None:
                raise SurrogateError("input_shape of the PyTorch model must be given (no "
                                     "nn.Linear to infer it from)")
            input_shape = (first.in_features,)
        hls_config = hls4ml.utils.config_from_pytorch_model(
            model, input_shape=tuple(input_shape), granularity="name", backend="Vivado")
    out = output_dir or tempfile.mkdtemp(prefix="fusebound_hls4ml_")
    try:
        graph = hls4ml.converters.convert_from_pytorch_model(
            model, hls_config=hls_config, output_dir=str(out), backend="Vivado",
            io_type=io_type, part=part, clock_period=clock_period_ns)
    except Exception as e:  # noqa: BLE001 - hls4ml raises many types
        raise SurrogateError(f"hls4ml could not convert the PyTorch model: {e}") from e
    return fpga.from_hls4ml(graph)


def _from_path(p: Path) -> list:
    import fpga
    if not p.exists():
        raise SurrogateError(f"design file must exist; got {p}")
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            return [fpga.Design.load(p)]
        except fpga.DesignError as e:
            raise SurrogateError(f"design file {p}: {e}") from e
    try:
        obj = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise SurrogateError(f"design file {p} must be JSON or YAML: {e}") from e
    items = obj if isinstance(obj, list) else [obj]
    return [_design_from_obj(x, f"{p}#{i}") for i, x in enumerate(items)]


def to_designs(designs) -> list:
    """A list of ``fpga.Design`` from any accepted input (see the module docstring)."""
    if isinstance(designs, (str, Path)):
        return _from_path(Path(designs))
    if isinstance(designs, tuple) and designs and _is_torch_module(designs[0]):
        designs = [designs]  # one (module, hls_config[, input_shape]) pair
    if not isinstance(designs, (list, tuple)):
        designs = [designs]
    out = []
    for i, d in enumerate(designs):
        if isinstance(d, (str, Path)):
            out += _from_path(Path(d))
        else:
            out.append(_design_from_obj(d, f"#{i}"))
    return out


def to_packed(designs, part: str | None = None) -> PackedDesigns:
    """``PackedDesigns`` for ``designs``; ``part`` overrides every design's target part."""
    if isinstance(designs, PackedDesigns):
        if part is None:
            return designs
        designs = designs.designs()
    ds = to_designs(designs)
    if not ds:
        raise SurrogateError("designs to predict must contain at least one design; got none")
    if part is not None:
        import fpga
        try:
            fpga.parts.get(part)
        except fpga.DesignError as e:
            raise SurrogateError(f"part to predict for: {e}") from e
    return pack_designs(ds, part_override=part, source="predict", with_arch=False)
