"""hls4ml design model, importers, FPGA part catalog and analytic estimator."""
