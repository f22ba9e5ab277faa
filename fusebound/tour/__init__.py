"""``fusebound tour``: the main job on built-in defaults.

Each step is a module in this package with a ``TITLE`` string and a function
``run(out) -> dict`` that does the step's real work on built-in defaults, prints a few
human-readable lines through ``out`` (a callable like ``print``) and returns a JSON-able
summary. Steps run in :data:`STEPS` order; a step that fails is reported with its error
and the tour goes on, exiting non-zero at the end.
"""

from __future__ import annotations

import importlib
import time
from typing import Any, Callable

#: Step modules (under ``fusebound.tour``), in the order they run.
STEPS: tuple[str, ...] = (
    "cascade",
    "bounds",
    "fpga",
    "dse",
    "mapper",
    "openflow",
    "surrogates",
    "leaderboard",
)


def run_tour(out: Callable[[str], None] = print, only: list[str] | None = None) -> dict[str, Any]:
    """Run every tour step; returns ``{"steps": [...], "ok": bool}``."""
    results = []
    ok = True
    for name in STEPS:
        if only and name not in only:
            continue
        module = importlib.import_module(f"fusebound.tour.{name}")
        out(f"\n== {module.TITLE} ==")
        start = time.perf_counter()
        try:
            summary = module.run(out)
            status = "ok"
            error = None
        except Exception as exc:  # noqa: BLE001 - report and continue with the next step
            summary, status, error = None, "failed", f"{type(exc).__name__}: {exc}"
            ok = False
            out(f"step failed: {error}")
        results.append({"step": name, "title": module.TITLE, "status": status,
                        "seconds": round(time.perf_counter() - start, 3),
                        "summary": summary, "error": error})
    return {"ok": ok, "steps": results}
