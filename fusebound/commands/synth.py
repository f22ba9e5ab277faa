"""``fusebound synth``: open-toolchain synthesis (da4ml -> Verilog -> Yosys) and its dataset."""

from __future__ import annotations

import argparse
import shlex
import sys

_LABEL_COLS = ["design_id", "architecture", "mode", "status", "lut", "ff", "carry", "dsp", "bram",
               "latency_cycles", "ii_cycles", "da4ml_cost", "wall_s", "reason"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("synth", help="open-flow synthesis labels (da4ml + Yosys) and dataset jobs")
    ssub = p.add_subparsers(dest="synth_command", metavar="SUBCOMMAND")

    g = ssub.add_parser("generate", help="synthesize designs 0..N-1 of a design space (resumable)")
    g.add_argument("--space", default="default",
                   help="design-space YAML file, or 'default' (fpga/openflow/default_space.yaml)")
    g.add_argument("--n", type=int, required=True, help="number of designs (the first N of the space)")
    g.add_argument("--out", required=True, help="dataset folder (created; resumed when it exists)")
    g.add_argument("--jobs", type=int, default=1, help="parallel designs (worker processes); default 1")
    g.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local worker processes, or Ray tasks (needs fusebound[distributed])")
    g.add_argument("--timeout-s", type=float, default=None,
                   help="per-design timeout in seconds (default: the space's timeout_s)")
    g.add_argument("--shard-size", type=int, default=50, help="records per Parquet shard (default 50)")
    g.add_argument("--retry-failed", action="store_true", help="retry designs recorded as failed")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--json", action="store_true", help="print the summary as JSON")
    g.set_defaults(func=_generate)

    r = ssub.add_parser("run", help="synthesize one model file (.pt state_dict, .npz, spec .yaml/.json)")
    r.add_argument("model", help="model file")
    r.add_argument("--input-bits", type=int, default=8, help="signed input width in bits (default 8)")
    r.add_argument("--input-int-bits", type=int, default=3, help="input integer bits (default 3)")
    r.add_argument("--weight-bits", type=int, default=6, help="weight width in bits (default 6)")
    r.add_argument("--act-bits", type=int, default=8, help="hidden ReLU output width in bits (default 8)")
    r.add_argument("--act-int-bits", type=int, default=3, help="hidden activation integer bits (default 3)")
    r.add_argument("--mode", choices=("combinational", "pipelined"), default="combinational")
    r.add_argument("--latency-cutoff", type=float, default=None,
                   help="da4ml pipelining cutoff (adder delays per stage); pipelined mode, default 4")
    r.add_argument("--family", default="xc7", help="Yosys synth_xilinx family (default xc7)")
    r.add_argument("--timeout-s", type=float, default=900.0, help="timeout in seconds (default 900)")
    r.add_argument("--out", default=None, help="also append the record to this dataset folder")
    r.add_argument("--json", action="store_true", help="print the record as JSON")
    r.set_defaults(func=_run)

    s = ssub.add_parser("summary", help="counts and label statistics of a dataset folder")
    s.add_argument("folder", help="dataset folder (e.g. datasets/openflow)")
    s.add_argument("--json", action="store_true", help="print as JSON")
    s.add_argument("--markdown", action="store_true", help="print the data card's Counts section")
    s.set_defaults(func=_summary)

    sp = ssub.add_parser("splits", help="split sizes and the da4ml-estimate baseline per split")
    sp.add_argument("folder", help="dataset folder (e.g. datasets/openflow)")
    sp.add_argument("--seed", type=int, default=0, help="split seed (default 0)")
    sp.add_argument("--json", action="store_true", help="print as JSON")
    sp.set_defaults(func=_splits)

    p.set_defaults(func=lambda a: (p.print_help(), 0)[1] if a.synth_command is None else 0)


def _generate(args: argparse.Namespace) -> int:
    from fpga.openflow.runner import generate
    from fpga.openflow.space import load_space
    from fusebound.output import print_json, print_table

    space = load_space(args.space)
    summary = generate(space, args.n, args.out, jobs=args.jobs, executor=args.executor,
                       timeout_s=args.timeout_s, shard_size=args.shard_size,
                       retry_failed=args.retry_failed, progress=not args.no_progress,
                       command="fusebound synth " + " ".join(shlex.quote(a) for a in sys.argv[2:])
                       if sys.argv[1:2] == ["synth"] else None)
    if args.json:
        print_json(summary)
    else:
        print_table([summary.to_dict()], columns=["n_requested", "n_skipped", "n_attempted", "n_ok",
                                                  "n_failed", "n_total_ok", "wall_s", "designs_per_hour"])
    return 130 if summary.interrupted else 0


def _run(args: argparse.Namespace) -> int:
    from fpga.openflow.models import synth_model
    from fusebound.output import print_json, print_table

    cutoff = args.latency_cutoff
    if args.mode == "pipelined" and cutoff is None:
        cutoff = 4.0
    rec = synth_model(args.model, family=args.family, timeout_s=args.timeout_s, out=args.out,
                      weight_bits=args.weight_bits, input_bits=args.input_bits,
                      input_int_bits=args.input_int_bits, act_bits=args.act_bits,
                      act_int_bits=args.act_int_bits, mode=args.mode,
                      latency_cutoff=cutoff if args.mode == "pipelined" else None)
    if args.json:
        print_json(rec)
    else:
        print_table([rec], columns=[c for c in _LABEL_COLS if c in rec])
    return 0 if rec.get("status") == "ok" else 1


def _summary(args: argparse.Namespace) -> int:
    from fpga.openflow.dataset import summarize
    from fusebound.output import print_json, print_table

    if args.markdown:
        from fpga.openflow.dataset import summary_markdown

        print(summary_markdown(args.folder))
        return 0
    summ = summarize(args.folder)
    if args.json:
        print_json(summ)
    else:
        print_table([{k: v for k, v in summ.items() if not isinstance(v, (dict, list))}])
        print_table(summ["labels"], columns=["label", "min", "median", "mean", "max"])
    return 0


def _splits(args: argparse.Namespace) -> int:
    from fpga.openflow.dataset import split_report
    from fusebound.output import print_json, print_table

    rep = split_report(args.folder, seed=args.seed)
    if args.json:
        print_json(rep)
    else:
        print_table(rep["baselines"], columns=["split", "target", "estimate", "factor", "n_train",
                                               "n_val", "n_test", "r2_test", "smape_test_pct", "error"])
    return 0
