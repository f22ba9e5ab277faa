"""Architecture exploration: sweep hardware parameters, map every point with the mapper,
report and plot Pareto fronts. (The function is ``dse.explore``; this module is
``dse.explorer`` so that importing it never shadows the package attribute.)

:class:`ArchSpace` is a declarative sweep (YAML-loadable) over a base :class:`~dse.arch.Architecture`:
2D array shapes, 1D array sizes (or the 1D array tied to the 2D array's columns, as in the
FuseMax area sweep), global-buffer capacities and off-chip bandwidths; its points are the
Cartesian product. :func:`explore` maps the workload on every point with :func:`dse.search`
(through an executor: a local process pool by default, Ray on request) and returns an
:class:`ExploreResult` with one row per point and the Pareto fronts

* area vs latency (``area_um2`` and ``latency_s`` both minimised), and
* energy vs latency (``energy_pJ`` and ``latency_s``).

Area of a point is ``Architecture.area_um2_total`` (arrays: PEs x unit areas; buffer: the base
level's area scaled linearly with capacity when the sweep changes the capacity - an assumption,
since the spec gives CACTI areas for 16 and 32 MiB only).
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from dse.errors import DSEError


def _tuple_of(values: Any, what: str, kind=int) -> tuple:
    if values is None:
        return ()
    if not isinstance(values, (list, tuple)):
        raise DSEError(f"{what} must be a list; got {type(values).__name__} {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0 or (
                kind is int and int(v) != v):
            raise DSEError(f"every entry of {what} must be a positive "
                           f"{'integer' if kind is int else 'number'}; got {v!r}")
        out.append(kind(v))
    return tuple(out)


@dataclass(frozen=True)
class ArchSpace:
    """A sweep over a base architecture (``base``: a preset name or an Architecture).

    * ``array_2d``: shapes ``(rows, cols)`` of the first 2D array (an int ``n`` means ``n x n``)
    * ``array_1d``: PE counts of the first 1D array
    * ``link_1d_to_cols``: the 1D array gets as many PEs as the 2D array has columns
    * ``buffer_words``: global-buffer capacities (words)
    * ``bandwidth_bytes_per_s``: off-chip bandwidths

    An empty axis keeps the base architecture's value.
    """

    base: Any = "fusemax"
    array_2d: tuple[tuple[int, int], ...] = ()
    array_1d: tuple[int, ...] = ()
    link_1d_to_cols: bool = False
    buffer_words: tuple[int, ...] = ()
    bandwidth_bytes_per_s: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        from dse import arch as arch_mod

        object.__setattr__(self, "base", arch_mod.get(self.base) if isinstance(self.base, str)
                           else (self.base if isinstance(self.base, arch_mod.Architecture)
                                 else arch_mod.Architecture.from_dict(self.base)))
        if self.array_2d is not None and not isinstance(self.array_2d, (list, tuple)):
            raise DSEError(f"array_2d must be a list of sizes n or [rows, cols]; got "
                           f"{self.array_2d!r}")
        shapes = []
        for s in self.array_2d or ():
            if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
                s = (int(s), int(s))
            if not isinstance(s, (list, tuple)) or len(s) != 2:
                raise DSEError(f"every entry of array_2d must be n or [rows, cols]; got {s!r}")
            shapes.append(_tuple_of(s, "[rows, cols] of array_2d"))
        object.__setattr__(self, "array_2d", tuple(shapes))
        object.__setattr__(self, "array_1d", _tuple_of(self.array_1d, "array_1d"))
        object.__setattr__(self, "buffer_words", _tuple_of(self.buffer_words, "buffer_words"))
        object.__setattr__(self, "bandwidth_bytes_per_s",
                           _tuple_of(self.bandwidth_bytes_per_s, "bandwidth_bytes_per_s", float))
        if not isinstance(self.link_1d_to_cols, bool):
            raise DSEError(f"link_1d_to_cols must be true or false; got {self.link_1d_to_cols!r}")
        if self.link_1d_to_cols and self.array_1d:
            raise DSEError("array_1d and link_1d_to_cols exclude each other: the 1D array's "
                           "size is either swept or tied to the 2D array's columns")
        if self.array_2d and self._array(2) is None:
            raise DSEError(f"array_2d is swept but architecture '{self.base.name}' has no 2D array")
        if (self.array_1d or self.link_1d_to_cols) and self._array(1) is None:
            raise DSEError(f"array_1d is swept but architecture '{self.base.name}' has no 1D array")

    def _array(self, ndim: int):
        for a in self.base.arrays:
            if len(a.dims) == ndim:
                return a
        return None

    def points(self) -> list[tuple[dict[str, Any], Any]]:
        """Every point: ``(parameters, Architecture)``."""
        axes = [("array_2d", self.array_2d or (None,)), ("array_1d", self.array_1d or (None,)),
                ("buffer_words", self.buffer_words or (None,)),
                ("bandwidth_bytes_per_s", self.bandwidth_bytes_per_s or (None,))]
        out = []
        for combo in itertools.product(*(vals for _, vals in axes)):
            params = dict(zip((k for k, _ in axes), combo))
            out.append((self._describe(params), self.apply(params)))
        return out

    def _describe(self, params: Mapping[str, Any]) -> dict[str, Any]:
        a2, a1 = self._array(2), self._array(1)
        arch = self.apply(params)
        d: dict[str, Any] = {}
        if a2 is not None:
            dims = list(arch.array(a2.name).dims.values())
            d["rows"], d["cols"] = dims
        if a1 is not None:
            d["pes_1d"] = list(arch.array(a1.name).dims.values())[0]
        d["buffer_words"] = arch.buffer.capacity_words
        d["bandwidth_bytes_per_s"] = arch.dram.bandwidth_bytes_per_s
        return d

    def apply(self, params: Mapping[str, Any]):
        """The base architecture with ``params`` applied."""
        arch = self.base
        a2, a1 = self._array(2), self._array(1)
        shape = params.get("array_2d")
        if shape is not None:
            k = list(a2.dims)
            arch = arch.with_array_dims(a2.name, **{k[0]: shape[0], k[1]: shape[1]})
        n1 = params.get("array_1d")
        if self.link_1d_to_cols:
            n1 = list(arch.array(a2.name).dims.values())[1]
        if n1 is not None:
            arch = arch.with_array_dims(a1.name, **{list(a1.dims)[0]: n1})
        words = params.get("buffer_words")
        bw = params.get("bandwidth_bytes_per_s")
        if words is not None or bw is not None:
            dram, glb = arch.levels
            if words is not None:
                scale = words / glb.capacity_words
                glb = replace(glb, capacity_words=int(words), area_um2=glb.area_um2 * scale)
            if bw is not None:
                dram = replace(dram, bandwidth_bytes_per_s=float(bw))
            arch = replace(arch, levels=(dram, glb))
        return arch

    def to_dict(self) -> dict:
        return {"base": self.base.to_dict(), "array_2d": [list(s) for s in self.array_2d],
                "array_1d": list(self.array_1d), "link_1d_to_cols": self.link_1d_to_cols,
                "buffer_words": list(self.buffer_words),
                "bandwidth_bytes_per_s": list(self.bandwidth_bytes_per_s)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ArchSpace":
        from dse._spec import check_keys

        check_keys(d, {"base", "array_2d", "array_1d", "link_1d_to_cols", "buffer_words",
                       "bandwidth_bytes_per_s"}, set(), "arch_space")
        return cls(**dict(d))


@dataclass(frozen=True)
class ExploreSpec:
    """What ``fusebound explore SPEC.yaml`` reads: a workload, an arch space, search settings.

    ``workload``: a workload spec for :func:`dse.mapper.workload_from_spec` (e.g.
    ``{einsum: gemm, M: 128, N: 128, K: 128}`` or ``{cascade: attention-1pass, model: bert,
    seq_len: 262144}``); ``search``: keyword arguments of :func:`dse.search` (``objective``,
    ``budget``, ``strategy``, ``seed``).
    """

    workload: Mapping[str, Any]
    arch_space: ArchSpace
    search: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from dse.mapper import workload_from_spec

        if not isinstance(self.workload, Mapping):
            raise DSEError(f"workload of the explore spec must be a mapping; got {self.workload!r}")
        workload_from_spec(self.workload)  # validates
        if not isinstance(self.arch_space, ArchSpace):
            if not isinstance(self.arch_space, Mapping):
                raise DSEError(f"arch_space of the explore spec must be a mapping; got "
                               f"{self.arch_space!r}")
            object.__setattr__(self, "arch_space", ArchSpace.from_dict(self.arch_space))
        if not isinstance(self.search, Mapping):
            raise DSEError(f"search of the explore spec must be a mapping; got {self.search!r}")
        unknown = set(self.search) - {"objective", "budget", "strategy", "seed"}
        if unknown:
            raise DSEError(f"unknown key(s) {sorted(unknown)} in search of the explore spec; "
                           f"valid: budget, objective, seed, strategy")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ExploreSpec":
        from dse._spec import check_keys

        check_keys(d, {"workload", "arch_space", "search"}, {"workload", "arch_space"},
                   "explore spec")
        workload, search = d["workload"], d.get("search") or {}
        # copies only of mappings: anything else reaches __post_init__, which names it
        return cls(workload=dict(workload) if isinstance(workload, Mapping) else workload,
                   arch_space=d["arch_space"],
                   search=dict(search) if isinstance(search, Mapping) else search)

    @classmethod
    def from_yaml(cls, source: str | Path) -> "ExploreSpec":
        from dse._spec import load_yaml

        return cls.from_dict(load_yaml(source, "explore spec"))

    def to_dict(self) -> dict:
        return {"workload": dict(self.workload), "arch_space": self.arch_space.to_dict(),
                "search": dict(self.search)}


def _map_point(task: tuple[dict, dict, dict, dict]) -> dict[str, Any]:
    """Map the workload on one architecture point (runs in a worker; plain data in and out)."""
    from dse.arch import Architecture
    from dse.mapper import search, workload_from_spec

    params, arch_d, workload_d, search_kw = task
    arch = Architecture.from_dict(arch_d)
    res = search(workload_from_spec(workload_d), arch, progress=False, **search_kw)
    return {**params, "area_um2": arch.area_um2_total, "latency_s": res.best.latency_s,
            "energy_pJ": res.best.energy_pJ, "evaluated": res.evaluated,
            "mapping": res.best.describe()}


@dataclass
class ExploreResult:
    """Rows (one per architecture point), Pareto masks and the config that produced them."""

    table: Any  # pandas.DataFrame
    config: dict[str, Any]
    wall_s: float

    @property
    def area_latency_front(self):
        return self.table[self.table["pareto_area_latency"]].sort_values("area_um2")

    @property
    def energy_latency_front(self):
        return self.table[self.table["pareto_energy_latency"]].sort_values("latency_s")

    def write(self, out: str | Path) -> list[Path]:
        """CSV, JSON (rows + config) and the two Pareto plots into folder ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "explore.csv", out / "explore.json"]
        self.table.to_csv(paths[0], index=False)
        from fusebound.output import to_jsonable  # plain JSON types for numpy values

        paths[1].write_text(json.dumps({"config": to_jsonable(self.config),
                                        "rows": to_jsonable(self.table.to_dict("records"))},
                                       indent=1))
        paths += plot_fronts(self, out)
        return paths


def plot_fronts(result: ExploreResult, out: Path) -> list[Path]:
    """Scatter every point and draw the Pareto fronts (area vs latency, energy vs latency)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.table
    paths = []
    for x, xlabel, flag, fname in (
            ("area_um2", "area (mm$^2$)", "pareto_area_latency", "pareto_area_latency.png"),
            ("energy_pJ", "energy (J)", "pareto_energy_latency", "pareto_energy_latency.png")):
        scale = 1e-6 if x == "area_um2" else 1e-12
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.scatter(t[x] * scale, t["latency_s"] * 1e3, s=18, color="0.6", label="design points")
        f = t[t[flag]].sort_values(x)
        ax.plot(f[x] * scale, f["latency_s"] * 1e3, "o-", color="C3", label="Pareto front")
        if "rows" in t:
            for _, r in f.iterrows():
                ax.annotate(f"{int(r['rows'])}x{int(r['cols'])}", (r[x] * scale, r["latency_s"] * 1e3),
                            fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("latency (ms)")
        ax.set_title(f"{result.config.get('workload_name', 'workload')}: "
                     f"{xlabel.split(' ')[0]} vs latency")
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = out / fname
        fig.savefig(p, dpi=120)
        plt.close(fig)
        paths.append(p)
    return paths


def explore(workload: Mapping[str, Any], arch_space: ArchSpace | Mapping[str, Any], *,
            objective: str = "latency", budget: Any = None, strategy: str = "auto",
            seed: int = 0, executor: Any = "local", address: str | None = None,
            workers: int | None = None) -> ExploreResult:
    """Map ``workload`` (a workload spec dict, see :func:`dse.mapper.workload_from_spec`) on
    every point of ``arch_space`` and compute the Pareto fronts.

    ``executor``: ``local`` (process pool over all cores), ``serial`` or ``ray`` (with
    ``address``). Results do not depend on the executor (each point's search is seeded).
    """
    import pandas as pd

    from dse.executors import get_executor, run_all

    spec = ExploreSpec(workload=dict(workload), arch_space=arch_space,
                       search={"objective": objective, "budget": budget, "strategy": strategy,
                               "seed": seed})
    points = spec.arch_space.points()
    if not points:
        raise DSEError("arch_space has no points to explore")
    ex = get_executor(executor, address=address, workers=workers) if isinstance(executor, str) \
        else executor
    search_kw = {k: v for k, v in spec.search.items() if v is not None}
    tasks = [(params, arch.to_dict(), dict(spec.workload), search_kw) for params, arch in points]
    start = time.perf_counter()
    rows = run_all(_map_point, tasks, ex)
    wall = time.perf_counter() - start
    from dse.mapper.search import pareto_mask

    table = pd.DataFrame(rows)
    table["pareto_area_latency"] = pareto_mask(table[["area_um2", "latency_s"]].to_numpy())
    table["pareto_energy_latency"] = pareto_mask(table[["energy_pJ", "latency_s"]].to_numpy())
    config = {**spec.to_dict(), "executor": getattr(ex, "name", str(ex)),
              "workload_name": spec.workload.get("name") or spec.workload.get("cascade")
              or spec.workload.get("einsum")}
    config["arch_space"].pop("base")
    config["arch_space"]["base_name"] = spec.arch_space.base.name
    return ExploreResult(table=table, config=config, wall_s=wall)


def fusemax_area_sweep(model: str = "bert", seq_len: int = 262144,
                       sizes: Sequence[int] = (16, 32, 64, 128, 256, 512), **kwargs: Any
                       ) -> ExploreResult:
    """The FuseMax paper's area-versus-latency sweep through the generic path: the 1-pass
    attention cascade of ``model`` at ``seq_len`` on the FuseMax architecture with an
    ``n x n`` 2D array and an ``n``-PE 1D array for every ``n`` in ``sizes``; the mapper picks
    fusion, binding and chunk sizes at every point."""
    space = ArchSpace(base="fusemax", array_2d=tuple((n, n) for n in sizes), link_1d_to_cols=True)
    return explore({"cascade": "attention-1pass", "model": model, "seq_len": seq_len}, space,
                   **kwargs)
