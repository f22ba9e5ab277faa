"""Open-toolchain synthesis labels: da4ml -> Verilog -> Yosys, and the job runner that grows
the ``datasets/openflow`` dataset.

Public API (da4ml and yosys are used only when a design is synthesized)::

    NetworkSpec, reference_forward                 fpga.openflow.network
    DesignSpace, load_space, default_space         fpga.openflow.space
    synthesize_design                              fpga.openflow.flow
    generate                                       fpga.openflow.runner
    load_model_spec, synth_model                   fpga.openflow.models
    read_dataset                                   fpga.openflow.store
    to_design, to_record, split_masks, da4ml_baseline, summarize   fpga.openflow.dataset

``fpga.read_records("datasets/openflow")`` yields the dataset as :class:`fpga.Record`s.
"""

from __future__ import annotations

from fpga.openflow.dataset import da4ml_baseline, split_masks, summarize, to_design, to_record
from fpga.openflow.errors import OpenFlowError
from fpga.openflow.flow import synthesize_design
from fpga.openflow.models import load_model_spec, synth_model
from fpga.openflow.network import NetworkSpec, reference_forward
from fpga.openflow.runner import generate
from fpga.openflow.space import DesignSpace, default_space, load_space
from fpga.openflow.store import read_dataset

__all__ = ["OpenFlowError", "NetworkSpec", "reference_forward", "DesignSpace", "load_space",
           "default_space", "synthesize_design", "generate", "load_model_spec", "synth_model",
           "read_dataset", "to_design", "to_record", "split_masks", "da4ml_baseline", "summarize"]
