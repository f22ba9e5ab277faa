"""Spatial-array cost model, mapper and architecture exploration for Einsum cascades."""
