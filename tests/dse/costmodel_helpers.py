"""Shared small specs for the dse tests."""

from dse.arch import Architecture


def tiny_arch(capacity_words: int = 40, rows: int = 4, cols: int = 4) -> Architecture:
    """A 4 x 4 array with round numbers so costs can be checked by hand: clock 1 Hz (cycles =
    seconds), DRAM 68 bytes/s, 1-word accesses, energies mac 1, buffer read 1 / write 2,
    DRAM 10 pJ per word."""
    return Architecture.from_dict({
        "name": "tiny", "clock_hz": 1.0, "word_bits": 16,
        "levels": [
            {"name": "dram", "capacity_words": None, "access_words": 1, "read_pJ": 10.0,
             "write_pJ": 10.0, "bandwidth_bytes_per_s": 68.0},
            {"name": "glb", "capacity_words": capacity_words, "access_words": 1, "read_pJ": 1.0,
             "write_pJ": 2.0, "area_um2": 100.0}],
        "arrays": [
            {"name": "2d", "dims": {"rows": rows, "cols": cols},
             "ops": {"mac": {"cycles": 1, "actions": {"mac": 1}},
                     "add": {"cycles": 1, "actions": {"add": 1}}},
             "units": {"mac": 1}},
            {"name": "1d", "dims": {"pes": 4},
             "ops": {"add": {"cycles": 1, "actions": {"add": 1}}}, "units": {"add": 1}}],
        "energy_pJ": {"mac": 1.0, "add": 0.5}, "area_um2": {"mac": 10.0, "add": 5.0}})
