"""Search strategies over a :class:`~dse.mapper.space.MappingSpace`, budgets, objectives and
Pareto fronts.

Every strategy has one signature (see :data:`STRATEGIES`)::

    strategy(space, evaluate, tracker, rng, batch_size) -> None

``evaluate(genes) -> (latency_s, energy_pJ, valid)`` scores a batch of encodings with the cost
model (``valid`` False for candidates that do not fit); ``tracker`` (:class:`Tracker`) counts
them against the budget, keeps the best and the Pareto front, and raises :class:`_BudgetSpent`
when the budget runs out. A ``KeyboardInterrupt`` during a search ends it early; the best
candidate found so far is returned with ``interrupted=True``.

Objectives (:data:`OBJECTIVES`): ``latency`` (s), ``energy`` (pJ), ``edp`` (pJ*s).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from dse.errors import DSEError
from dse.mapper.space import MappingSpace

Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]

OBJECTIVES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "latency": lambda lat, en: lat,
    "energy": lambda lat, en: en,
    "edp": lambda lat, en: lat * en,
}


def objective_fn(name: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The objective called ``name``; unknown names list the valid ones."""
    try:
        return OBJECTIVES[str(name).lower()]
    except KeyError:
        raise DSEError(f"objective must be one of {sorted(OBJECTIVES)}; got {name!r}") from None


@dataclass(frozen=True)
class Budget:
    """How much a search may do: ``candidates`` (evaluated mappings) and/or ``seconds``."""

    candidates: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.candidates is not None and (not isinstance(self.candidates, (int, np.integer))
                                            or self.candidates < 1):
            raise DSEError(f"candidates of the search budget must be a positive integer; got "
                           f"{self.candidates!r}")
        if self.seconds is not None and not (self.seconds > 0):
            raise DSEError(f"seconds of the search budget must be positive; got "
                           f"{self.seconds!r}")

    @classmethod
    def parse(cls, budget: "Budget | int | float | dict | None", default: int) -> "Budget":
        """``None`` -> ``default`` candidates; an int -> candidates; a float -> seconds;
        a dict -> fields."""
        if budget is None:
            return cls(candidates=default)
        if isinstance(budget, Budget):
            return budget
        if isinstance(budget, bool):
            raise DSEError(f"search budget must be a count, seconds or a Budget; got {budget!r}")
        if isinstance(budget, (int, np.integer)):
            if budget < 1:
                raise DSEError(f"search budget must be at least 1 candidate; got {budget}")
            return cls(candidates=int(budget))
        if isinstance(budget, float):
            if not budget > 0:
                raise DSEError(f"search budget must be a positive number of seconds; got "
                               f"{budget}")
            return cls(seconds=budget)
        if isinstance(budget, dict):
            unknown = set(budget) - {"candidates", "seconds"}
            if unknown:
                raise DSEError(f"search budget keys must be 'candidates' and/or 'seconds'; got "
                               f"{sorted(unknown)}")
            return cls(**budget)
        raise DSEError(f"search budget must be a count, seconds or a Budget; got {budget!r}")


class _BudgetSpent(Exception):
    pass


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """Mask of the non-dominated rows of ``points`` (n, 2), both columns minimised.

    Sort by the first column (ties by the second); a point is on the front when its second
    coordinate is strictly below the running minimum of all points before it. Duplicates keep
    one representative.
    """
    points = np.asarray(points, dtype=float)
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((points[:, 1], points[:, 0]))
    y = points[order, 1]
    prev_min = np.concatenate([[np.inf], np.minimum.accumulate(y)[:-1]])
    keep = y < prev_min
    mask = np.zeros(n, dtype=bool)
    mask[order[keep]] = True
    return mask


@dataclass
class Tracker:
    """Budget accounting, best-so-far and Pareto front (latency, energy) of a search."""

    objective: str
    budget: Budget
    progress: object = None  # a tqdm bar or None
    evaluated: int = 0
    valid: int = 0
    best_score: float = math.inf
    best_genes: np.ndarray | None = None
    best_cost: tuple[float, float] = (math.inf, math.inf)
    time_to_best_s: float = math.nan
    front_genes: np.ndarray | None = None
    front_cost: np.ndarray | None = None
    start: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        self._score = objective_fn(self.objective)

    def remaining(self) -> int | None:
        """Candidates still allowed (``None`` when only time-limited)."""
        if self.budget.candidates is None:
            return None
        return self.budget.candidates - self.evaluated

    def out_of_time(self) -> bool:
        return (self.budget.seconds is not None
                and time.perf_counter() - self.start >= self.budget.seconds)

    def clip(self, genes: np.ndarray) -> np.ndarray:
        """Trim a batch to the remaining candidate budget (raise when none is left)."""
        left = self.remaining()
        if (left is not None and left <= 0) or self.out_of_time():
            raise _BudgetSpent
        return genes if left is None else genes[:left]

    def record(self, genes: np.ndarray, lat: np.ndarray, en: np.ndarray, ok: np.ndarray
               ) -> np.ndarray:
        """Account a scored batch; returns its scores (``inf`` where invalid)."""
        n = len(genes)
        self.evaluated += n
        self.valid += int(ok.sum())
        if self.progress is not None:
            self.progress.update(n)
        score = np.where(ok, self._score(lat, en), np.inf)
        if ok.any():
            # ties on the objective go to the lower energy (latency for the energy objective)
            second = np.where(ok, lat if self.objective == "energy" else en, np.inf)
            i = int(np.lexsort((second, score))[0])
            best_second = (self.best_cost[0] if self.objective == "energy"
                           else self.best_cost[1])
            if score[i] < self.best_score or (score[i] == self.best_score
                                              and second[i] < best_second):
                self.best_score = float(score[i])
                self.best_genes = genes[i].copy()
                self.best_cost = (float(lat[i]), float(en[i]))
                self.time_to_best_s = time.perf_counter() - self.start
            pts = np.stack([lat[ok], en[ok]], axis=1)
            g = genes[ok]
            if self.front_cost is not None:
                pts = np.concatenate([self.front_cost, pts])
                g = np.concatenate([self.front_genes, g])
            m = pareto_mask(pts)
            self.front_cost, self.front_genes = pts[m], g[m]
        return score


def _run(tracker: Tracker, evaluate: Evaluate, genes: np.ndarray) -> np.ndarray:
    genes = tracker.clip(genes)
    lat, en, ok = evaluate(genes)
    return tracker.record(genes, lat, en, ok)


# ----------------------------------------------------------------------------- strategies
def exhaustive(space: MappingSpace, evaluate: Evaluate, tracker: Tracker,
               rng: np.random.Generator, batch_size: int) -> None:
    """Every encoding, in enumeration order, in batches of ``batch_size``."""
    for start in range(0, space.size, batch_size):
        _run(tracker, evaluate, space.enumerate(start, batch_size))


def random_sampling(space: MappingSpace, evaluate: Evaluate, tracker: Tracker,
                    rng: np.random.Generator, batch_size: int) -> None:
    """Uniform random encodings until the budget is spent (needs a budget)."""
    while True:
        _run(tracker, evaluate, space.sample(batch_size, rng))


def local_search(space: MappingSpace, evaluate: Evaluate, tracker: Tracker,
                 rng: np.random.Generator, batch_size: int) -> None:
    """Random start, then repeated batches of mutations of the current elite (the best
    ``k`` distinct candidates); restarts with fresh samples when ``stall`` rounds bring no
    improvement."""
    k = max(4, batch_size // 64)
    genes = space.sample(batch_size, rng)
    score = _run(tracker, evaluate, genes)
    best_seen, stall = tracker.best_score, 0
    while True:
        order = np.argsort(score)[:k]
        elite = genes[order]
        elite = elite[np.isfinite(score[order])] if np.isfinite(score[order]).any() else elite
        parents = elite[rng.integers(0, len(elite), batch_size)]
        children = space.mutate(parents, rng)
        if stall >= 8:  # restart a quarter of the batch
            children[: batch_size // 4] = space.sample(batch_size // 4, rng)
            stall = 0
        cs = _run(tracker, evaluate, children)
        genes = np.concatenate([elite, children[: len(cs)]])
        score = np.concatenate([score[order][: len(elite)], cs])
        if tracker.best_score < best_seen:
            best_seen, stall = tracker.best_score, 0
        else:
            stall += 1


def genetic(space: MappingSpace, evaluate: Evaluate, tracker: Tracker,
            rng: np.random.Generator, batch_size: int) -> None:
    """A steady genetic algorithm: tournament selection, uniform crossover, mutation; the
    population is the best ``batch_size`` candidates seen so far."""
    pop = space.sample(batch_size, rng)
    fit = _run(tracker, evaluate, pop)
    while True:
        a = rng.integers(0, len(pop), (batch_size, 2))
        pa = np.where(fit[a[:, 0]] <= fit[a[:, 1]], a[:, 0], a[:, 1])
        b = rng.integers(0, len(pop), (batch_size, 2))
        pb = np.where(fit[b[:, 0]] <= fit[b[:, 1]], b[:, 0], b[:, 1])
        kids = space.mutate(space.crossover(pop[pa], pop[pb], rng), rng, rate=0.15)
        kf = _run(tracker, evaluate, kids)
        allg, allf = np.concatenate([pop, kids[: len(kf)]]), np.concatenate([fit, kf])
        keep = np.argsort(allf, kind="stable")[:batch_size]
        pop, fit = allg[keep], allf[keep]


STRATEGIES: dict[str, Callable[..., None]] = {
    "exhaustive": exhaustive,
    "random": random_sampling,
    "local": local_search,
    "genetic": genetic,
}


def strategy_fn(name: str) -> Callable[..., None]:
    """The strategy called ``name``; unknown names list the valid ones."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise DSEError(f"search strategy must be one of {sorted(STRATEGIES) + ['auto']}; got "
                       f"{name!r}") from None


def run_search(space: MappingSpace, evaluate: Evaluate, *, objective: str, budget: Budget,
               strategy: str, seed: int, batch_size: int, progress: bool, desc: str
               ) -> tuple[Tracker, bool, str]:
    """Run one strategy; returns the tracker, whether it was interrupted, and the strategy
    actually used (``auto``: exhaustive when the space fits the candidate budget, else random
    sampling for a tenth of the budget, then local search)."""
    objective_fn(objective)
    rng = np.random.default_rng(seed)
    if strategy == "auto":
        cap = budget.candidates if budget.candidates is not None else 2_000_000
        strategy = "exhaustive" if space.size <= cap else "local"
    fn = strategy_fn(strategy)
    if fn is not exhaustive and budget.candidates is None and budget.seconds is None:
        raise DSEError(f"strategy {strategy!r} needs a candidate or time budget; got none")
    bar = None
    if progress:
        from tqdm.auto import tqdm

        total = budget.candidates if budget.candidates is not None else (
            space.size if fn is exhaustive else None)
        bar = tqdm(total=total, desc=desc, unit="map", leave=False, mininterval=0.5)
    tracker = Tracker(objective, budget, bar)
    interrupted = False
    try:
        fn(space, evaluate, tracker, rng, batch_size)
    except _BudgetSpent:
        pass
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if bar is not None:
            bar.close()
    return tracker, interrupted, strategy
