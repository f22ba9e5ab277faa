"""Malformed input found by QA: each case raises BoundError quickly (CLI: exit 2)."""

import pytest

from io_bounds import BoundError
from io_bounds.curves import MAX_RANK_SIZE, divisors
from fusebound.cli import main


def test_divisors_small_sizes_match_the_definition():
    for n in range(1, 200):
        assert divisors(n).tolist() == [d for d in range(1, n + 1) if n % d == 0]


def test_divisors_of_a_large_size_are_found_in_chunks():
    # 2**52 has the 53 divisors 2**0 .. 2**52
    assert divisors(2 ** 52).tolist() == [2 ** i for i in range(53)]


def test_rank_size_beyond_2_53_is_refused():
    # `bounds gemm --m 99999999999999999999 ...` ran trial division to sqrt(1e20) for hours
    with pytest.raises(BoundError, match="size of rank M must be at most 2\\*\\*53"):
        divisors(MAX_RANK_SIZE + 1, "size of rank M")


def test_cli_huge_gemm_is_exit_2(capsys):
    assert main(["bounds", "gemm", "--m", str(10 ** 20), "--n", "4", "--k", "4",
                 "--buffer", "100"]) == 2
    assert "at most 2**53" in capsys.readouterr().err


def test_cli_gemm_buffer_too_small_for_any_tiling_says_so(capsys):
    # printed "gap of the best tiling: nanx"
    assert main(["bounds", "gemm", "--m", "4", "--n", "4", "--k", "4", "--buffer", "1"]) == 0
    out = capsys.readouterr().out
    assert "no tiling fits in 1 words" in out and "nan" not in out.split("\n")[-2]


def test_plot_path_is_a_file_and_the_reported_name_is_the_written_one(tmp_path, capsys):
    # `--plot adir` wrote adir.png next to the folder and reported "plot written to adir"
    argv = ["bounds", "curve", "gemm", "--size", "M=4", "--size", "N=4", "--size", "K=4"]
    assert main(argv + ["--plot", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    bare = tmp_path / "curve"
    assert main(argv + ["--plot", str(bare)]) == 0
    assert f"plot written to {bare}.png" in capsys.readouterr().out
    assert (tmp_path / "curve.png").is_file()
