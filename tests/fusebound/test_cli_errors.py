"""How the CLI reports failures that are the input's fault."""

import pytest

from fusebound.cli import main


def test_memory_error_is_a_user_error(capsys, monkeypatch):
    # sizes too large to allocate (``cascade run gemm --size M=100000 ...``) used to end in
    # "internal error: MemoryError" with exit 1
    import einsum_cascade.reference as ref

    def too_big(*a, **k):
        raise MemoryError("Unable to allocate 74.5 GiB for an array with shape (100000, 100000)")

    monkeypatch.setattr(ref, "run_random", too_big)
    assert main(["cascade", "run", "gemm"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and "74.5 GiB" in err


@pytest.mark.parametrize("argv", [
    ["cascade", "show", "gemm", "--size", "M=4", "--size", "M=5"],
    ["query", "gemm", "--mapping", "gemm", "-s", "M=64", "-s", "M=3", "-s", "N=4", "-s", "K=4"],
    ["map", "gemm", "-s", "M=64", "-s", "N=64", "-s", "K=64", "-s", "M=3"],
    ["bounds", "curve", "gemm", "--size", "M=4", "--size", "N=4", "--size", "K=4",
     "--size", "M=8"],
])
def test_a_size_given_twice_with_different_values_is_a_contradiction(capsys, argv):
    # the last value used to win silently
    assert main(argv) == 2
    assert "--size M is given twice" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["cascade", "show", "conv2d", "--opt", "stride=2", "--opt", "stride=3"],
    ["bounds", "curve", "conv2d", "--size", "N=1", "--size", "C=2", "--size", "H=6",
     "--size", "W=6", "--size", "K=2", "--size", "R=3", "--size", "S=3",
     "--opt", "stride=1", "--opt", "stride=2"],
])
def test_an_option_given_twice_with_different_values_is_a_contradiction(capsys, argv):
    assert main(argv) == 2
    assert "--opt stride is given twice" in capsys.readouterr().err


def test_a_size_repeated_with_the_same_value_is_fine(capsys):
    assert main(["cascade", "show", "gemm", "--size", "M=4", "--size", "M=4"]) == 0
