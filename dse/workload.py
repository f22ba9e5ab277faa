"""Transformer workloads (one encoder layer): BERT-Base, TrXL, T5 and XLM presets.

Facts from ``shared/spec/fusemax.md``: batch B = 64, self-attention with M = P = sequence
length, head dims E = F. End-to-end = attention plus the GEMMs Q, K, V (K = D, N = H*E),
output projection Z (K = H*E, N = D), FFN1 (K = D, N = S) and FFN2 (K = S, N = D), each with
M_gemm = B*P rows. LayerNorm, residuals and activations are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from dse._spec import check_keys, dump_yaml, load_yaml, name_str, pos_int, unknown_name
from dse.errors import DSEError

#: Sequence lengths of the FuseMax figures (1K .. 1M, powers of two).
SEQ_LENS: tuple[int, ...] = (1024, 4096, 16384, 65536, 262144, 1048576)


@dataclass(frozen=True)
class Workload:
    """One transformer encoder layer. All sizes are counts (words are 16 bit elsewhere)."""

    name: str
    d_model: int
    heads: int
    head_dim: int
    ffn: int
    seq_len: int = 1024
    batch: int = 64

    def __post_init__(self) -> None:
        name_str(self.name, "workload name")
        for f in ("d_model", "heads", "head_dim", "ffn", "seq_len", "batch"):
            pos_int(getattr(self, f), f"{f} of workload '{self.name}'")

    def with_seq_len(self, seq_len: int) -> "Workload":
        return replace(self, seq_len=seq_len)

    def attention_sizes(self) -> dict[str, int]:
        """Rank sizes of the attention cascades: B, H, P = M = seq_len, E = F = head_dim."""
        return {"B": self.batch, "H": self.heads, "P": self.seq_len, "M": self.seq_len,
                "E": self.head_dim, "F": self.head_dim}

    def gemms(self) -> list[tuple[str, dict[str, int]]]:
        """The layer's GEMMs as ``(name, {"M": rows, "K": reduced, "N": cols})``."""
        rows = self.batch * self.seq_len
        he = self.heads * self.head_dim
        return [("q_proj", {"M": rows, "K": self.d_model, "N": he}),
                ("k_proj", {"M": rows, "K": self.d_model, "N": he}),
                ("v_proj", {"M": rows, "K": self.d_model, "N": he}),
                ("out_proj", {"M": rows, "K": he, "N": self.d_model}),
                ("ffn1", {"M": rows, "K": self.d_model, "N": self.ffn}),
                ("ffn2", {"M": rows, "K": self.ffn, "N": self.d_model})]

    def to_dict(self) -> dict:
        return {"name": self.name, "d_model": self.d_model, "heads": self.heads,
                "head_dim": self.head_dim, "ffn": self.ffn, "seq_len": self.seq_len,
                "batch": self.batch}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Workload":
        check_keys(d, {"name", "d_model", "heads", "head_dim", "ffn", "seq_len", "batch"},
                   {"name", "d_model", "heads", "head_dim", "ffn"}, "workload")
        return cls(**dict(d))

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())

    @classmethod
    def from_yaml(cls, source: str | Path) -> "Workload":
        return cls.from_dict(load_yaml(source, "workload"))


PRESETS: dict[str, Workload] = {
    "bert": Workload("bert", d_model=768, heads=12, head_dim=64, ffn=3072),
    "trxl": Workload("trxl", d_model=1024, heads=16, head_dim=64, ffn=4096),
    "t5": Workload("t5", d_model=512, heads=8, head_dim=64, ffn=2048),
    "xlm": Workload("xlm", d_model=2048, heads=16, head_dim=128, ffn=8192),
}


def get(name: str | Workload, seq_len: int | None = None) -> Workload:
    """A preset workload (``bert``, ``trxl``, ``t5``, ``xlm``), optionally at ``seq_len``."""
    if isinstance(name, Workload):
        w = name
    elif name in PRESETS:
        w = PRESETS[name]
    else:
        raise DSEError(unknown_name("workload", name, PRESETS))
    if seq_len is not None:
        w = w.with_seq_len(pos_int(seq_len, "seq_len"))
    return w


def names() -> list[str]:
    return list(PRESETS)
