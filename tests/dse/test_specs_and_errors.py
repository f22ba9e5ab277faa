"""Spec round-trips (dict and YAML) and every bad-input path of the cost model's specs/API."""

import pytest

from dse import arch as arch_mod
from dse import mapping as mapping_mod
from dse import workload as workload_mod
from dse.api import query
from dse.arch import Architecture
from dse.errors import DSEError, MappingError
from dse.mapping import Binding, Kernel, Mapping
from dse.model import evaluate
from dse.workload import Workload
from einsum_cascade import library

from costmodel_helpers import tiny_arch


@pytest.mark.parametrize("name", arch_mod.names())
def test_architecture_round_trips(name, tmp_path):
    a = arch_mod.get(name)
    assert Architecture.from_dict(a.to_dict()) == a
    assert Architecture.from_yaml(a.to_yaml()) == a
    p = tmp_path / "a.yaml"
    p.write_text(a.to_yaml())
    assert Architecture.from_yaml(p) == a
    assert Architecture.from_yaml(str(p)) == a


@pytest.mark.parametrize("name", mapping_mod.names())
def test_mapping_round_trips(name):
    m = mapping_mod.get(name)
    assert Mapping.from_dict(m.to_dict()) == m
    assert Mapping.from_yaml(m.to_yaml()) == m


@pytest.mark.parametrize("name", workload_mod.names())
def test_workload_round_trips(name):
    w = workload_mod.get(name, 4096)
    assert Workload.from_yaml(w.to_yaml()) == w
    assert w.attention_sizes()["P"] == 4096 and len(w.gemms()) == 6


def test_specs_are_frozen():
    a = arch_mod.get("fusemax")
    with pytest.raises(Exception):
        a.clock_hz = 1.0
    with pytest.raises(TypeError):
        a.energy_pJ["mac"] = 0.0


def test_preset_facts_from_the_spec():
    fm, flat = arch_mod.get("fusemax"), arch_mod.get("flat")
    assert fm.array("2d").pes == 65536 and fm.array("1d").pes == 256
    assert fm.array("2d").ops["exp"].cycles == 7 and dict(fm.array("2d").ops["exp"].actions) == {
        "mac": 6, "add": 1}
    assert flat.array("1d").ops["exp"].cycles == 1 and "max" not in flat.array("2d").ops
    assert fm.buffer.capacity_words == 16 * 2 ** 20 // 2 and flat.buffer.capacity_words == 2 * fm.buffer.capacity_words
    assert fm.dram.bandwidth_bytes_per_s == 400 * 2 ** 30


@pytest.mark.parametrize("call,match", [
    (lambda: arch_mod.get("tpu"), r"unknown architecture 'tpu'; valid names: flat, flat-edge, fusemax"),
    (lambda: mapping_mod.get("nope"), r"unknown mapping 'nope'; valid names:.*fusemax"),
    (lambda: workload_mod.get("gpt9"), r"unknown workload 'gpt9'; valid names:.*bert"),
    (lambda: query("no-such-cascade"), r"unknown workload 'no-such-cascade'"),
    (lambda: query("attention-3pass", mapping="fusemax"),
     r"mapping 'fusemax' is written for cascade 'attention-1pass', not 'attention-3pass'; "
     r"mappings for 'attention-3pass': unfused, flat"),
    (lambda: query("attention-1pass", arch="flat", mapping="fusemax", model="bert", seq_len=1024),
     r"array '2d' of architecture 'flat' cannot execute op 'max' needed by Einsum 'LM'"),
    (lambda: query("gemm", mapping="gemm", M=0, K=1, N=1), r"size of rank M must be a positive integer"),
    (lambda: Architecture.from_yaml("name: x\nlevels: [\n"), r"malformed YAML for architecture"),
    (lambda: Mapping.from_yaml("- 1\n- 2\n"), r"mapping YAML must be a mapping at the top level"),
    (lambda: Architecture.from_yaml("missing.yaml"), r"cannot read architecture file 'missing.yaml'"),
])
def test_clear_errors(call, match):
    with pytest.raises(DSEError, match=match):
        call()


def _arch_dict(**changes):
    d = tiny_arch().to_dict()
    d.update(changes)
    return d


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d.update(clock_hz=-1), r"clock_hz of architecture 'tiny' must be a positive"),
    (lambda d: d.update(color="red"), r"unknown key\(s\) \['color'\] in architecture"),
    (lambda d: d.pop("arrays"), r"missing key\(s\) \['arrays'\] in architecture"),
    (lambda d: d["levels"].pop(), r"levels of architecture 'tiny' must be exactly two"),
    (lambda d: d["levels"][1].update(capacity_words=0), r"capacity_words of memory level 'glb' must be a positive integer"),
    (lambda d: d["levels"][0].update(bandwidth_bytes_per_s=None), r"off-chip level 'dram'.*bandwidth"),
    (lambda d: d["arrays"][0]["dims"].update(rows=0), r"size of dimension 'rows' of compute array '2d'"),
    (lambda d: d["arrays"][0]["ops"]["mac"]["actions"].update(fma=1), r"unit 'fma' used by op 'mac'.*energy_pJ"),
    (lambda d: d["arrays"].append(dict(d["arrays"][0])), r"compute array names of architecture 'tiny' must be unique"),
])
def test_bad_architectures(mutate, match):
    d = tiny_arch().to_dict()
    mutate(d)
    with pytest.raises(DSEError, match=match):
        Architecture.from_dict(d)


def _gemm_map(**kernel) -> Mapping:
    k = {"name": "k", "einsums": ["Z"], "tiles": {"M": 4}, "order": ["M"], **kernel}
    return Mapping.from_dict({"name": "g", "cascade": "gemm", "kernels": [k],
                              "bindings": [{"einsum": "Z", "array": "2d",
                                            "spatial": {"M": "cols", "N": "rows"}}]})


@pytest.mark.parametrize("build,match", [
    (lambda: _gemm_map(tiles={"M": "auto", "N": "auto"}, order=[]), r"at most one 'auto' tile"),
    (lambda: _gemm_map(order=["N"]), r"order of kernel 'k' names rank\(s\) \['N'\] that have no tile"),
    (lambda: _gemm_map(tiles={"M": -2}), r"tile of rank 'M' of kernel 'k' \(or 'auto'\) must be a positive integer"),
    (lambda: _gemm_map(spill=["Z"], registers=["Z"]), r"cannot be both spilled and held in registers"),
    (lambda: _gemm_map(overlap=[["Y"]]), r"overlap group \['Y'\] of kernel 'k' names Einsum 'Y'"),
    (lambda: _gemm_map(min_tiles={"M": 2}), r"min_tiles given for rank 'M' of kernel 'k', whose tile is not 'auto'"),
    (lambda: Mapping("m", "gemm", (Kernel("a", ("Z",)), Kernel("b", ("Z",))), ()),
     r"Einsum 'Z' is in kernels 'a' and 'b'"),
    (lambda: Binding("Z", "2d", {"M": "cols"}, {"N": 2}), r"factor given for rank 'N'.*not spatial"),
    (lambda: Mapping.from_dict({"name": "m", "cascade": "gemm", "kernels": [], "bindings": [],
                                "extra": 1}), r"unknown key\(s\) \['extra'\] in mapping"),
])
def test_bad_mappings(build, match):
    with pytest.raises(MappingError, match=match):
        build()


GEMM = library.get("gemm", M=8, K=3, N=4)


@pytest.mark.parametrize("mapping,match", [
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), ()), r"Einsum 'Z' of cascade 'gemm' has no binding"),
    (Mapping("m", "gemm", (Kernel("k", ("Y",)),), ()), r"kernel 'k' of mapping 'm' of cascade 'gemm' names Einsum 'Y'"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), (Binding("Z", "3d", {}),)), r"names array '3d'; architecture 'tiny' has: 2d, 1d"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), (Binding("Z", "2d", {"M": "depth"}),)),
     r"maps rank 'M' to dimension 'depth' of array '2d', which has dimensions rows, cols"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), (Binding("Z", "2d", {"Q": "rows"}),)),
     r"makes rank 'Q' spatial, but the Einsum iterates only M, N, K"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), (Binding("Z", "2d", {"M": "rows", "N": "rows"}),)),
     r"spatial factors on dimension 'rows' of array '2d' \(size 4\) multiply to 16"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), (Binding("Z", "1d", {}),)),
     r"array '1d' of architecture 'tiny' cannot execute op 'mac' needed by Einsum 'Z'.*executes: add"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",), {"Q": 2}),), (Binding("Z", "2d", {}),)),
     r"kernel 'k' of mapping 'm' of cascade 'gemm' tiles rank 'Q', which its Einsums do not iterate"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",), registers=("Z",)),), (Binding("Z", "2d", {}),)),
     r"registers of kernel 'k'.*names 'Z', which is not an intermediate"),
    (Mapping("m", "gemm", (Kernel("k", ("Z",)),), (Binding("Z", "2d", {}, inner="Q"),)),
     r"inner rank 'Q' of the binding of Einsum 'Z'"),
])
def test_mappings_that_do_not_match_cascade_or_hardware(mapping, match):
    with pytest.raises(MappingError, match=match):
        evaluate(GEMM, tiny_arch(capacity_words=10 ** 6), mapping)


def test_registers_across_arrays_rejected():
    m = mapping_mod.get("cascade")
    bad = Mapping(m.name, m.cascade, (Kernel("attention", m.kernels[0].einsums,
                                             dict(m.kernels[0].tiles), m.kernels[0].order,
                                             registers=("QK",)),), m.bindings)
    with pytest.raises(MappingError, match=r"'QK' cannot stay in the registers of array '2d'.*\['LM'"):
        query("attention-1pass", arch="flat", mapping=bad, model="bert", seq_len=1024)


def test_attention_that_cannot_fit_names_kernel_and_tensor():
    # FuseMax on a 1024-word buffer: even a 256-row tile of Q does not fit
    a = arch_mod.get("fusemax").to_dict()
    a["levels"][1]["capacity_words"] = 1024
    with pytest.raises(MappingError, match=r"kernel 'attention' needs .* words in level 'glb' "
                                           r"\(capacity 1,024 words\) at the smallest tile P=256.*"
                                           r"largest tensor is"):
        query("attention-1pass", arch=Architecture.from_dict(a), mapping="fusemax", model="bert",
              seq_len=1024)


def test_yaml_files_work_in_query(tmp_path):
    a, m = tmp_path / "arch.yaml", tmp_path / "map.yaml"
    a.write_text(arch_mod.get("fusemax").to_yaml())
    m.write_text(mapping_mod.get("fusemax").to_yaml())
    r1 = query("attention-1pass", arch=str(a), mapping=str(m), model="t5", seq_len=1024)
    r2 = query("attention-1pass", model="t5", seq_len=1024)
    assert r1.latency_s == r2.latency_s and r1.energy_pJ == r2.energy_pJ
