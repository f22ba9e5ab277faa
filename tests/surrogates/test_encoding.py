"""Graph encoding: skip connections, features, the structured readout's maths, bad input."""

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
