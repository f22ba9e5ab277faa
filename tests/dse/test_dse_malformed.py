"""Malformed dse input found by QA: each case raises DSEError (CLI: exit 2), never a crash,
a hang or a silently ignored option."""

import pytest
import yaml

from dse import DSEError
from dse.explorer import ExploreSpec
from dse.mapper import map_cli_spec, search
from dse.mapper.space import divisors
from fusebound.cli import main

_OK = {"workload": {"einsum": "gemm", "M": 8, "N": 8, "K": 8},
       "arch_space": {"base": "fusemax", "array_2d": [16]}}


@pytest.mark.parametrize("key, value, message", [
    ("workload", [1], "workload of the explore spec must be a mapping"),   # was TypeError
    ("search", [1], "search of the explore spec must be a mapping"),       # was TypeError
])
def test_explore_spec_sections_of_the_wrong_type(key, value, message):
    with pytest.raises(DSEError, match=message):
        ExploreSpec.from_dict({**_OK, key: value})


def test_array_2d_as_a_string_is_named_whole():
    # used to iterate the characters: "got 'b'" for array_2d: big
    with pytest.raises(DSEError, match="array_2d must be a list.*'big'"):
        ExploreSpec.from_dict({**_OK, "arch_space": {"base": "fusemax", "array_2d": "big"}})


def test_spec_file_problems_name_the_file(tmp_path):
    # a directory or a missing file used to be parsed as YAML text: "got str"
    with pytest.raises(DSEError, match="Is a directory"):
        ExploreSpec.from_yaml(str(tmp_path))
    with pytest.raises(DSEError, match="no explore spec file named"):
        ExploreSpec.from_yaml(str(tmp_path / "missing"))
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(DSEError, match="is empty"):
        ExploreSpec.from_yaml(str(empty))
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"\xde\xad\xbe\xef\x00")
    with pytest.raises(DSEError, match="not UTF-8"):
        ExploreSpec.from_yaml(str(junk))
    good = tmp_path / "ok.yaml"
    good.write_text(yaml.safe_dump(_OK))
    assert ExploreSpec.from_yaml(str(good)).workload["M"] == 8


def test_seq_zero_is_not_dropped():
    # `fusebound map attention-1pass --seq 0` used to search the model's default length
    spec, _ = map_cli_spec("attention-1pass", {}, "bert", 0, "fusemax")
    assert spec["seq_len"] == 0
    with pytest.raises(DSEError, match="seq_len must be a positive integer; got 0"):
        search(spec, budget=10, progress=False)


def test_negative_seed_is_named():
    with pytest.raises(DSEError, match="seed of the mapping search"):
        search({"einsum": "gemm", "M": 8, "N": 8, "K": 8}, budget=10, seed=-1, progress=False)


def test_huge_rank_is_refused_not_factored_for_hours():
    assert divisors(12) == [1, 2, 3, 4, 6, 12]
    with pytest.raises(DSEError, match="cannot tile a rank of size"):
        divisors(10 ** 20)


def test_cli_map_huge_rank_exit_2(capsys):
    assert main(["map", "gemm", "-s", f"M={10 ** 20}", "-s", "N=4", "-s", "K=4",
                 "--budget", "10"]) == 2
    assert "2**53" in capsys.readouterr().err


@pytest.mark.parametrize("kw, message", [
    (dict(models=["bert", "t5", "t5"]), "models .* must not repeat; got \\['t5'\\]"),
    (dict(models=["bert"], seq_lens=[1024, 1024]), "sequence lengths .* must not repeat"),
])
def test_fusemax_repeats_would_skew_the_averages(kw, message):
    # `fusebound fusemax --models bert t5 t5` weighed t5 twice in the mean speedup
    from dse.fusemax import reproduce
    with pytest.raises(DSEError, match=message):
        reproduce(**kw)


def test_zero_workers_is_refused_not_all_cores():
    from dse.executors import LocalExecutor
    with pytest.raises(DSEError, match="workers of the local executor must be >= 1; got 0"):
        LocalExecutor(workers=0).map(abs, [1, 2])
