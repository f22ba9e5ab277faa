"""Open-toolchain synthesis labels: da4ml -> Verilog -> Yosys, and the job runner that grows
the ``datasets/openflow`` dataset.

Public API (heavy dependencies - da4ml, yosys - are imported only when used)::

    NetworkSpec, reference_forward          fpga.openflow.network
    DesignSpace, load_space, default_space  fpga.openflow.space
    synthesize_design                       fpga.openflow.flow
    generate                                fpga.openflow.runner
    read_dataset, make_splits               fpga.openflow.store / .splits
"""

from __future__ import annotations

from fpga.openflow.errors import OpenFlowError
from fpga.openflow.network import NetworkSpec, reference_forward

__all__ = ["OpenFlowError", "NetworkSpec", "reference_forward"]
