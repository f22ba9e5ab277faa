"""``fusebound fpga``: estimate hls4ml designs, list FPGA parts, import synthesis records."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fpga", help="hls4ml designs: estimate, parts, import records")
    fsub = p.add_subparsers(dest="fpga_command", metavar="FPGA_COMMAND")
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])

    e = fsub.add_parser("estimate", help="analytic resource/latency estimate of a design file")
    e.add_argument("design", help="design file (.json, .yaml or .yml; fpga.Design.to_dict)")
    e.add_argument("--part", help="FPGA part, device or board (default: the design's part)")
    e.add_argument("--coefficients", help="fitted-coefficient JSON (default: the shipped one)")
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(func=run_estimate)

    ps = fsub.add_parser("parts", help="list the FPGA part catalog")
    ps.add_argument("--json", action="store_true", help="print JSON")
    ps.set_defaults(func=run_parts)

    im = fsub.add_parser("import", help="read records from a file or folder and summarise them")
    im.add_argument("path", help="file or folder (wa-hls4ml JSON/CSV, N-TORC CSV, HLS reports)")
    im.add_argument("--source", help="force one importer (default: detect per file)")
    im.add_argument("--label-source", default="post_synthesis",
                    choices=("post_synthesis", "hls_estimate"),
                    help="resource report to use where a source has both")
    im.add_argument("--json", action="store_true", help="print JSON")
    im.set_defaults(func=run_import)

    r = fsub.add_parser("reuse", help="hls4ml's valid reuse factors of an n_in x n_out layer")
    r.add_argument("n_in", type=int)
    r.add_argument("n_out", type=int)
    r.add_argument("reuse_factor", type=int, help="requested reuse factor")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.set_defaults(func=run_reuse)


def run_estimate(args: argparse.Namespace) -> int:
    import fpga
    from fusebound.output import print_json, print_table

    design = fpga.Design.load(args.design)
    est = fpga.estimate(design, part=args.part, coefficients=args.coefficients)
    if args.json:
        print_json(est.to_dict())
        return 0
    util = est.utilization_pct
    rows = [{"quantity": k, "estimate": round(v, 1), "utilization_%": util.get(k)}
            for k, v in est.resources.items()]
    rows += [{"quantity": "latency_cycles", "estimate": est.latency_cycles},
             {"quantity": "latency_ns", "estimate": est.latency_ns},
             {"quantity": "ii_cycles", "estimate": est.ii_cycles},
             {"quantity": "ii_ns", "estimate": est.ii_ns}]
    print(f"design {est.design_name} on {est.part or 'no part'} "
          f"({est.coefficients} coefficients)")
    print_table(rows)
    if est.fits is not None:
        print(f"fits: {'yes' if est.fits else 'NO'}")
    for note in est.notes:
        print(f"note: {note}")
    return 0


def run_parts(args: argparse.Namespace) -> int:
    from fpga import parts
    from fusebound.output import print_json, print_table

    rows = [p.to_dict() for p in parts.all_parts()]
    if args.json:
        print_json(rows)
    else:
        print_table([{**r, "boards": ", ".join(r["boards"])} for r in rows],
                    columns=["device", "default_part", "family", "lut", "ff", "dsp", "bram36",
                             "uram", "boards"])
    return 0


def run_import(args: argparse.Namespace) -> int:
    import fpga
    from fusebound.output import print_json, print_table

    summary = fpga.summarize_records(args.path, source=args.source,
                                     label_source=args.label_source)
    if args.json:
        print_json(summary)
        return 0
    print(f"{summary['records']} records from {summary['path']} "
          f"({', '.join(f'{k}: {v}' for k, v in summary['by_source'].items()) or 'none'})")
    if summary["targets"]:
        print_table(summary["targets"])
    skipped = summary["skipped"]
    print(f"skipped: {skipped['total']}")
    for r in skipped["reasons"]:
        print(f"  {r['count']} x {r['reason']}")
    if summary["ignored_files"]:
        print(f"ignored (unknown format): {len(summary['ignored_files'])} file(s)")
    return 0


def run_reuse(args: argparse.Namespace) -> int:
    import fpga
    from fusebound.output import print_json

    chk = fpga.check_reuse_factor(args.n_in, args.n_out, args.reuse_factor)
    if args.json:
        print_json({"n_in": chk.n_in, "n_out": chk.n_out, "requested": chk.requested,
                    "used": chk.used, "valid": chk.is_valid, "valid_reuse_factors": chk.valid})
    else:
        print(chk.message(f"a {args.n_in}x{args.n_out} layer"))
    return 0
