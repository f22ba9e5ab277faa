"""Fixed-point precision of hls4ml layers: ``ap_fixed<W,I,Q,O,N>``, ``ap_int<W>`` and friends.

Forms accepted by :meth:`Precision.parse` (all seen in real hls4ml / wa-hls4ml records):

* ``ap_fixed<16,6>``, ``fixed<14,1>``, ``ap_fixed<2, 1>`` (spaces allowed), ``ap_ufixed<8,0>``,
  ``ufixed<4,0,RND_CONV,SAT,0>``, ``ap_fixed<8,3,AP_RND,AP_SAT>`` (rounding, saturation and the
  optional number of saturation bits; the ``AP_`` prefix is optional);
* ``ap_int<8>``, ``int<8>``, ``ap_uint<4>``, ``uint<4>`` (integer = width);
* dicts: ``{"width": 16, "integer": 6, "signed": true, "rounding": "RND", "saturation": "SAT"}``,
  hls4ml's ``{"class_name": "FixedPrecisionType", ...}`` and ``{"default": "fixed<16,6>"}``;
* QKeras quantizers: ``quantized_bits(8,3)``, ``quantized_relu(4,1)``, ``quantized_tanh(4,1)``,
  ``quantized_sigmoid(4,1)`` mapped to the precision hls4ml gives them.

``"auto"`` (hls4ml infers the type) is not a precision; :meth:`Precision.parse_optional` maps it
to ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from fpga.errors import DesignError

#: Rounding modes of ``ap_fixed`` (without the ``AP_`` prefix); ``TRN`` is the default.
ROUNDING_MODES = ("TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_MIN_INF", "RND_INF", "RND_CONV")
#: Overflow (saturation) modes of ``ap_fixed``; ``WRAP`` is the default.
SATURATION_MODES = ("WRAP", "SAT", "SAT_ZERO", "SAT_SYM", "WRAP_SM")
#: Largest width Vivado/Vitis ``ap_[u]fixed``/``ap_[u]int`` accept by default (AP_INT_MAX_W).
MAX_WIDTH = 1024

_TYPE_RE = re.compile(r"^\s*(?P<base>(?:ap_)?u?(?:fixed|int))\s*<(?P<args>[^<>]*)>\s*$", re.I)
_QUANT_RE = re.compile(r"^\s*(?P<fn>quantized_\w+)\s*\((?P<args>[^()]*)\)\s*$", re.I)


def _mode(value: str, allowed: tuple[str, ...], what: str, text: str) -> str:
    v = value.strip().upper()
    if v.startswith("AP_"):
        v = v[3:]
    if v not in allowed:
        raise DesignError(f"{what} mode of precision {text!r} must be one of "
                          f"{', '.join(allowed)} (optionally prefixed AP_); got {value.strip()!r}")
    return v


def _int(value: Any, what: str, text: Any) -> int:
    try:
        f = float(str(value).strip())
    except ValueError as e:
        raise DesignError(f"{what} of precision {text!r} must be an integer; got {value!r}") from e
    if f != int(f):
        raise DesignError(f"{what} of precision {text!r} must be an integer; got {value!r}")
    return int(f)


@dataclass(frozen=True)
class Precision:
    """One fixed-point or integer type.

    ``width`` total bits, ``integer`` bits left of the binary point (sign bit included for
    signed types; may be negative or exceed ``width`` as in ``ap_fixed``), ``signed``,
    ``rounding`` (one of :data:`ROUNDING_MODES`), ``saturation`` (one of
    :data:`SATURATION_MODES`), ``saturation_bits`` (the ``N`` of ``ap_fixed<W,I,Q,O,N>``) and
    ``kind`` ``"fixed"`` or ``"int"`` (integer types have ``integer == width``).
    """

    width: int
    integer: int
    signed: bool = True
    rounding: str = "TRN"
    saturation: str = "WRAP"
    saturation_bits: int = 0
    kind: str = "fixed"

    def __post_init__(self) -> None:
        for name in ("width", "integer", "saturation_bits"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise DesignError(f"{name} of Precision must be an int; got {v!r}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise DesignError(f"width of Precision must be in 1..{MAX_WIDTH}; got {self.width}")
        if self.kind not in ("fixed", "int"):
            raise DesignError(f"kind of Precision must be 'fixed' or 'int'; got {self.kind!r}")
        if self.kind == "int" and self.integer != self.width:
            raise DesignError(f"integer bits of an int Precision must equal its width "
                              f"{self.width}; got {self.integer}")
        if self.rounding not in ROUNDING_MODES:
            raise DesignError(f"rounding of Precision must be one of {', '.join(ROUNDING_MODES)}; "
                              f"got {self.rounding!r}")
        if self.saturation not in SATURATION_MODES:
            raise DesignError(f"saturation of Precision must be one of "
                              f"{', '.join(SATURATION_MODES)}; got {self.saturation!r}")
        if self.saturation_bits < 0:
            raise DesignError(f"saturation_bits of Precision must be >= 0; got "
                              f"{self.saturation_bits}")

    # ------------------------------------------------------------------ parsing
    @classmethod
    def parse(cls, value: "str | Mapping[str, Any] | Precision") -> "Precision":
        """Parse any supported form (see the module docstring); raise :class:`DesignError`."""
        if isinstance(value, Precision):
            return value
        if isinstance(value, Mapping):
            return cls._from_mapping(value)
        if not isinstance(value, str):
            raise DesignError(f"precision must be a string or a dict; got "
                              f"{type(value).__name__} {value!r}")
        text = value.strip()
        if not text:
            raise DesignError("precision string is empty; expected e.g. 'ap_fixed<16,6>'")
        if text.lower() == "auto":
            raise DesignError("precision 'auto' (inferred by hls4ml) has no width; use "
                              "Precision.parse_optional to accept it as None")
        m = _QUANT_RE.match(text)
        if m:
            return cls._from_quantizer(m.group("fn").lower(), m.group("args"), text)
        m = _TYPE_RE.match(text)
        if not m:
            if "<" in text and ">" not in text:
                raise DesignError(f"precision {text!r} has an unclosed '<'; expected e.g. "
                                  f"'ap_fixed<16,6>'")
            raise DesignError(f"precision {text!r} is not a known type; expected ap_fixed<W,I>, "
                              f"ap_ufixed<W,I>, ap_int<W>, ap_uint<W> (ap_ prefix optional) or a "
                              f"QKeras quantizer such as quantized_relu(4,1)")
        base = m.group("base").lower().removeprefix("ap_")
        signed = not base.startswith("u")
        args = [a.strip() for a in m.group("args").split(",")]
        if any(a == "" for a in args):
            raise DesignError(f"precision {text!r} has an empty argument")
        if base.endswith("int"):
            if len(args) != 1:
                raise DesignError(f"integer precision {text!r} takes exactly one argument (the "
                                  f"width); got {len(args)}")
            w = _int(args[0], "width", text)
            return cls._make(text, width=w, integer=w, signed=signed, kind="int")
        if not 2 <= len(args) <= 5:
            raise DesignError(f"fixed precision {text!r} takes 2 to 5 arguments "
                              f"<W,I[,Q[,O[,N]]]>; got {len(args)}")
        kw: dict[str, Any] = dict(width=_int(args[0], "width", text),
                                  integer=_int(args[1], "integer bits", text), signed=signed)
        if len(args) > 2:
            kw["rounding"] = _mode(args[2], ROUNDING_MODES, "rounding", text)
        if len(args) > 3:
            kw["saturation"] = _mode(args[3], SATURATION_MODES, "saturation", text)
        if len(args) > 4:
            kw["saturation_bits"] = _int(args[4], "saturation bits", text)
        return cls._make(text, **kw)

    @classmethod
    def parse_optional(cls, value: Any) -> "Precision | None":
        """Like :meth:`parse`, but ``None`` and ``"auto"`` give ``None``."""
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lower() == "auto":
            return None
        if isinstance(value, Mapping) and set(value) == {"default"}:
            return cls.parse_optional(value["default"])
        return cls.parse(value)

    @classmethod
    def _make(cls, text: Any, **kw: Any) -> "Precision":
        try:
            return cls(**kw)
        except DesignError as e:
            raise DesignError(f"precision {text!r}: {e}") from e

    @classmethod
    def _from_mapping(cls, d: Mapping[str, Any]) -> "Precision":
        if set(d) == {"default"}:
            return cls.parse(d["default"])
        if "width" not in d:
            raise DesignError(f"precision dict must have 'width' (and 'integer' for fixed types) "
                              f"or be {{'default': ...}}; got keys {sorted(d)}")
        cname = str(d.get("class_name", d.get("kind", "fixed"))).lower()
        kind = "int" if ("integer" in cname and "fixed" not in cname) or cname == "int" else "fixed"
        width = _int(d["width"], "width", dict(d))
        if kind == "int":
            integer = width
        elif "integer" not in d:
            raise DesignError(f"fixed precision dict must have 'integer'; got keys {sorted(d)}")
        else:
            integer = _int(d["integer"], "integer bits", dict(d))
        signed = d.get("signed", True)
        if not isinstance(signed, bool):
            raise DesignError(f"'signed' of precision dict must be true or false; got {signed!r}")
        kw: dict[str, Any] = dict(width=width, integer=integer, signed=signed, kind=kind)
        if d.get("rounding") is not None or d.get("rounding_mode") is not None:
            kw["rounding"] = _mode(str(d.get("rounding", d.get("rounding_mode"))),
                                   ROUNDING_MODES, "rounding", dict(d))
        if d.get("saturation") is not None or d.get("saturation_mode") is not None:
            kw["saturation"] = _mode(str(d.get("saturation", d.get("saturation_mode"))),
                                     SATURATION_MODES, "saturation", dict(d))
        if d.get("saturation_bits") is not None:
            kw["saturation_bits"] = _int(d["saturation_bits"], "saturation bits", dict(d))
        return cls._make(dict(d), **kw)

    @classmethod
    def _from_quantizer(cls, fn: str, args_text: str, text: str) -> "Precision":
        """QKeras quantizer -> the type hls4ml's QKeras converter assigns.

        ``quantized_bits(b, i)`` -> ``fixed<b, i+1>`` (i integer bits plus the sign);
        ``quantized_relu(b, i)`` -> ``ufixed<b, i>``; ``quantized_tanh(b, i)`` -> ``fixed<b, i>``;
        ``quantized_sigmoid(b, ...)`` -> ``ufixed<b, 0>`` (output in [0, 1)). Rounding RND_CONV
        and SAT as hls4ml's QKeras activation handler sets them (real records show
        ``ufixed<4,1,RND_CONV,SAT,0>`` for ``quantized_relu(4,1)``).
        """
        parts = [a.strip() for a in args_text.split(",") if a.strip()]
        pos = [p for p in parts if "=" not in p]
        kws = dict(p.split("=", 1) for p in parts if "=" in p)
        kws = {k.strip(): v.strip() for k, v in kws.items()}
        try:
            bits = _int(kws.get("bits", pos[0] if pos else 8), "bits", text)
            integer = _int(kws.get("integer", pos[1] if len(pos) > 1 else 0), "integer bits", text)
        except IndexError as e:  # pragma: no cover - guarded above
            raise DesignError(f"quantizer {text!r} needs bits") from e
        if fn == "quantized_bits":
            return cls._make(text, width=bits, integer=integer + 1, signed=True)
        if fn == "quantized_relu":
            return cls._make(text, width=bits, integer=integer, signed=False,
                             rounding="RND_CONV", saturation="SAT")
        if fn == "quantized_tanh":
            return cls._make(text, width=bits, integer=max(integer, 1), signed=True,
                             rounding="RND_CONV", saturation="SAT")
        if fn == "quantized_sigmoid":
            return cls._make(text, width=bits, integer=0, signed=False,
                             rounding="RND_CONV", saturation="SAT")
        raise DesignError(f"QKeras quantizer {fn!r} in {text!r} is not supported; expected "
                          f"quantized_bits, quantized_relu, quantized_tanh or quantized_sigmoid")

    # ------------------------------------------------------------------ output
    @property
    def fractional(self) -> int:
        """Bits right of the binary point (``width - integer``; may be negative)."""
        return self.width - self.integer

    def to_str(self) -> str:
        """hls4ml/Vivado spelling, e.g. ``ap_fixed<8,3,AP_RND,AP_SAT>`` or ``ap_uint<4>``."""
        if self.kind == "int":
            return f"ap_{'' if self.signed else 'u'}int<{self.width}>"
        args = [str(self.width), str(self.integer)]
        if self.rounding != "TRN" or self.saturation != "WRAP" or self.saturation_bits:
            args += [f"AP_{self.rounding}", f"AP_{self.saturation}"]
            if self.saturation_bits:
                args.append(str(self.saturation_bits))
        return f"ap_{'' if self.signed else 'u'}fixed<{','.join(args)}>"

    __str__ = to_str

    def to_dict(self) -> dict[str, Any]:
        return {"width": self.width, "integer": self.integer, "signed": self.signed,
                "rounding": self.rounding, "saturation": self.saturation,
                "saturation_bits": self.saturation_bits, "kind": self.kind}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Precision":
        return cls.parse(d)


def _opt_str(p: Precision | None) -> str | None:
    return None if p is None else p.to_str()


@dataclass(frozen=True)
class LayerPrecision:
    """Per-layer types; ``None`` means hls4ml infers it (``auto``) or it does not apply.

    ``weight``, ``bias``, ``result`` (layer output) and ``accum`` (accumulator of
    multiply-accumulate layers).
    """

    weight: Precision | None = None
    bias: Precision | None = None
    result: Precision | None = None
    accum: Precision | None = None

    def __post_init__(self) -> None:
        for name in ("weight", "bias", "result", "accum"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, Precision):
                object.__setattr__(self, name, Precision.parse_optional(v))

    def resolved(self, default: Precision) -> "LayerPrecision":
        """Every missing (``auto``) type replaced by ``default``."""
        return LayerPrecision(*(getattr(self, n) or default
                                for n in ("weight", "bias", "result", "accum")))

    def to_dict(self) -> dict[str, str]:
        """Only the set types, as strings: ``{"weight": "ap_fixed<8,3>", ...}``."""
        return {n: _opt_str(getattr(self, n)) for n in ("weight", "bias", "result", "accum")
                if getattr(self, n) is not None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | str | None,
                  default: Precision | None = None) -> "LayerPrecision":
        """From hls4ml's per-layer ``Precision`` entry (a dict, or one string for all types).

        Unknown keys (``table``, ``slope``, ...) are ignored; ``default`` fills nothing in (use
        :meth:`resolved`).
        """
        if d is None:
            return cls()
        if isinstance(d, (str, Precision)):
            p = Precision.parse_optional(d)
            return cls(weight=p, bias=p, result=p, accum=p)
        if not isinstance(d, Mapping):
            raise DesignError(f"layer precision must be a dict or a string; got "
                              f"{type(d).__name__} {d!r}")
        if "width" in d or set(d) == {"default"}:  # a single precision given as a dict
            p = Precision.parse_optional(d)
            return cls(weight=p, bias=p, result=p, accum=p)
        kw = {}
        for n in ("weight", "bias", "result", "accum"):
            if n in d:
                try:
                    kw[n] = Precision.parse_optional(d[n])
                except DesignError as e:
                    raise DesignError(f"{n} precision: {e}") from e
        return cls(**kw)
