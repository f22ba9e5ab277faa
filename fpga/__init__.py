"""hls4ml design model, importers, FPGA part catalog and analytic estimator.

Public API::

    fpga.Design, fpga.Layer, fpga.Precision, fpga.LayerPrecision, fpga.DesignError
    fpga.Record, fpga.read_records(path, source=None, label_source="post_synthesis")
    fpga.parts.get(name), fpga.estimate(design, part=None)
    fpga.check_reuse_factor(n_in, n_out, requested), fpga.valid_reuse_factors(n_in, n_out)
"""

from __future__ import annotations

from fpga import parts
from fpga.design import LAYER_TYPES, Design, Layer
from fpga.errors import DesignError
from fpga.precision import LayerPrecision, Precision
from fpga.records import (PROVENANCES, TARGETS, Record, RecordReader, SkipReport,
                          read_records, summarize_records)
from fpga.reuse import check_reuse_factor, valid_reuse_factors


def estimate(design, part=None, coefficients=None):
    """Analytic resource/latency estimate of ``design`` (see :func:`fpga.estimator.estimate`)."""
    from fpga.estimator import estimate as _estimate

    return _estimate(design, part=part, coefficients=coefficients)


def from_hls4ml(model, name=None):
    """A :class:`Design` from an hls4ml ``ModelGraph`` (see :mod:`fpga.importers.hls4ml_model`)."""
    from fpga.importers.hls4ml_model import design_from_modelgraph

    return design_from_modelgraph(model, name=name)


def record_from_hls4ml(model, label_source="post_synthesis", name=None):
    """A :class:`Record` of a built hls4ml project (design + its synthesis reports)."""
    from fpga.importers.hls4ml_model import record_from_modelgraph

    return record_from_modelgraph(model, label_source=label_source, name=name)


__all__ = ["from_hls4ml", "record_from_hls4ml", "summarize_records", "Design", "Layer", "Precision", "LayerPrecision", "DesignError", "Record",
           "RecordReader", "SkipReport", "read_records", "parts", "estimate", "TARGETS",
           "PROVENANCES", "LAYER_TYPES", "check_reuse_factor", "valid_reuse_factors"]
