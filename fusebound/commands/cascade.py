"""``fusebound cascade {show,check,analyze,run} NAME_OR_FILE``: the Einsum-cascade IR."""

from __future__ import annotations

import argparse


def _kv(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or not value:
        raise ValueError(f"{what} expects KEY=VALUE; got {text!r}")
    return key.strip(), value.strip()


def _sizes(items: list[str] | None) -> dict[str, int]:
    from fusebound.commands._args import once

    pairs = []
    for item in items or []:
        k, v = _kv(item, "--size")
        try:
            pairs.append((k, int(v)))
        except ValueError as e:
            raise ValueError(f"--size {k} expects an integer; got {v!r}") from e
    return once(pairs, "--size")


def _value(v: str) -> object:
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            continue
    return v


def _options(items: list[str] | None) -> dict[str, object]:
    from fusebound.commands._args import once

    pairs = [_kv(item, "--opt") for item in items or []]
    return once(((k, _value(v)) for k, v in pairs), "--opt")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cascade", help="Einsum cascades: show, check, analyse, run",
                       description="Work with Einsum cascades: a library name (gemm, "
                                   "attention-1pass, ...) or a file (.ec notation, .json, .yaml).")
    cmds = p.add_subparsers(dest="cascade_command", metavar="ACTION", required=True)
    helps = {"show": "print the cascade in notation (or as JSON)",
             "check": "parse and validate; print a summary",
             "analyze": "op counts, footprints, passes and capacity under concrete sizes",
             "run": "evaluate on random inputs (library cascades: compare with a numpy reference)"}
    for name, text in helps.items():
        c = cmds.add_parser(name, help=text, description=text)
        c.add_argument("cascade", metavar="NAME_OR_FILE", help="library name or cascade file")
        c.add_argument("--size", action="append", metavar="R=N",
                       help="bind rank R to size N (repeatable)")
        c.add_argument("--opt", action="append", metavar="KEY=VALUE",
                       help="library option, e.g. form=1pass, stride=2 (repeatable)")
        c.add_argument("--json", action="store_true", help="print JSON")
        if name == "run":
            c.add_argument("--seed", type=int, default=0, help="random seed of the inputs")
        c.set_defaults(func=globals()[f"_{name}"])


def _load(args: argparse.Namespace, defaults: bool):
    from einsum_cascade import library, load

    options = _options(args.opt)
    sizes = _sizes(args.size)
    if args.cascade in library.names():
        if defaults:
            sizes = library.with_defaults(args.cascade, sizes, **options)
        return library.get(args.cascade, **options, **sizes), options
    if options:
        raise ValueError("--opt applies to library cascades only")
    return load(args.cascade, sizes), options


def _show(args: argparse.Namespace) -> int:
    from fusebound.output import print_json

    c, _ = _load(args, defaults=False)
    if args.json:
        print_json(c.to_dict())
    else:
        print(str(c), end="")
    return 0


def _check(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table

    c, _ = _load(args, defaults=False)
    summary = {"cascade": c.name, "valid": True, "einsums": len(c.einsums),
               "inputs": list(c.inputs), "outputs": list(c.outputs),
               "intermediates": list(c.intermediates), "sizes": c.sizes,
               "symbolic_ranks": [n for n, r in c.ranks.items() if r.size is None]}
    if args.json:
        print_json(summary)
    else:
        print_table([{"field": k, "value": ", ".join(map(str, v)) if isinstance(v, list) else
                      (", ".join(f"{a}={b}" for a, b in v.items()) if isinstance(v, dict) else v)}
                     for k, v in summary.items()])
    return 0


def _analyze(args: argparse.Namespace) -> int:
    from einsum_cascade import analyze
    from fusebound.output import print_json, print_table

    c, _ = _load(args, defaults=True)
    a = analyze(c)
    if args.json:
        print_json(a.to_dict())
        return 0
    print(f"cascade {a.name}  sizes " + " ".join(f"{k}={v}" for k, v in a.sizes.items()))
    print_table(a.per_einsum.to_dict(orient="records"))
    print()
    print_table([{"kind": k, "ops": v} for k, v in a.total_ops.items()]
                + [{"kind": "total", "ops": a.ops_total}])
    print()
    print_table([{"rank": r, "passes": a.passes[r], "capacity_words": a.capacity_words[r]}
                 for r in a.passes])
    print(f"\nintermediates: {len(a.intermediates)} tensors, {a.intermediate_words:,} words")
    return 0


def _run(args: argparse.Namespace) -> int:
    from einsum_cascade import library
    from einsum_cascade.reference import run_random
    from fusebound.output import print_json, print_table

    c, options = _load(args, defaults=True)
    ref = args.cascade if args.cascade in library.names() else None
    result = run_random(c, seed=args.seed, reference_name=ref, **options)
    if args.json:
        print_json(result)
    else:
        print(f"cascade {result['cascade']}  seed {result['seed']}  sizes "
              + " ".join(f"{k}={v}" for k, v in result["sizes"].items()))
        print_table(result["outputs"])
        if ref:
            print(f"\nreference check (relative error <= {result['tolerance']}): "
                  + ("ok" if result["ok"] else "FAILED"))
    return 0 if result["ok"] else 1
