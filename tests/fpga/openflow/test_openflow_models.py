"""A user's model file -> NetworkSpec (PyTorch state_dict, npz, YAML spec)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fpga.openflow import OpenFlowError
from fpga.openflow.models import load_model_spec


def test_torch_state_dict_is_quantized_within_half_a_step(tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    path = tmp_path / "net.pt"
    torch.save(net.state_dict(), path)
    spec = load_model_spec(path, weight_bits=8, mode="pipelined", latency_cutoff=4.0)
    assert spec.widths == (5, 4, 3) and spec.bias and spec.mode == "pipelined"
    ws, bs = spec.float_weights()
    step = 2.0 ** -spec.weight_frac_bits
    w0 = net[0].weight.detach().numpy().T
    assert np.abs(ws[0] - w0).max() <= step / 2 + 1e-12
    assert np.abs(bs[1] - net[2].bias.detach().numpy()).max() <= step / 2 + 1e-12


def test_yaml_spec_and_bad_files(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("widths: [4, 3]\nweight_bits: 3\nseed: 2\n")
    assert load_model_spec(p, act_bits=6).widths == (4, 3)
    conv = tmp_path / "conv.pt"
    torch.save({"conv.weight": torch.zeros(2, 1, 3, 3)}, conv)
    with pytest.raises(OpenFlowError, match="only Linear"):
        load_model_spec(conv)
    np.savez(tmp_path / "e.npz", X=np.zeros(2))
    with pytest.raises(OpenFlowError, match="W0"):
        load_model_spec(tmp_path / "e.npz")
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(OpenFlowError, match="weights_only"):
        load_model_spec(tmp_path / "junk.pt")
