"""``fusebound map`` (search the best mapping) and ``fusebound explore`` (architecture sweeps)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "map", help="search the best mapping of an Einsum or cascade on an architecture",
        description="Search mappings with the vectorised mapper (dse.search). WORKLOAD is gemm, "
                    "bgemm, conv2d (sizes via --size), a cascade name such as attention-1pass "
                    "(with --model/--seq), or a YAML file holding a workload spec.")
    p.add_argument("workload", help="gemm | bgemm | conv2d | <cascade name> | SPEC.yaml")
    p.add_argument("--size", "-s", action="append", default=[], metavar="RANK=N",
                   help="rank size, e.g. -s M=128 -s N=128 -s K=128 (repeatable)")
    p.add_argument("--model", help="transformer preset for cascades (bert, trxl, t5, xlm)")
    p.add_argument("--seq", type=int, help="sequence length for cascades")
    p.add_argument("--arch", default="fusemax", help="preset name or architecture YAML file "
                                                     "(default: fusemax)")
    p.add_argument("--objective", default="latency", help="latency | energy | edp")
    p.add_argument("--budget", type=int, default=None, help="candidate mappings to evaluate")
    p.add_argument("--seconds", type=float, default=None, help="time budget in seconds")
    p.add_argument("--strategy", default="auto",
                   help="auto | exhaustive | random | local | genetic")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--front", action="store_true", help="also print the Pareto front")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_map)

    e = sub.add_parser(
        "explore", help="sweep an architecture space, map every point, write Pareto fronts",
        description="Read SPEC.yaml (workload, arch_space, search), map the workload on every "
                    "architecture point and write explore.csv, explore.json and the Pareto "
                    "plots (area vs latency, energy vs latency) into --out.")
    e.add_argument("spec", help="explore spec YAML file")
    e.add_argument("--out", required=True, help="output folder")
    e.add_argument("--executor", default="local", help="local (default) | serial | ray")
    e.add_argument("--address", default=None, help="Ray address (ray://host:port or host:port)")
    e.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    e.add_argument("--json", action="store_true", help="print the rows as JSON")
    e.set_defaults(func=run_explore)


def _sizes(pairs: list[str]) -> dict[str, int]:
    from dse.errors import DSEError
    from fusebound.commands._args import once

    out = []
    for p in pairs:
        name, sep, value = p.partition("=")
        if not sep or not name or not value.lstrip("-").isdigit():
            raise DSEError(f"--size must look like RANK=N (e.g. M=128); got {p!r}")
        out.append((name, int(value)))
    return once(out, "--size")


def run_map(args: argparse.Namespace) -> int:
    from dse.mapper import map_cli_spec, search
    from fusebound.output import print_json, print_table

    workload, arch = map_cli_spec(args.workload, _sizes(args.size), args.model, args.seq,
                                  args.arch)
    budget = None
    if args.budget is not None or args.seconds is not None:
        budget = {k: v for k, v in (("candidates", args.budget), ("seconds", args.seconds))
                  if v is not None}
    res = search(workload, arch, objective=args.objective, budget=budget,
                 strategy=args.strategy, seed=args.seed, progress=not args.json)
    if args.json:
        print_json(res.to_dict(front=True))
        return 0
    print_table([res.summary()])
    print(f"best mapping: {res.best.describe()}")
    if args.front:
        print_table(res.front_rows())
    return 0


def run_explore(args: argparse.Namespace) -> int:
    from dse.explorer import ExploreSpec, explore
    from fusebound.output import print_json, print_table

    spec = ExploreSpec.from_yaml(args.spec)
    res = explore(spec.workload, spec.arch_space, executor=args.executor, address=args.address,
                  workers=args.workers, **spec.search)
    paths = res.write(args.out)
    if args.json:
        print_json(res.table.drop(columns=["mapping"]).to_dict("records"))
        return 0
    cols = [c for c in ("rows", "cols", "pes_1d", "buffer_words", "bandwidth_bytes_per_s",
                        "area_um2", "latency_s", "energy_pJ", "pareto_area_latency",
                        "pareto_energy_latency") if c in res.table]
    print_table(res.table[cols].to_dict("records"))
    print(f"{len(res.table)} points in {res.wall_s:.2f} s; wrote " +
          ", ".join(str(p) for p in paths))
    return 0
