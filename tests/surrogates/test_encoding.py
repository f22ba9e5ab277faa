"""Graph encoding: skip connections, features, the structured readout's maths, bad input."""

import dataclasses
import math

import numpy as np
import pytest

from surrogates.encoding import EncodedSet
from surrogates.errors import SurrogateError
from surrogates.features import (ACTIVATIONS, LAYER_TYPES, NODE_NUMERIC, activation_code,
                                 layer_type_code)
from surrogates.packed import pack_designs


def _bipc(hls_root):
    import fpga
    f = hls_root / "wa_hls4ml/fixtures/exemplar_models.first_Bipc_Particle.json"
    recs = [r for r in fpga.read_records(f) if r.design.name.startswith("Bipc")]
    return recs[0].design


def test_skip_connections_are_edges_with_flag(hls_root):
    d = _bipc(hls_root)
    enc = EncodedSet.from_packed(pack_designs([d]))
    data = enc.to_pyg()[0]
    src, dst = data.edge_index.numpy()
    skips = {(int(s), int(t)) for s, t, k in zip(src, dst, data.edge_attr[:, 0]) if k == 1}
    # BiPC: every Add (layer 4, 7, 10, 13, 16) takes the block input two levels back
    assert skips == {(2, 4), (5, 7), (8, 10), (11, 13), (14, 16)}
    assert data.x.shape == (len(d.layers), len(NODE_NUMERIC) + len(LAYER_TYPES) + len(ACTIVATIONS))
    add = LAYER_TYPES.index("Add")
    onehot = data.x[:, len(NODE_NUMERIC):len(NODE_NUMERIC) + len(LAYER_TYPES)].numpy()
    assert np.all(onehot.sum(axis=1) == 1)
    assert [i for i in range(len(d.layers)) if onehot[i, add]] == [4, 7, 10, 13, 16]
    assert data.graph_x.shape[0] == 1


def test_collate_matches_single_graphs(csv_small):
    enc = EncodedSet.from_packed(csv_small.take(np.arange(5)))
    b = enc.collate([3, 1])
    singles = enc.to_pyg([3, 1])
    n3 = singles[0].x.shape[0]
    assert np.allclose(b.x[:n3].numpy(), singles[0].x.numpy())
    assert np.allclose(b.x[n3:].numpy(), singles[1].x.numpy())
    # edges of the second graph are shifted by the node count of the first
    e2 = b.edge_index[:, singles[0].edge_index.shape[1]:].numpy()
    assert np.array_equal(e2 - n3, singles[1].edge_index.numpy())


def test_critical_path_hand_example():
    torch = pytest.importorskip("torch")
    from surrogates.nets import critical_path, graph_logsumexp
    # diamond 0->1->3, 0->2->3 with per-layer latencies 1, 5, 2, 1 cycles:
    # longest path 0-1-3 = 1 + 5 + 1 = 7 cycles
    z = torch.log(torch.tensor([1.0, 5.0, 2.0, 1.0]))
    ei = torch.tensor([[0, 0, 1, 2], [1, 2, 3, 3]])
    level = torch.tensor([0, 1, 1, 2])
    batch = torch.zeros(4, dtype=torch.long)
    assert math.exp(critical_path(z, ei, level, batch, 1).item()) == pytest.approx(7.0, rel=1e-5)
    # resource readout: sum of contributions 1 + 5 + 2 + 1 = 9
    lse = graph_logsumexp(z[:, None], batch, 1)
    assert math.exp(lse.item()) == pytest.approx(9.0, rel=1e-5)


def test_structured_readout_sum_and_zero_gate():
    """y = gate * (sum of per-layer contributions + design term); a closed gate gives 0."""
    torch = pytest.importorskip("torch")
    from types import SimpleNamespace

    from surrogates.nets import StructuredReadout
    ro = StructuredReadout(hidden=3, design_dim=2, kinds=["sum"], mean=[0.0], std=[1.0])
    contrib = torch.tensor([[1.0], [5.0], [2.0]])

    class Const(torch.nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, x):
            return torch.log(self.value)

    with torch.no_grad():  # node head -> log contributions, design head -> log 0.5
        ro.node_head = Const(contrib)
        ro.design_head = Const(torch.tensor([[0.5]]))
        b = SimpleNamespace(batch=torch.zeros(3, dtype=torch.long), num_graphs=1,
                            edge_index=torch.tensor([[0, 1], [1, 2]]), level=torch.arange(3))
        ro.zero_gate.weight.zero_()
        ro.zero_gate.bias.fill_(30.0)  # open
        y = torch.expm1(ro(torch.zeros(3, 3), torch.zeros(1, 2), b)).item()
        assert y == pytest.approx(8.5, rel=1e-5)
        ro.zero_gate.bias.fill_(-30.0)  # closed: the design does not use the resource
        y = torch.expm1(ro(torch.zeros(3, 3), torch.zeros(1, 2), b)).item()
        assert 0.0 <= y < 1e-10


def test_structured_readout_linear_path_is_a_power_law():
    """With the linear path, log contribution = node head + w . x: contributions 2 and 3 from
    x = log 2, log 3 and w = (1, 0), so y = 2 + 3 + design term 0.5 (gate open)."""
    torch = pytest.importorskip("torch")
    import math
    from types import SimpleNamespace

    from surrogates.nets import StructuredReadout
    ro = StructuredReadout(hidden=3, design_dim=2, kinds=["sum"], mean=[0.0], std=[1.0],
                           node_dim=2)
    b = SimpleNamespace(batch=torch.zeros(2, dtype=torch.long), num_graphs=1,
                        edge_index=torch.tensor([[0], [1]]), level=torch.arange(2))
    x = torch.tensor([[math.log(2.0), 5.0], [math.log(3.0), 7.0]])
    with torch.no_grad():
        ro.zero_gate.weight.zero_()
        ro.zero_gate.bias.fill_(30.0)
        ro.node_head[-1].weight.zero_()
        ro.node_head[-1].bias.zero_()  # deep path: log 1 per layer
        ro.design_head[-1].weight.zero_()
        ro.design_head[-1].bias.fill_(math.log(0.5))
        base = torch.expm1(ro(torch.zeros(2, 3), torch.zeros(1, 2), b, x)).item()
        assert base == pytest.approx(2.5, rel=1e-5)  # linear path starts at zero: 1 + 1 + 0.5
        ro.node_linear.weight.copy_(torch.tensor([[1.0, 0.0]]))
        y = torch.expm1(ro(torch.zeros(2, 3), torch.zeros(1, 2), b, x)).item()
        assert y == pytest.approx(2.0 + 3.0 + 0.5, rel=1e-5)


def test_unknown_layer_and_activation_are_clear_errors():
    with pytest.raises(SurrogateError, match="layer type must be one of"):
        layer_type_code("FancyAttention")
    with pytest.raises(SurrogateError, match="activation must be one of"):
        activation_code("mystery_act")
    assert layer_type_code("QDense") == LAYER_TYPES.index("Dense")
    assert activation_code("quantized_relu(4,1)") == ACTIVATIONS.index("relu")


def test_bad_design_inputs_to_predict():
    from surrogates.predict import to_packed
    good = {"name": "d", "layers": [
        {"name": "in", "type": "Input", "input_shape": [16], "output_shape": [16]},
        {"name": "fc", "type": "Dense", "input_shape": [16], "output_shape": [8],
         "parameters": 136, "reuse_factor": 1,
         "precision": {"weight": "ap_fixed<8,3>", "result": "ap_fixed<16,6>"}}]}
    assert len(to_packed(good)) == 1
    bad_type = {**good, "layers": [good["layers"][0], {**good["layers"][1], "type": "Fancy"}]}
    with pytest.raises(SurrogateError, match="Fancy"):
        to_packed(bad_type)
    bad_prec = {**good, "layers": [good["layers"][0], {**good["layers"][1],
                                                       "precision": {"weight": "ap_fixed<8"}}]}
    with pytest.raises(SurrogateError, match="ap_fixed<8"):
        to_packed(bad_prec)
    with pytest.raises(SurrogateError, match="at least one design"):
        to_packed([])
    with pytest.raises(SurrogateError, match="part"):
        to_packed(good, part="xc_no_such_part")


def _openflow_row(mode, cutoff, sparsity):
    return {"design_id": f"d-{mode}-{cutoff}-{sparsity}", "widths": [6, 8, 3], "input_bits": 8,
            "input_int_bits": 3, "weight_bits": 4, "weight_frac_bits": 3, "act_bits": 8,
            "act_int_bits": 3, "bias": True, "sparsity": sparsity, "mode": mode,
            "latency_cutoff": cutoff}


def test_da4ml_switches_and_sparsity_reach_the_features():
    """Combinational / pipelined, the latency cutoff and weight sparsity of open-flow designs
    are features (they decide FF, latency and LUT); designs without them encode as 0."""
    from fpga.openflow.dataset import to_design
    from surrogates.features import GRAPH_NUMERIC, graph_feature_names, node_feature_names

    designs = [to_design(_openflow_row("combinational", None, 0.75)),
               to_design(_openflow_row("pipelined", 4.0, 0.25))]
    enc = EncodedSet.from_packed(pack_designs(designs))
    g = dict(zip(graph_feature_names(), enc.graph_x.T))
    assert list(g["combinational"]) == [1.0, 0.0]
    assert g["inv_latency_cutoff"][0] == 0.0 and g["inv_latency_cutoff"][1] == pytest.approx(0.25)
    assert g["log_latency_cutoff"][1] == pytest.approx(math.log1p(4.0))
    nf = node_feature_names()
    sp = enc.node_x[:, nf.index("weight_sparsity")]
    assert list(sp) == pytest.approx([0.0, 0.75, 0.75, 0.0, 0.25, 0.25])  # Input rows: no weights
    nz = enc.node_x[:, nf.index("log_nonzero_weight_bits")]
    assert nz[1] < nz[4]  # same layer, 75% vs 25% zeros
    assert "combinational" in GRAPH_NUMERIC


def test_in_value_bits_is_the_layers_own_width_or_the_declared_one():
    """``in_value_bits``: a layer's ``value_bits`` (what its weights really see) where the design
    knows it; the declared input width (``in_bits``) otherwise or when it is unreadable."""
    from fpga.openflow.dataset import to_design
    from surrogates.features import LAYER_COLUMNS

    row = dict(_openflow_row("combinational", None, 0.5), seed=1)
    d = to_design(row)
    assert all("value_bits" not in l.attrs for l in d.layers)  # no digest: weights unknown
    layers = [dataclasses.replace(l, attrs={**(l.attrs or {}), "value_bits": v})
              for l, v in zip(d.layers, (float("nan"), 7.5, "junk"))]
    p = pack_designs([dataclasses.replace(d, layers=tuple(layers))])
    declared = p.layer_num[:, LAYER_COLUMNS.index("in_bits")].tolist()
    assert declared == [8.0, 8.0, 8.0]  # input width, then the hidden ufixed<8, 3>
    assert p.layer_num[:, LAYER_COLUMNS.index("in_value_bits")].tolist() == [8.0, 7.5, 8.0]


def test_hls4ml_designs_encode_the_da4ml_switches_as_zero(csv_small):
    from surrogates.features import graph_feature_names, node_feature_names
    enc = EncodedSet.from_packed(csv_small.take(np.arange(5)))
    g = dict(zip(graph_feature_names(), enc.graph_x.T))
    for k in ("combinational", "log_latency_cutoff", "inv_latency_cutoff"):
        assert np.all(g[k] == 0)
    assert np.all(enc.node_x[:, node_feature_names().index("weight_sparsity")] == 0)


def test_rom_bram18_feature_matches_the_estimators_rule():
    import math

    from fpga.estimator import bram18_for
    from surrogates.features import LAYER_COLUMNS, rom_bram18
    rng = np.random.default_rng(0)
    x = np.zeros((300, len(LAYER_COLUMNS)))
    rf, p, w = (LAYER_COLUMNS.index(c) for c in ("reuse_factor", "parameters", "weight_bits"))
    x[:, rf] = rng.integers(1, 40000, 300)
    x[:, p] = rng.integers(0, 100000, 300)
    x[:, w] = rng.integers(1, 17, 300)
    want = [bram18_for(int(math.ceil(a / r) * b), int(r)) for r, a, b in zip(x[:, rf], x[:, p], x[:, w])]
    assert rom_bram18(x).tolist() == want
