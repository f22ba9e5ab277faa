"""Prediction API: ``surrogates.load(path_or_default).predict(designs)``.

Designs may be ``fpga.Design`` objects, ``fpga.Record`` s, design dicts (``Design.to_dict``),
wa-hls4ml record dicts (with ``model_config``), paths of JSON / YAML design files or of
wa-hls4ml record files, an hls4ml ``ModelGraph`` (through the ``fpga`` importer, needs the
``hls4ml`` extra), lists of any of these, or a ready ``PackedDesigns``.
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
        try:
            from fpga.importers.hls4ml_model import design_from_modelgraph
        except ImportError as e:
            raise SurrogateError("predicting from an hls4ml ModelGraph needs the fpga hls4ml "
                                 "importer (fpga.importers.hls4ml_model)") from e
        return design_from_modelgraph(obj)
    raise SurrogateError(f"design {where} must be an fpga.Design, a Record, a dict, a path or "
                         f"an hls4ml ModelGraph; got {type(obj).__name__}")


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
