"""Result objects of a mapper search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def describe_mapping(mapping) -> str:
    """One line per kernel: Einsums, binding (array: rank->dim x factor), tiles, order."""
    parts = []
    for k in mapping.kernels:
        binds = []
        for e in k.einsums:
            b = mapping.binding(e)
            if b is None:
                continue
            sp = ",".join(f"{r}->{d}" + (f"x{b.factors[r]}" if r in b.factors else "")
                          for r, d in b.spatial.items())
            binds.append(f"{e}@{b.array}[{sp}]")
        tiles = ",".join(f"{r}={t}" for r, t in k.tiles.items())
        s = f"{k.name}: {' '.join(binds)} tiles({tiles})"
        if k.order:
            s += f" order({','.join(k.order)})"
        if k.overlap:
            s += " overlap(" + " | ".join("+".join(g) for g in k.overlap) + ")"
        if k.registers:
            s += f" registers({','.join(k.registers)})"
        parts.append(s)
    return "; ".join(parts)


@dataclass
class MappedPoint:
    """One evaluated mapping: the :class:`dse.mapping.Mapping`, its latency (s) and energy
    (pJ), plus the cost model's other headline numbers where available."""

    mapping: Any
    latency_s: float
    energy_pJ: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def edp_pJ_s(self) -> float:
        return self.latency_s * self.energy_pJ

    def describe(self) -> str:
        chunk = self.extra.get("chunk")
        head = ("chunk " + ",".join(f"{k}={v}" for k, v in chunk.items()) + "; ") if chunk else ""
        return head + describe_mapping(self.mapping)

    def to_dict(self) -> dict[str, Any]:
        return {"latency_s": self.latency_s, "energy_pJ": self.energy_pJ,
                "edp_pJ_s": self.edp_pJ_s, **self.extra, "mapping": self.mapping.to_dict(),
                "describe": self.describe()}


@dataclass
class SearchResult:
    """The outcome of :func:`dse.search`.

    ``best``: the best mapping under ``objective``; ``front``: the Pareto front of everything
    evaluated (latency vs energy, sorted by latency); ``evaluated``: candidates scored by the
    cost model (``valid`` of them fit the hardware); ``time_to_best_s``: seconds from the start
    of the search until the best was evaluated; ``interrupted``: stopped by Ctrl-C (the best
    so far is returned).
    """

    workload: str
    arch: str
    objective: str
    strategy: str
    best: MappedPoint
    front: list[MappedPoint]
    evaluated: int
    valid: int
    space_size: int
    wall_s: float
    time_to_best_s: float
    interrupted: bool = False
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def mappings_per_s(self) -> float:
        return self.evaluated / self.wall_s if self.wall_s > 0 else float("inf")

    def summary(self) -> dict[str, Any]:
        return {"workload": self.workload, "arch": self.arch, "objective": self.objective,
                "strategy": self.strategy, "latency_s": self.best.latency_s,
                "energy_pJ": self.best.energy_pJ, "evaluated": self.evaluated,
                "valid": self.valid, "space_size": self.space_size,
                "mappings_per_s": self.mappings_per_s, "time_to_best_s": self.time_to_best_s,
                "wall_s": self.wall_s, "pareto_points": len(self.front),
                "interrupted": self.interrupted}

    def front_rows(self) -> list[dict[str, Any]]:
        return [{"latency_s": p.latency_s, "energy_pJ": p.energy_pJ, "mapping": p.describe()}
                for p in self.front]

    def to_dict(self, front: bool = True) -> dict[str, Any]:
        d = {**self.summary(), "best": self.best.to_dict(), "config": self.config}
        if front:
            d["front"] = [p.to_dict() for p in self.front]
        return d
