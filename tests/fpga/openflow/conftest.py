"""Fixtures of the open-flow tests: the tools (Yosys, da4ml) and a tiny design space.

Tests that need Yosys or da4ml skip locally when they are absent and fail under CI=true
(``.ci/run`` installs both).
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def _require(ok: bool, what: str, how: str) -> None:
    if ok:
        return
    msg = f"{what} is not installed ({how})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " - CI=true: the open-flow tests must run")
    pytest.skip(msg)


@pytest.fixture
def tools() -> None:
    """Skip (fail under CI) unless both yosys and da4ml are available."""
    _require(shutil.which("yosys") is not None, "yosys", "apt-get install -y yosys")
    _require(importlib.util.find_spec("da4ml") is not None, "da4ml", "pip install 'fusebound[openflow]'")


TINY_SPACE = {
    "name": "tiny-test", "seed": 7, "layers": [1, 2], "neurons": [3, 5], "input_bits": [4, 5],
    "weight_bits": [2, 3], "act_bits": [4, 5], "sparsity": [0.0, 0.5], "bias": [False],
    "modes": ["combinational", "pipelined"], "latency_cutoffs": [2], "max_nonzero_weight_bits": 100,
    "timeout_s": 120,
}
