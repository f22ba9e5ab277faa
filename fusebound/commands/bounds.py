"""``fusebound bounds {gemm,attention,curve}``: I/O lower bounds and attainable traffic.

Buffers take words (``4096``) or bytes with a unit (``64KiB``, ``2MB``), converted with
``--word-bytes`` (default 2: 16-bit words). Traffic is printed in words and bytes.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bounds", help="I/O lower bounds and attainable traffic-vs-buffer curves",
                       description="How much data must move between DRAM and a buffer: lower "
                                   "bounds (with the theorem behind each) and the best tiling.")
    cmds = p.add_subparsers(dest="bounds_command", metavar="ACTION", required=True)

    def common(c):
        c.add_argument("--word-bytes", type=float, default=2.0,
                       help="bytes per word when converting (default 2)")
        c.add_argument("--json", action="store_true", help="print JSON")

    g = cmds.add_parser("gemm", help="matmul Z[M,N] = A[M,K] B[K,N]: bound and best tiling",
                        description="Lower bound (Smith et al., HBL, compulsory) and the best "
                                    "two-level tiling for a GEMM at one buffer size.")
    for r in ("m", "n", "k"):
        g.add_argument(f"--{r}", required=True, help=f"size of rank {r.upper()}")
    g.add_argument("--buffer", required=True, help="fast memory: words (4096) or bytes (64KiB)")
    common(g)
    g.set_defaults(func=_gemm)

    a = cmds.add_parser("attention", help="softmax(QK^T)V: Saha-Ye bound, FlashAttention traffic",
                        description="Saha & Ye forward bound (both regimes), backward bound, "
                                    "FlashAttention-1/2 traffic, for N x d Q, K, V.")
    a.add_argument("--n", required=True, help="sequence length N")
    a.add_argument("--d", required=True, help="head dimension d")
    a.add_argument("--buffer", required=True, help="fast memory: words or bytes with a unit")
    a.add_argument("--constant", type=float, default=1.0,
                   help="constant of the Theta bound (the paper gives none; 1 = shape only)")
    common(a)
    a.set_defaults(func=_attention)

    c = cmds.add_parser("curve", help="attainable traffic vs buffer for any cascade (+ plot)",
                        description="Orojenesis-style attainable curve, lower bounds on a grid, "
                                    "FlashAttention traffic for attention; optional log-log plot.")
    c.add_argument("cascade", metavar="NAME_OR_FILE", help="library name or cascade file")
    c.add_argument("--size", action="append", metavar="R=N", help="rank size (repeatable)")
    c.add_argument("--opt", action="append", metavar="KEY=VALUE",
                   help="library option, e.g. stride=2 padding=1 (repeatable)")
    c.add_argument("--buffer", action="append", metavar="CAP",
                   help="also report the best mapping at this capacity (repeatable)")
    c.add_argument("--plot", metavar="PATH", help="write a log-log plot (PNG, PDF, SVG)")
    c.add_argument("--constant", type=float, default=1.0,
                   help="constant of asymptotic (Theta) bounds; 1 = shape only")
    common(c)
    c.set_defaults(func=_curve)


def _int(text: str, what: str) -> int:
    from io_bounds.errors import BoundError

    try:
        v = int(str(text).strip())
    except ValueError as e:
        raise BoundError(f"{what} must be a positive integer; got {text!r}") from e
    if v < 1:
        raise BoundError(f"{what} must be a positive integer (>= 1); got {v}")
    return v


def _gemm(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table
    from io_bounds.report import gemm_report
    from io_bounds.units import parse_buffer

    S = parse_buffer(args.buffer, args.word_bytes)
    r = gemm_report(_int(args.m, "--m"), _int(args.n, "--n"), _int(args.k, "--k"), S,
                    args.word_bytes)
    if args.json:
        print_json(r)
        return 0
    b = r["bound"]
    print(f"GEMM M={args.m} N={args.n} K={args.k}, buffer {S:,} words "
          f"({S * args.word_bytes:,.0f} bytes)")
    rows = [{"bound": row["method"] + ("" if row["name"] in ("cascade", "matmul")
                                       else f" ({row['name']})"),
             "words": row["words"], "bytes": row["words"] * args.word_bytes,
             "regime": row["regime"], "theorem": row["theorem"]} for row in b["breakdown"]]
    at = r["attainable"]
    rows.append({"bound": "attainable (best tiling)", "words": at["traffic_words"],
                 "bytes": at["traffic_words"] * args.word_bytes, "regime": at["mapping"],
                 "theorem": "not a bound: a schedule"})
    print_table(rows, ["bound", "words", "bytes", "regime", "theorem"])
    import math
    gap = at["traffic_words"] / b["words"]
    print(f"lower bound: {b['words']:,.0f} words ({b['method']}); "
          + (f"gap of the best tiling: {gap:.3f}x" if math.isfinite(gap) else
             f"no tiling fits in {r['bound']['fast_memory_words']:,.0f} words, so no gap"))
    return 0


def _attention(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table
    from io_bounds.report import attention_report
    from io_bounds.units import parse_buffer

    S = parse_buffer(args.buffer, args.word_bytes)
    N, d = _int(args.n, "--n"), _int(args.d, "--d")
    r = attention_report(N, d, S, args.constant, args.word_bytes)
    if args.json:
        print_json(r)
        return 0
    print(f"attention N={N} d={d}, buffer {S:,} words ({S * args.word_bytes:,.0f} bytes); "
          f"d^2 = {d * d:,} words")
    rows = []
    for key in ("forward", "backward"):
        b = r[key]
        rows.append({"quantity": f"{key} bound (Theta, c={b['constant']:g})",
                     "words": b["words"], "bytes": b["bytes"], "note": b["regime"]})
    for v, f in r["flash_attention"].items():
        if "error" in f:
            rows.append({"quantity": f"FlashAttention {v}", "words": None, "bytes": None,
                         "note": f["error"]})
        else:
            rows.append({"quantity": f"FlashAttention {v} traffic", "words": f["traffic_words"],
                         "bytes": f["traffic_words"] * args.word_bytes,
                         "note": f"B_r={f['B_r']} B_c={f['B_c']}"})
    print_table(rows, ["quantity", "words", "bytes", "note"])
    print("Saha & Ye give no constant: the bound is the shape times --constant, not a proven "
          "number.")
    return 0


def _curve(args: argparse.Namespace) -> int:
    from fusebound.output import print_json, print_table
    from io_bounds.report import curve_report
    from io_bounds.units import parse_buffer, parse_size

    from fusebound.commands._args import once

    sizes = once((parse_size(s) for s in (args.size or [])), "--size")
    buffers = [parse_buffer(b, args.word_bytes) for b in args.buffer] if args.buffer else None
    pairs = []
    for item in args.opt or []:
        key, _, value = item.partition("=")
        if not key or not value:
            raise ValueError(f"--opt expects KEY=VALUE; got {item!r}")
        try:
            pairs.append((key.strip(), int(value)))
        except ValueError:
            pairs.append((key.strip(), value.strip()))
    options = once(pairs, "--opt")
    r = curve_report(args.cascade, sizes, buffers=buffers, plot=args.plot,
                     word_bytes=args.word_bytes, constant=args.constant, options=options or None)
    if args.json:
        print_json(r)
        return 0
    print(f"{r['cascade']} ({', '.join(f'{k}={v}' for k, v in r['sizes'].items())}): "
          f"{r['family']}; compulsory {r['compulsory_words']:,.0f} words")
    print_table(r["curve"], ["buffer_words", "traffic_words", "mapping"])
    if "at_buffers" in r:
        print()
        print_table(r["at_buffers"], ["buffer_words", "traffic_words", "lower_bound_words",
                                      "gap", "mapping"])
    if r.get("plot"):
        print(f"plot written to {r['plot']}")
    return 0
