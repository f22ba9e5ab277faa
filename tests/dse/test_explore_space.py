"""Architecture-space sweeps: points, validation, YAML specs (no mapping needed)."""

from __future__ import annotations

import pytest

from dse.errors import DSEError
from dse.explorer import ArchSpace, ExploreSpec


def test_points_are_the_cartesian_product():
    space = ArchSpace(base="fusemax", array_2d=(16, (32, 64)), buffer_words=(2 ** 20, 2 ** 22),
                      bandwidth_bytes_per_s=(1e11,))
    pts = space.points()
    assert len(pts) == 2 * 2 * 1
    params = [p for p, _ in pts]
    assert {(p["rows"], p["cols"]) for p in params} == {(16, 16), (32, 64)}
    assert {p["buffer_words"] for p in params} == {2 ** 20, 2 ** 22}
    for p, arch in pts:
        assert dict(arch.array("2d").dims) == {"rows": p["rows"], "cols": p["cols"]}
        assert arch.buffer.capacity_words == p["buffer_words"]
        assert arch.dram.bandwidth_bytes_per_s == 1e11
        assert arch.array("1d").dims["pes"] == 256  # untouched


def test_link_1d_to_cols_and_area_grows_with_the_array():
    space = ArchSpace(base="fusemax", array_2d=(16, 64, 256), link_1d_to_cols=True)
    pts = space.points()
    assert [a.array("1d").dims["pes"] for _, a in pts] == [16, 64, 256]
    areas = [a.area_um2_total for _, a in pts]
    assert areas == sorted(areas) and areas[0] < areas[-1]
    # the 256 point is the FuseMax preset itself
    from dse import arch

    assert pts[-1][1].area_um2_total == pytest.approx(arch.get("fusemax").area_um2_total)


def test_buffer_area_scales_with_capacity():
    space = ArchSpace(base="fusemax", buffer_words=(8 * 2 ** 20,))  # 16 MiB of 16-bit words
    (_, a), = space.points()
    from dse import arch

    base = arch.get("fusemax")
    assert a.buffer.area_um2 == pytest.approx(base.buffer.area_um2 * 8 * 2 ** 20 /
                                              base.buffer.capacity_words)


@pytest.mark.parametrize("kwargs, match", [
    ({"array_2d": ((16, 16, 16),)}, "rows, cols"),
    ({"array_1d": (0,)}, "positive"),
    ({"array_1d": (16,), "link_1d_to_cols": True}, "exclude"),
    ({"bandwidth_bytes_per_s": "fast"}, "must be a list"),
    ({"base": "tpu"}, "unknown architecture"),
])
def test_bad_arch_spaces(kwargs, match):
    with pytest.raises(DSEError, match=match):
        ArchSpace(**kwargs)


def test_explore_spec_yaml_round_trip(tmp_path):
    text = """
workload: {einsum: gemm, M: 64, N: 64, K: 64}
arch_space: {base: fusemax, array_2d: [16, 32]}
search: {objective: edp, budget: 500}
"""
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    spec = ExploreSpec.from_yaml(str(p))
    assert spec.search["objective"] == "edp" and len(spec.arch_space.points()) == 2
    again = ExploreSpec.from_dict(spec.to_dict())
    assert again.to_dict() == spec.to_dict()


@pytest.mark.parametrize("text, match", [
    ("workload: {einsum: gemm, M: 4, N: 4, K: 4}\n", "missing key"),
    ("workload: {einsum: gem, M: 4}\narch_space: {}\n", "unknown einsum"),
    ("workload: {einsum: gemm, M: 4, N: 4, K: 4}\narch_space: {}\nsearch: {speed: 1}\n",
     "unknown key"),
    ("workload: [1, 2\n", "malformed YAML"),
])
def test_bad_explore_specs(tmp_path, text, match):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(DSEError, match=match):
        ExploreSpec.from_yaml(str(p))
