"""Design / Layer: validation, graph with skips, dict/JSON/YAML round trips."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fpga import Design, DesignError, Layer, LayerPrecision, Precision


def _layers():
    p = Precision(16, 6)
    return [
        Layer("in", "InputLayer", (36,), (36,)),
        Layer("fc1", "QDense", (36,), (36,), parameters=1332, reuse_factor=36,
              precision=LayerPrecision(weight=Precision(4, 2), result=p, accum=p),
              attrs={"kernel_size": (1,), "use_bias": True}),
        Layer("relu", "ReLU", (36,), (36,), activation="relu"),
        Layer("add", "Add", (36,), (36,), attrs={"input_shapes": [[36], [36]]}),
    ]


def test_types_are_canonical():
    ls = _layers()
    assert [l.type for l in ls] == ["Input", "Dense", "Activation", "Add"]


def test_skip_connection_graph_round_trip(tmp_path):
    d = Design(layers=tuple(_layers()), edges=((0, 1), (1, 2), (2, 3), (0, 3)),
               strategy="Resource", io_type="io_stream", clock_period_ns="5.0",
               part="xcu250-figd2104-2L-e", hls4ml_version="1.1.0", tool_version="2024.2",
               default_precision="fixed<16,6>", name="skip")
    assert d.strategy == "resource" and d.clock_period_ns == 5.0
    assert d.has_skip_connections and d.predecessors(3) == (2, 0) and d.successors(0) == (1, 3)  # edge order kept
    assert Design.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    for suffix in (".json", ".yaml"):
        path = tmp_path / f"d{suffix}"
        d.save(path)
        assert Design.load(path) == d
    assert d.fingerprint() == Design.from_dict(d.to_dict()).fingerprint()
    assert d.fingerprint() != dataclasses.replace(d, strategy="latency").fingerprint()


def test_chain_and_defaults():
    d = Design.chain(_layers()[:3])
    assert d.edges == ((0, 1), (1, 2)) and d.strategy == "latency" and d.io_type == "io_parallel"
    assert not d.has_skip_connections
    assert d.total_parameters == 1332
    assert d.layer("fc1").n_in == 36


def test_from_dict_without_edges_is_chain():
    d = Design.from_dict({"layers": [l.to_dict() for l in _layers()[:2]]})
    assert d.edges == ((0, 1),)


@pytest.mark.parametrize("kw, match", [
    (dict(layers=()), "at least one layer"),
    (dict(edges=((1, 0),)), "src < dst"),
    (dict(edges=((0, 9),)), "src < dst"),
    (dict(edges=((0, 1), (0, 1))), "must not repeat"),
    (dict(edges=((0,),)), "pair of layer"),
    (dict(strategy="fast"), "strategy must be one of"),
    (dict(io_type="io_serial"), "io_type must be one of"),
    (dict(clock_period_ns=0), "clock_period_ns"),
    (dict(clock_period_ns="abc"), "clock_period_ns"),
])
def test_design_validation(kw, match):
    base = dict(layers=tuple(_layers()[:2]), edges=((0, 1),))
    base.update(kw)
    with pytest.raises(DesignError, match=match):
        Design(**base)


def test_duplicate_layer_names():
    with pytest.raises(DesignError, match="unique"):
        Design.chain([Layer("a", "Dense", (2,), (2,)), Layer("a", "Dense", (2,), (2,))])


@pytest.mark.parametrize("kw, match", [
    (dict(type="Transformer"), "not supported; known types"),
    (dict(name=""), "name of Layer"),
    (dict(reuse_factor=0), "reuse_factor"),
    (dict(reuse_factor=2.5), "reuse_factor"),
    (dict(parameters=-1), "parameters"),
    (dict(input_shape=(0, 3)), "input_shape"),
    (dict(output_shape="abc"), "output_shape"),
    (dict(precision={"weight": "fixed<x,1>"}), "precision of layer"),
])
def test_layer_validation(kw, match):
    base = dict(name="l", type="Dense", input_shape=(4,), output_shape=(2,))
    base.update(kw)
    with pytest.raises(DesignError, match=match):
        Layer(**base)


def test_dict_errors(tmp_path):
    with pytest.raises(DesignError, match="unknown keys"):
        Design.from_dict({"layers": [], "colour": "red"})
    with pytest.raises(DesignError, match="list 'layers'"):
        Design.from_dict({"name": "x"})
    with pytest.raises(DesignError, match="missing"):
        Layer.from_dict({"type": "Dense"})
    with pytest.raises(DesignError, match="unknown keys"):
        Layer.from_dict({"name": "a", "type": "Dense", "neurons": 3})
    bad = tmp_path / "d.yaml"
    bad.write_text("layers: [\n")
    with pytest.raises(DesignError, match="not valid yaml"):
        Design.load(bad)
    with pytest.raises(DesignError, match="cannot read"):
        Design.load(tmp_path / "missing.json")


def test_yaml_is_safe_loaded(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("!!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(DesignError):
        Design.load(path)
