"""The ``fusebound`` command line.

Each command group lives in its own module under :mod:`fusebound.commands` and exposes
``register(subparsers)``, which adds its sub-parser(s) and sets ``func`` (a callable taking
the parsed ``argparse.Namespace`` and returning an exit code). Command modules import their
heavy dependencies inside ``func`` so that ``fusebound --help`` stays fast.

Errors: user-facing exceptions (``ValueError``, ``LookupError`` (so ``KeyError``), ``OSError``
and their project subclasses such as ``CascadeError``) print ``error: <message>`` and exit
with status 2 (so does ``MemoryError``: the sizes asked for do not fit in memory); anything
else prints ``internal error`` with a hint to rerun with ``--debug`` (which shows the
traceback) and exits with status 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

#: Command-group modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "fusebound.commands.tour",
    "fusebound.commands.cascade",
    "fusebound.commands.bounds",
    "fusebound.commands.dse",
    "fusebound.commands.mapper",
    "fusebound.commands.fpga",
    "fusebound.commands.surrogates",
    "fusebound.commands.synth",
    "fusebound.commands.leaderboard",
)

USER_ERRORS = (ValueError, LookupError, OSError)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every available command group."""
    from fusebound import __version__

    parser = argparse.ArgumentParser(
        prog="fusebound",
        description="Accelerator design-space exploration and FPGA surrogate modelling.",
    )
    parser.add_argument("--version", action="version", version=f"fusebound {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # this command group is not written yet
                continue
            raise
        module.register(sub)
    return parser


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``fusebound`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``fusebound ... | head``): not an error of ours.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"error: {_message(exc)}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # sizes too large for this machine: the input's fault, not ours
        if args.debug:
            raise
        print(f"error: out of memory ({exc or 'MemoryError'}); use smaller sizes", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - last line of defence for the CLI
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
