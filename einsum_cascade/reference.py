"""Straightforward numpy references for the library cascades (written without the IR) and
:func:`verify`, which runs a library cascade on random inputs against its reference."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from .errors import CascadeError

_ACT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda x: x, "identity": lambda x: x, "relu": lambda x: np.maximum(x, 0.0),
    "exp": np.exp, "sqrt": np.sqrt, "neg": np.negative, "recip": np.reciprocal}


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    """softmax(Q K^T) V over ``Q[...,P,E]``, ``K[...,M,E]``, ``V[...,M,F]`` (no scaling)."""
    s = np.einsum("...pe,...me->...pm", q, k)
    s = np.exp(s - s.max(axis=-1, keepdims=True))
    return (s / s.sum(axis=-1, keepdims=True)) @ v


def conv2d(x: np.ndarray, w: np.ndarray, stride: int = 1, dilation: int = 1,
           padding: int = 0) -> np.ndarray:
    """Cross-correlation ``O[n,k,p,q] = sum_{c,r,s} I[n,c,s*p+d*r-pad, s*q+d*s'-pad] F[k,c,r,s']``
    with zero padding."""
    n, c, h, wd = x.shape
    k, _, r, s = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    p = (h + 2 * padding - dilation * (r - 1) - 1) // stride + 1
    q = (wd + 2 * padding - dilation * (s - 1) - 1) // stride + 1
    out = np.zeros((n, k, p, q))
    for i in range(r):
        for j in range(s):
            win = xp[:, :, i * dilation: i * dilation + stride * (p - 1) + 1: stride,
                     j * dilation: j * dilation + stride * (q - 1) + 1: stride]
            out += np.einsum("nchw,kc->nkhw", win, w[:, :, i, j])
    return out


def layernorm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _mha_core(xq, xkv, i):
    q = np.einsum("bpd,dhe->bhpe", xq, i["WQ"])
    k = np.einsum("bmd,dhe->bhme", xkv, i["WK"])
    v = np.einsum("bmd,dhf->bhmf", xkv, i["WV"])
    return np.einsum("bhpf,hfd->bpd", attention(q, k, v), i["WO"])


def reference(name: str, inputs: Mapping[str, np.ndarray], **options: Any) -> dict[str, np.ndarray]:
    """Outputs of library cascade ``name`` computed directly with numpy."""
    i = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
    act = _ACT.get(options.get("activation", "relu"))
    if name == "gemm" or name == "batched-gemm":
        return {"Z": i["A"] @ i["B"]}
    if name == "conv2d":
        return {"O": conv2d(i["I"], i["F"], options.get("stride", 1), options.get("dilation", 1),
                            options.get("padding", 0))}
    if name == "dense":
        return {"Y": act(i["X"] @ i["W"] + i["BIAS"])}
    if name == "mlp":
        return {"Y": act(i["X"] @ i["W1"] + i["B1"]) @ i["W2"] + i["B2"]}
    if name == "layernorm":
        return {"Y": layernorm(i["X"], i["GAMMA"], i["BETA"], options.get("eps", 1e-5))}
    if name == "softmax":
        return {"Y": softmax(i["X"])}
    if name.startswith("attention-"):
        return {"AV": attention(i["Q"], i["K"], i["V"])}
    if name == "mha":
        return {"Y": _mha_core(i["XQ"], i["XKV"], i)}
    if name == "transformer-layer":
        z = _mha_core(i["X"], i["X"], i)
        if not options.get("norm", False):
            return {"Y": act(z @ i["W1"]) @ i["W2"]}
        eps = options.get("eps", 1e-5)
        n1 = layernorm(z + i["X"], i["G1"], i["BE1"], eps)
        return {"Y": layernorm(act(n1 @ i["W1"]) @ i["W2"] + n1, i["G2"], i["BE2"], eps)}
    raise CascadeError(f"no reference for cascade {name!r}")


def random_inputs(c, sizes: Mapping[str, int] | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard-normal inputs of the right shapes (``np.random.default_rng(seed)``)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CascadeError(f"seed of the random inputs must be an int >= 0; got {seed!r}")
    rng = np.random.default_rng(seed)
    return {n: rng.standard_normal(c.shape(n, sizes)) for n in c.inputs}


def relative_error(out: np.ndarray, ref: np.ndarray) -> float:
    """``max|out - ref| / max|ref|`` (absolute when ``ref`` is all zero)."""
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    err = float(np.max(np.abs(out - ref))) if ref.size else 0.0
    return err / scale if scale > 0 else err


def verify(name: str, sizes: Mapping[str, int] | None = None, seed: int = 0,
           **options: Any) -> dict[str, Any]:
    """Evaluate library cascade ``name`` (default sizes where not given) on random inputs
    and compare with :func:`reference`; returns sizes, per-output relative error and
    ``max_rel_error``."""
    from . import library

    c = library.get(name, **options, **library.with_defaults(name, sizes, **options))
    inputs = random_inputs(c, seed=seed)
    out = c.evaluate(inputs)
    ref = reference(name, inputs, **options)
    errs = {k: relative_error(out[k], ref[k]) for k in ref}
    return {"cascade": name, "sizes": c.sizes, "seed": seed, "rel_error": errs,
            "max_rel_error": max(errs.values())}


def run_random(c, seed: int = 0, reference_name: str | None = None,
               tolerance: float = 1e-5, **options: Any) -> dict[str, Any]:
    """Evaluate ``c`` on standard-normal inputs; summarise each output (shape, mean, std,
    max |x|) and, when ``reference_name`` names a library cascade, its relative error
    against :func:`reference` (``ok`` is False when it exceeds ``tolerance``)."""
    inputs = random_inputs(c, seed=seed)
    out = c.evaluate(inputs)
    ref = reference(reference_name, inputs, **options) if reference_name else {}
    rows = []
    for k, v in out.items():
        rows.append({"tensor": k, "shape": "x".join(map(str, v.shape)),
                     "mean": float(v.mean()), "std": float(v.std()),
                     "max_abs": float(np.max(np.abs(v))),
                     "rel_error": relative_error(v, ref[k]) if k in ref else None})
    errs = [r["rel_error"] for r in rows if r["rel_error"] is not None]
    return {"cascade": c.name, "sizes": c.sizes, "seed": seed, "outputs": rows,
            "reference": reference_name, "tolerance": tolerance,
            "ok": all(e <= tolerance for e in errs)}
