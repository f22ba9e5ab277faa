"""I/O lower bounds and attainable traffic-versus-buffer curves for Einsum cascades."""
