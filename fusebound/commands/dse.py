"""``fusebound query`` (cost of one mapping) and ``fusebound fusemax`` (the paper reproduction).

Each subcommand is one ``(name, add_arguments, run)`` entry of :data:`SUBCOMMANDS`; adding a
command (``map``, ``explore``) means adding an entry.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable


def _sizes(pairs: list[str]) -> dict[str, int]:
    from fusebound.commands._args import once

    out = []
    for p in pairs:
        name, sep, value = p.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--size must look like RANK=N (e.g. P=4096); got {p!r}")
        try:
            n = int(value)
        except ValueError as e:
            raise ValueError(f"size of rank {name} must be an integer; got {value!r}") from e
        if n <= 0:
            raise ValueError(f"size of rank {name} must be positive; got {n}")
        out.append((name.strip(), n))
    return once(out, "--size")


def _add_query(p: argparse.ArgumentParser) -> None:
    p.add_argument("workload", help="cascade name (attention-1pass, attention-3pass, gemm, ...) "
                                    "or encoder-layer (attention + GEMMs of --model)")
    p.add_argument("--arch", default="fusemax", help="fusemax | flat | flat-edge | ARCH.yaml")
    p.add_argument("--mapping", default="fusemax",
                   help="unfused | flat | cascade | architecture | fusemax | gemm | MAPPING.yaml")
    p.add_argument("--model", help="bert | trxl | t5 | xlm (sizes of the attention)")
    p.add_argument("--seq", type=int, help="sequence length (P = M)")
    p.add_argument("--size", "-s", action="append", default=[], metavar="RANK=N",
                   help="rank size, e.g. -s P=4096 (repeatable; overrides --model/--seq)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _run_query(args: argparse.Namespace) -> int:
    from dse.api import query
    from fusebound.output import print_json, print_table

    r = query(args.workload, arch=args.arch, mapping=args.mapping, model=args.model,
              seq_len=args.seq, **_sizes(args.size))
    why = r.explain()
    if args.json:
        print_json({**r.to_dict(), "explain": {k: v for k, v in why.items() if k != "text"}})
        return 0
    print(why["text"])
    print()
    print_table(r.einsum_rows, ["einsum", "array", "points", "cycles", "cycles_per_point",
                                "padding_points", "activity"])
    return 0


def _add_fusemax(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    p.add_argument("--out", metavar="DIR", help="write CSV files and figures into DIR")
    p.add_argument("--models", nargs="+", metavar="MODEL", help="subset of bert trxl t5 xlm")
    p.add_argument("--seq", nargs="+", type=int, metavar="N", help="subset of sequence lengths")


def _run_fusemax(args: argparse.Namespace) -> int:
    from dse.fusemax import PAPER_ABSTRACT, reproduce
    from fusebound.output import print_json, print_table

    for n in args.seq or []:
        if n <= 0:
            raise ValueError(f"sequence lengths must be positive; got {n}")
    rep = reproduce(models=args.models, seq_lens=args.seq)
    if args.out:
        paths = rep.write(args.out)
        print(f"wrote {len(paths)} files to {args.out}", file=sys.stderr)
    means = [{"scope": s, "fusemax_vs": "flat", "speedup": v["speedup_vs_flat"],
              "energy_ratio": v["energy_vs_flat"], "paper_speedup": PAPER_ABSTRACT[s]["speedup"],
              "paper_energy_ratio": PAPER_ABSTRACT[s]["energy_ratio"]} for s, v in rep.means.items()]
    means += [{"scope": s, "fusemax_vs": "unfused", "speedup": v["speedup_vs_unfused"],
               "energy_ratio": v["energy_vs_unfused"]} for s, v in rep.means.items()]
    if args.json:
        print_json(rep.rows)
        for m in means:
            print(f"mean {m['scope']} FuseMax vs {m['fusemax_vs']}: {m['speedup']:.3g}x faster, "
                  f"{m['energy_ratio']:.3g} of its energy", file=sys.stderr)
        return 0
    fm = [r for r in rep.rows if r["config"] == "fusemax"]
    print_table(fm, ["model", "seq_len", "scope", "latency_s", "energy_pJ", "traffic_bytes",
                     "util_2d", "util_1d",
                     "speedup_vs_flat", "energy_vs_flat", "speedup_vs_unfused", "energy_vs_unfused"])
    print()
    print_table(means, ["scope", "fusemax_vs", "speedup", "energy_ratio", "paper_speedup",
                        "paper_energy_ratio"])
    return 0


#: (name, help, add_arguments, run)
SUBCOMMANDS: tuple[tuple[str, str, Callable, Callable], ...] = (
    ("query", "cost of one workload under one mapping on one architecture (dse.query)",
     _add_query, _run_query),
    ("fusemax", "reproduce the FuseMax paper: 4 models x 6 sequence lengths x 5 configurations",
     _add_fusemax, _run_fusemax),
)


def register(sub: argparse._SubParsersAction) -> None:
    for name, help_, add, run in SUBCOMMANDS:
        p = sub.add_parser(name, help=help_, description=help_)
        add(p)
        p.set_defaults(func=run)
