import json
import subprocess
import sys

import pytest

from fusebound.cli import build_parser, main


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(action.choices)


def test_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    assert "tour" in capsys.readouterr().out


@pytest.mark.parametrize("name", _subcommands())
def test_every_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as e:
        main([name, "--help"])
    assert e.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_unknown_command_exits_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["no-such-command"])
    assert e.value.code == 2


def test_unknown_tour_step_is_a_clear_error(capsys):
    assert main(["tour", "--step", "nope"]) == 2
    assert "unknown tour step" in capsys.readouterr().err


def test_console_script_runs():
    out = subprocess.run([sys.executable, "-m", "fusebound.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("fusebound ")


def test_broken_pipe_is_not_an_error():
    """``fusebound ... | head`` must not print an error when head closes the pipe."""
    proc = subprocess.run(
        f"{sys.executable} -m fusebound.cli fusemax | head -1",  # 240 rows: head closes early
        shell=True, capture_output=True, text=True)
    assert proc.stdout.startswith("model")
    assert "error" not in proc.stderr.lower()


def test_internal_errors_are_not_reported_as_input_errors(monkeypatch, capsys):
    import fusebound.commands.tour as tour_cmd

    def boom(args):
        raise TypeError("a bug")

    monkeypatch.setattr(tour_cmd, "run", boom)
    assert main(["tour"]) == 1
    assert "internal error" in capsys.readouterr().err
