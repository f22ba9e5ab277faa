"""``fusebound tour``: run the main job on built-in defaults."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tour", help="run every capability once on built-in defaults and report")
    p.add_argument("--step", action="append", metavar="NAME",
                   help="run only this step (repeatable)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fusebound.output import print_json
    from fusebound.tour import STEPS, run_tour

    unknown = [s for s in (args.step or []) if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown tour step(s) {unknown}; valid steps: {', '.join(STEPS)}")
    out = (lambda s: print(s, file=sys.stderr)) if args.json else print
    result = run_tour(out=out, only=args.step)
    if args.json:
        print_json(result)
    else:
        print("\n" + ("tour finished: all steps ok" if result["ok"] else
                      "tour finished with failures: " +
                      ", ".join(s["step"] for s in result["steps"] if s["status"] != "ok")))
    return 0 if result["ok"] else 1
