"""Malformed cascade input found by QA: each case must raise CascadeError (CLI: exit 2)."""

import pytest

from einsum_cascade import CascadeError, library, parse
from einsum_cascade.reference import random_inputs
from fusebound.cli import main


@pytest.mark.parametrize("text", ["", "# only a comment\n", "ranks M=4\n"])
def test_cascade_without_einsums_is_rejected(text):
    # an empty file used to validate as an empty cascade ("valid yes, einsums 0")
    with pytest.raises(CascadeError, match="no Einsums"):
        parse(text)


def test_unknown_option_is_named_by_default_sizes():
    # with_defaults/default_sizes called the builder directly: TypeError, "internal error"
    with pytest.raises(CascadeError, match="unknown option.*layers.*options: activation"):
        library.with_defaults("mlp", {}, layers=0)


def test_negative_seed_names_the_seed():
    with pytest.raises(CascadeError, match="seed .* >= 0; got -1"):
        random_inputs(library.get("gemm", M=2, N=2, K=2), seed=-1)


@pytest.mark.parametrize("argv, message", [
    (["cascade", "analyze", "mlp", "--opt", "layers=0"], "unknown option(s) layers"),
    (["cascade", "run", "gemm", "--seed", "-1"], "seed"),
])
def test_cli_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err


def test_cli_empty_file_exit_2(capsys, tmp_path):
    path = tmp_path / "empty.ec"
    path.write_text("")
    assert main(["cascade", "check", str(path)]) == 2
    assert "no Einsums" in capsys.readouterr().err


@pytest.mark.parametrize("sizes", [dict(M=0), dict(M=4, M0=0), dict(M=4, M0=-2)])
def test_zero_size_is_named_before_the_chunk_rule(sizes):
    # M=0 made the M0 = min(M, 256) rule divide by zero (`fusebound query --seq 0`)
    with pytest.raises(CascadeError, match="must be >= 1"):
        library.get("attention-1pass", **sizes)


@pytest.mark.parametrize("suffix", [".ec", ".json", ".yaml"])
def test_binary_file_names_the_file(tmp_path, suffix):
    from einsum_cascade.loader import load
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(b"\xde\xad\xbe\xef\x00")
    with pytest.raises(CascadeError, match=f"cascade file .*junk\\{suffix} is not UTF-8"):
        load(str(path))
