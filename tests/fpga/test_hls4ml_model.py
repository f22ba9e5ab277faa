"""A PyTorch MLP converted by real hls4ml (no synthesis) imported as a Design."""

from __future__ import annotations

import pytest

import fpga
from fpga import check_reuse_factor


@pytest.fixture(scope="module")
def model_graph(tmp_path_factory):
    hls4ml = pytest.importorskip("hls4ml", reason="hls4ml not installed (the hls4ml extra)")
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 5), nn.Softmax(dim=1))
    with torch.no_grad():
        model[0].weight[:, :8] = 0.0  # half of the first layer pruned
    cfg = hls4ml.utils.config_from_pytorch_model(
        model, input_shape=(16,), granularity="name", backend="Vivado",
        default_precision="ap_fixed<16,6>", default_reuse_factor=20)
    cfg["Model"]["Strategy"] = "Resource"
    return hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=cfg, output_dir=str(tmp_path_factory.mktemp("hls4ml_prj")),
        backend="Vivado", io_type="io_parallel", part="xcu250-figd2104-2L-e", clock_period=5)


def test_modelgraph_to_design(model_graph):
    d = fpga.from_hls4ml(model_graph, name="mlp")
    assert [l.type for l in d.layers] == ["Input", "Dense", "Activation", "Dense", "Activation"]
    assert d.edges == ((0, 1), (1, 2), (2, 3), (3, 4))
    assert (d.strategy, d.io_type, d.part, d.clock_period_ns) == (
        "resource", "io_parallel", "xcu250-figd2104-2L-e", 5.0)
    dense = [l for l in d.layers if l.type == "Dense"]
    assert [l.parameters for l in dense] == [16 * 32 + 32, 32 * 5 + 5]
    assert [(l.input_shape, l.output_shape) for l in dense] == [((16,), (32,)), ((32,), (5,))]
    assert dense[0].precision.weight == fpga.Precision(16, 6)
    assert [l.attrs["sparsity"] for l in dense] == [0.5, 0.0]  # share of zero weights
    assert d.layers[-1].activation == "softmax"
    # hls4ml replaced the invalid requested 20 by its closest valid value; so does our rule
    for l in dense:
        assert l.reuse_factor == check_reuse_factor(l.n_in, l.n_out, 20).used != 20
    assert fpga.Design.from_dict(d.to_dict()) == d
    est = fpga.estimate(d)
    assert est.dsp > 0 and est.fits


def test_not_a_modelgraph():
    with pytest.raises(fpga.DesignError, match="ModelGraph"):
        fpga.from_hls4ml(object())


def test_record_from_built_project(model_graph):
    """Reports placed where an hls4ml build writes them become the record's labels."""
    from pathlib import Path

    from test_importers import CSYNTH_XML, UTILIZATION_RPT

    out = Path(model_graph.config.get_config_value("OutputDir"))
    with pytest.raises(fpga.DesignError, match="build the project"):
        fpga.record_from_hls4ml(model_graph)
    rep = out / "myproject_prj" / "solution1" / "syn" / "report"
    rep.mkdir(parents=True)
    (rep / "myproject_csynth.xml").write_text(CSYNTH_XML.format(
        lat_min=40, lat_max=42, ii=16, bram18=4, dsp=42, ff=2000, lut=3000))
    (out / "vivado_synth.rpt").write_text(UTILIZATION_RPT)
    rec = fpga.record_from_hls4ml(model_graph)
    assert rec.labels["latency_cycles"] == 42 and rec.provenance["latency_cycles"] == "hls_estimate"
    assert rec.labels["lut"] == 3102 and rec.provenance["lut"] == "post_synthesis"
    rec = fpga.record_from_hls4ml(model_graph, label_source="hls_estimate")
    assert rec.labels["lut"] == 3000 and rec.labels["bram"] == 2.0
    assert [l.type for l in rec.design.layers][1] == "Dense"
