"""Cell-count parsing on captured Yosys 0.23 ``stat`` output and label derivation."""

from __future__ import annotations

from pathlib import Path

import pytest

from fpga.openflow.yosys import YosysError, labels_from_cells, parse_stat

DATA = Path(__file__).parent / "data"


def test_parse_captured_combinational_stat():
    # Captured from: da4ml 0.5.2 trace of a 16-32-5 network (6-bit weights, 8-bit input/act),
    # Yosys 0.23 `synth_xilinx -top model -family xc7 -flatten; stat`.
    cells = parse_stat((DATA / "yosys023_stat_comb_16-32-5.txt").read_text())
    assert cells["CARRY4"] == 2172 and cells["LUT2"] == 6292 and cells["OBUF"] == 92
    assert sum(cells.values()) == 10952  # the file's "Number of cells" line
    lab = labels_from_cells(cells)
    # by hand from the file: LUT2..LUT6 = 6292+845+593+68+395 = 8193, plus INV 355 -> 8548
    assert lab["lut"] == 8548
    assert lab["ff"] == 0 and lab["carry"] == 2172 and lab["dsp"] == 0 and lab["bram"] == 0
    assert lab["muxf"] == 12  # MUXF7 11 + MUXF8 1


def test_parse_captured_pipelined_stat():
    cells = parse_stat((DATA / "yosys023_stat_pipe_16-32-5.txt").read_text())
    lab = labels_from_cells(cells)
    # by hand: 6486+753+532+56+473 = 8300 LUTs + 347 INV = 8647; FDRE 1876; CARRY4 2228
    assert (lab["lut"], lab["ff"], lab["carry"]) == (8647, 1876, 2228)


def test_parse_newer_layout_and_last_section():
    # Yosys >= 0.4x prints "count  name"; two sections: the last (top) one wins.
    text = """
=== sub ===
   Number of cells:                  1
     LUT2                            1

=== model ===
        5 cells
   Number of cells:                  5
        2   LUT6
        1   FDRE
        1   RAMB18E1
        1   DSP48E1
"""
    cells = parse_stat(text)
    assert cells == {"LUT6": 2, "FDRE": 1, "RAMB18E1": 1, "DSP48E1": 1}
    lab = labels_from_cells(cells)
    assert (lab["lut"], lab["ff"], lab["bram"], lab["dsp"]) == (2, 1, 0.5, 1)


def test_parse_rejects_missing_and_inconsistent_stat():
    with pytest.raises(YosysError, match="Number of cells"):
        parse_stat("ERROR: something went wrong\n")
    with pytest.raises(YosysError, match="sum to 3"):
        parse_stat("   Number of cells:   4\n     LUT2   3\n")
