"""Importers on the real files in shared/data/hls4ml, plus corrupt and partial input."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

import fpga
from fpga import Design, DesignError, Record, read_records
from fpga.importers import reports


def _json_records(path):
    return json.loads(path.read_text())


# ------------------------------------------------------------------ wa-hls4ml JSON
def test_wa_json_every_fixture_file(hls4ml_data):
    fixtures = hls4ml_data / "wa_hls4ml" / "fixtures"
    reader = read_records(fixtures)
    records = list(reader)
    raw = [r for f in sorted(fixtures.glob("*.json")) for r in _json_records(f)]
    assert len(records) == len(raw) == 13 and reader.skipped.total == 0
    for rec in records:
        assert isinstance(rec, Record) and rec.source.startswith("wa_hls4ml_json:")
        for t in ("lut", "ff", "dsp", "bram", "uram"):
            assert rec.provenance[t] == "post_synthesis"
        assert rec.provenance["latency_cycles"] == "hls_estimate"
        assert rec.design.layers[0].type == "Input"
        assert Design.from_dict(json.loads(json.dumps(rec.design.to_dict()))) == rec.design
        assert Record.from_dict(rec.to_dict()) == rec
    by_uuid = {r["meta_data"].get("uuid") or r["meta_data"].get("model_id"): r for r in raw}
    for rec in records:
        src = by_uuid[rec.meta.get("uuid") or rec.meta.get("model_id")]
        assert rec.labels["lut"] == float(src["resource_report"]["lut"])
        assert rec.labels["bram"] == float(src["resource_report"]["bram"])
        assert rec.labels["latency_cycles"] == float(src["latency_report"]["cycles_max"])
        assert rec.labels["ii_cycles"] == float(src["latency_report"]["interval_max"])
        assert rec.design.part == src["target_part"]
        weighted = [l for l in rec.design.layers if l.type in ("Dense", "Conv2D")]
        actual = [c["reuse_factor"] for c in src["model_config"]
                  if c["class_name"] in ("Dense", "QDense", "QConv2D")]
        assert [l.reuse_factor for l in weighted] == actual


def test_wa_json_variants(hls4ml_data):
    fixtures = hls4ml_data / "wa_hls4ml" / "fixtures"
    recs = {r.design.name: r for r in read_records(fixtures)}
    bipc = recs["Bipc_2b_1024rf_R"]  # exemplar: no names, no inbound_layers, skip Adds
    adds = [i for i, l in enumerate(bipc.design.layers) if l.type == "Add"]
    assert len(adds) == 5 and bipc.design.has_skip_connections
    for i in adds:  # Add takes the Dense before it and the input of that Dense
        assert bipc.design.predecessors(i) == (i - 1, i - 2)
    assert bipc.design.meta.get("edges_inferred") is True
    assert [l.name for l in bipc.design.layers[:3]] == ["input_1", "dense", "activation"]
    two = recs["dense_128_120_104_2b"]  # 2-layer: implicit input, names from inbound_layers
    assert [l.name for l in two.design.layers] == [
        "dense_128_120_104_2b_dense_1_input", "dense_128_120_104_2b_dense_1",
        "dense_128_120_104_2b_dense_2"]
    dense = two.design.layers[1]
    assert dense.precision.weight == fpga.Precision(2, 1)
    assert dense.attrs["requested_reuse_factor"] == 4093 and dense.reuse_factor == 3840
    old = next(r for r in recs.values() if r.design.backend == "VivadoAccelerator")  # 2_20
    assert old.design.tool_version == "2019.1" and old.design.clock_period_ns == 10.0
    assert old.design.default_precision == fpga.Precision(2, 1)
    assert any(l.type == "Dropout" for l in old.design.layers)
    conv = recs["conv2d_26273"]
    c = conv.design.layers[1]
    assert c.type == "Conv2D" and c.attrs["kernel_size"] == [3, 3] and c.attrs["filters"] == 8
    assert conv.design.io_type == "io_stream" and conv.labels["bram"] == 13.5
    q = recs["dense_latency_2001"]
    acts = [l for l in q.design.layers if l.type == "Activation"]
    assert acts[0].activation == "relu"
    assert acts[0].attrs["activation_quantizer"] == "quantized_relu(4,1)"
    assert acts[0].precision.result == fpga.Precision(4, 1, False, "RND_CONV", "SAT")


def test_wa_json_hls_estimate_label_source(hls4ml_data):
    fixtures = hls4ml_data / "wa_hls4ml" / "fixtures"
    reader = read_records(fixtures, label_source="hls_estimate")
    records = list(reader)
    # exemplar records have no hls_resource_report: skipped and counted, never mixed in
    assert len(records) == 11 and reader.skipped.total == 2
    assert reader.skipped.counts["hls_resource_report missing"] == 2
    raw = {r["meta_data"].get("uuid") or r["meta_data"].get("model_id"): r
           for f in fixtures.glob("*.json") for r in _json_records(f)}
    for rec in records:
        assert set(rec.provenance.values()) == {"hls_estimate"}
        src = raw[rec.meta.get("uuid") or rec.meta.get("model_id")]
        assert rec.labels["ff"] == float(src["hls_resource_report"]["ff"])


def test_wa_json_corrupt_and_partial(tmp_path, hls4ml_data):
    raw = _json_records(hls4ml_data / "wa_hls4ml" / "fixtures" / "test_3layer_merged.json")
    empty = dict(raw[0], resource_report={})
    bad_num = json.loads(json.dumps(raw[1]))
    bad_num["resource_report"]["lut"] = "n/a"
    no_model = {k: v for k, v in raw[2].items() if k != "model_config"}
    bad_type = json.loads(json.dumps(raw[3]))
    bad_type["model_config"][0]["class_name"] = "QTransformerBlock"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([empty, bad_num, no_model, bad_type, raw[0], "oops"]))
    reader = read_records(path)
    records = list(reader)
    assert len(records) == 1
    counts = reader.skipped.counts
    assert counts["resource_report empty (logic synthesis failed or not run)"] == 1
    assert counts["non-numeric 'lut' in resource_report"] == 1
    assert counts["model_config is missing or empty"] == 1
    assert reader.skipped.total == 5
    assert any("not supported" in r for r in counts)
    # a truncated file yields the records before the cut and reports the rest
    text = (hls4ml_data / "wa_hls4ml" / "fixtures" / "test_3layer_merged.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: int(len(text) * 0.6)])
    reader = read_records(cut)
    got = list(reader)
    assert 1 <= len(got) < 4
    assert any("truncated" in r for r in reader.skipped.counts)


def test_wa_json_single_object_and_env(tmp_path, hls4ml_data, monkeypatch):
    raw = _json_records(hls4ml_data / "wa_hls4ml" / "fixtures" / "test_2layer_merged.json")
    one = tmp_path / "one.json"
    one.write_text(json.dumps(raw[0]))
    assert len(list(read_records(one))) == 1
    monkeypatch.setenv("FUSEBOUND_HLS4ML_DATA", str(tmp_path))
    assert len(list(read_records())) == 1
    monkeypatch.delenv("FUSEBOUND_HLS4ML_DATA")
    with pytest.raises(DesignError, match="FUSEBOUND_HLS4ML_DATA"):
        read_records()


def test_reader_argument_errors(tmp_path):
    with pytest.raises(DesignError, match="does not exist"):
        read_records(tmp_path / "nope")
    with pytest.raises(DesignError, match="valid sources"):
        read_records(tmp_path, source="parquet")
    with pytest.raises(DesignError, match="label_source"):
        read_records(tmp_path, label_source="both")
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": 1}')
    with pytest.raises(DesignError, match="cannot tell the format"):
        list(read_records(odd))
    reader = read_records(tmp_path)
    assert list(reader) == [] and reader.ignored_files == [str(odd)]


# ------------------------------------------------------------------ wa-hls4ml CSV
def test_wa_csv_exports(hls4ml_data):
    folder = hls4ml_data / "wa_hls4ml" / "csv_exports"
    reader = read_records(folder)
    records = list(reader)
    with open(folder / "3layer.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(records) == len(rows) == 10_001
    # conv2d rows cannot be rebuilt from their layer widths: all skipped, with the reason
    assert reader.skipped.counts == {
        "conv architecture cannot be reconstructed from model_string": 42}
    for rec, row in zip(records[:200], rows[:200]):
        widths = [int(w) for w in row["model_string"].split("-")]
        dense = [l for l in rec.design.layers if l.type == "Dense"]
        assert [l.input_shape[0] for l in dense] + [dense[-1].output_shape[0]] == widths
        assert all(l.precision.weight.width == int(row["prec"]) for l in dense)
        assert all(l.attrs["requested_reuse_factor"] == int(row["rf"]) for l in dense)
        assert rec.labels["bram"] == float(row["BRAM_18K_hls"])
        assert rec.labels["latency_cycles"] == float(row["WorstLatency_hls"])
        assert set(rec.provenance.values()) == {"hls_estimate"}
        assert rec.design.tool_version == "2023.2" and rec.design.hls4ml_version == "0.8.1"


def test_wa_csv_bad_rows(tmp_path, hls4ml_data):
    src = hls4ml_data / "wa_hls4ml" / "csv_exports" / "3layer.csv"
    with open(src, newline="") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames
        rows = [next(reader) for _ in range(4)]
    rows[0]["hls_synth_success"] = "FALSE"
    rows[1]["LUT_hls"] = ""
    rows[2]["model_string"] = "32"
    path = tmp_path / "x.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    reader = read_records(path)
    assert len(list(reader)) == 1 and reader.skipped.total == 3
    assert reader.skipped.counts["hls_synth_success is not TRUE"] == 1


# ------------------------------------------------------------------ N-TORC
def test_ntorc_files(hls4ml_data):
    folder = hls4ml_data / "ntorc"
    reader = read_records(folder)
    records = list(reader)
    n_rows = sum(len(_csv(p)) for p in folder.glob("*.csv"))
    assert len(records) == n_rows and reader.skipped.total == 0
    kinds = {r.meta["layer_type"] for r in records}
    assert kinds == {"dense", "conv", "lstm"}
    for rec in records:
        d = rec.design
        assert d.part == "xczu7ev-ffvc1156-2-e" and d.io_type == "io_stream"
        assert d.strategy == "resource" and d.layers[1].precision.weight == fpga.Precision(16, 8)
        assert set(rec.provenance.values()) == {"hls_estimate"}
    conv_rows = _csv(folder / "collapsed_conv_resources.csv")
    conv = [r for r in records if r.source.startswith(f"ntorc:{folder}/collapsed_conv_res")]
    for rec, row in zip(conv[:100], conv_rows[:100]):
        assert rec.labels["bram"] == float(row["bram_18k"]) / 2  # BRAM18 -> BRAM36 units
        assert rec.labels["dsp"] == float(row["dsp48e"])
        layer = rec.design.layers[1]
        assert layer.type == "Conv1D" and layer.reuse_factor == int(
            row["correct_reuse_factor_resource"])
        assert rec.meta["group"].startswith("conv1d:")
    lat = [r for r in records if "latency" in r.source]
    assert lat and all(set(r.labels) == {"latency_cycles"} for r in lat)


def _csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------ synthesis reports
# Layouts follow real tool output: Vivado HLS 2019.2 csynth.xml / csynth.rpt as written into
# hls4ml projects (e.g. the public ChiRuiChen/AutoEncoder_hls4ml project) and Vivado 2020.1
# report_utilization for UltraScale+; the numbers are this test's own.
CSYNTH_XML = """<profile>
<ReportVersion>
<Version>2019.2.1</Version>
</ReportVersion>
<UserAssignments>
<unit>ns</unit>
<ProductFamily>virtexuplus</ProductFamily>
<Part>xcu250-figd2104-2L-e</Part>
<TopModelName>myproject</TopModelName>
<TargetClockPeriod>5.00</TargetClockPeriod>
<ClockUncertainty>0.62</ClockUncertainty>
</UserAssignments>
<PerformanceEstimates>
<PipelineType>dataflow</PipelineType>
<SummaryOfTimingAnalysis>
<unit>ns</unit>
<EstimatedClockPeriod>4.429</EstimatedClockPeriod>
</SummaryOfTimingAnalysis>
<SummaryOfOverallLatency>
<unit>clock cycles</unit>
<Best-caseLatency>{lat_min}</Best-caseLatency>
<Average-caseLatency>{lat_min}</Average-caseLatency>
<Worst-caseLatency>{lat_max}</Worst-caseLatency>
<Best-caseRealTimeLatency>0.480 ms</Best-caseRealTimeLatency>
<Interval-min>{ii}</Interval-min>
<Interval-max>{ii}</Interval-max>
</SummaryOfOverallLatency>
</PerformanceEstimates>
<AreaEstimates>
<Resources>
<BRAM_18K>{bram18}</BRAM_18K>
<DSP48E>{dsp}</DSP48E>
<FF>{ff}</FF>
<LUT>{lut}</LUT>
<URAM>0</URAM>
</Resources>
<AvailableResources>
<BRAM_18K>5376</BRAM_18K>
<DSP48E>12288</DSP48E>
<FF>3456000</FF>
<LUT>1728000</LUT>
<URAM>1280</URAM>
</AvailableResources>
</AreaEstimates>
</profile>
"""

CSYNTH_RPT = """

================================================================
== Vivado HLS Report for 'myproject'
================================================================
* Date:           Sat Apr  2 23:58:29 2022

* Version:        2019.2.1 (Build 2724168 on Thu Dec 05 05:19:09 MST 2019)
* Project:        myproject_prj
* Solution:       solution1
* Product family: virtexuplus
* Target device:  xcu250-figd2104-2L-e


================================================================
== Performance Estimates
================================================================
+ Timing: 
    * Summary: 
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  | 5.00 ns | 4.429 ns |   0.62 ns  |
    +--------+---------+----------+------------+

+ Latency: 
    * Summary: 
    +---------+---------+----------+----------+------+-------+----------+
    |  Latency (cycles) |  Latency (absolute) |   Interval   | Pipeline |
    |   min   |   max   |    min   |    max   |  min |  max  |   Type   |
    +---------+---------+----------+----------+------+-------+----------+
    |      212|      215| 1.060 us | 1.075 us |    64|     64| dataflow |
    +---------+---------+----------+----------+------+-------+----------+

    + Detail: 
        * Instance: 
        +------------------+----------------+---------+---------+-----------+-----------+------+-------+---------+
        |dense_U0          |dense_s         |      100|      101|  0.500 us |  0.505 us |    64|     64|   none  |
        +------------------+----------------+---------+---------+-----------+-----------+------+-------+---------+

================================================================
== Utilization Estimates
================================================================
* Summary: 
+-----------------+---------+-------+--------+-------+-----+
|       Name      | BRAM_18K| DSP48E|   FF   |  LUT  | URAM|
+-----------------+---------+-------+--------+-------+-----+
|DSP              |        -|      -|       -|      -|    -|
|Expression       |        -|      -|       0|      2|    -|
|FIFO             |        4|      -|     169|    422|    -|
|Instance         |        3|     18|    4245|   3941|    -|
+-----------------+---------+-------+--------+-------+-----+
|Total            |        7|     18|    4414|   4365|    0|
+-----------------+---------+-------+--------+-------+-----+
|Available        |     5376|  12288| 3456000|1728000| 1280|
+-----------------+---------+-------+--------+-------+-----+

+ Detail: 
    * Instance: 
    +-----------+---------+---------+-------+------+------+-----+
    |  Instance |  Module | BRAM_18K| DSP48E|  FF  |  LUT | URAM|
    +-----------+---------+---------+-------+------+------+-----+
    |dense_U0   |dense_s  |        3|     18|  4245|  3941|    0|
    +-----------+---------+---------+-------+------+------+-----+
"""

UTILIZATION_RPT = """Copyright 1986-2020 Xilinx, Inc. All Rights Reserved.
------------------------------------------------------------------------------------
| Tool Version : Vivado v.2020.1 (lin64) Build 2902540 Wed May 27 19:54:35 MDT 2020
| Date         : Mon Apr 10 18:40:00 2023
| Command      : report_utilization -file vivado_synth.rpt
| Design       : myproject
| Device       : xcu250figd2104-2L
| Design State : Synthesized
------------------------------------------------------------------------------------

Utilization Design Information

1. CLB Logic
------------

+----------------------------+-------+-------+-----------+-------+
|          Site Type         |  Used | Fixed | Available | Util% |
+----------------------------+-------+-------+-----------+-------+
| CLB LUTs*                  |  3102 |     0 |   1728000 |  0.18 |
|   LUT as Logic             |  3050 |     0 |   1728000 |  0.18 |
|   LUT as Memory            |    52 |     0 |    791040 | <0.01 |
| CLB Registers              |  3987 |     0 |   3456000 |  0.12 |
+----------------------------+-------+-------+-----------+-------+

2. BLOCKRAM
-----------

+-------------------+------+-------+-----------+-------+
|     Site Type     | Used | Fixed | Available | Util% |
+-------------------+------+-------+-----------+-------+
| Block RAM Tile    |  2.5 |     0 |      2688 |  0.09 |
|   RAMB36/FIFO*    |    2 |     0 |      2688 |  0.07 |
|   RAMB18          |    1 |     0 |      5376 |  0.02 |
| URAM              |    0 |     0 |      1280 |  0.00 |
+-------------------+------+-------+-----------+-------+

3. ARITHMETIC
-------------

+----------------+------+-------+-----------+-------+
|    Site Type   | Used | Fixed | Available | Util% |
+----------------+------+-------+-----------+-------+
| DSPs           |   17 |     0 |     12288 |  0.14 |
|   DSP48E2 only |   17 |       |           |       |
+----------------+------+-------+-----------+-------+
"""


def _project(tmp_path, with_util=True, with_design=True, xml=True):
    prj = tmp_path / "prj"
    rep = prj / "myproject_prj" / "solution1" / "syn" / "report"
    rep.mkdir(parents=True)
    if xml:
        (rep / "myproject_csynth.xml").write_text(CSYNTH_XML.format(
            lat_min=212, lat_max=215, ii=64, bram18=7, dsp=18, ff=4414, lut=4365))
        # a sub-function report: smaller, must not be taken for the top
        (rep / "dense_s_csynth.xml").write_text(CSYNTH_XML.format(
            lat_min=100, lat_max=101, ii=64, bram18=3, dsp=18, ff=4245, lut=3941))
    else:
        (rep / "myproject_csynth.rpt").write_text(CSYNTH_RPT)
    if with_util:
        (prj / "vivado_synth.rpt").write_text(UTILIZATION_RPT)
    if with_design:
        d = Design.chain([fpga.Layer("in", "Input", (16,), (16,)),
                          fpga.Layer("fc", "Dense", (16,), (64,), parameters=1088,
                                     reuse_factor=16)],
                         strategy="resource", part="xcu250-figd2104-2L-e")
        d.save(prj / "design.yaml")
    return prj


def test_report_parsers(tmp_path):
    prj = _project(tmp_path)
    rep = prj / "myproject_prj" / "solution1" / "syn" / "report"
    x = reports.parse_csynth_xml(rep / "myproject_csynth.xml")
    assert (x["lut"], x["ff"], x["dsp"], x["bram"]) == (4365, 4414, 18, 3.5)
    assert (x["latency_cycles"], x["ii_cycles"], x["part"]) == (215, 64, "xcu250-figd2104-2L-e")
    assert x["tool_version"] == "2019.2.1" and x["estimated_clock"] == 4.429
    (rep / "t.rpt").write_text(CSYNTH_RPT)
    r = reports.parse_csynth_rpt(rep / "t.rpt")
    assert (r["lut"], r["ff"], r["dsp"], r["bram"]) == (4365, 4414, 18, 3.5)
    assert (r["latency_cycles"], r["cycles_min"], r["ii_cycles"]) == (215, 212, 64)
    assert (r["target_clock"], r["estimated_clock"]) == (5.0, 4.429)
    u = reports.parse_utilization(prj / "vivado_synth.rpt")
    assert (u["lut"], u["ff"], u["dsp"], u["bram"], u["uram"]) == (3102, 3987, 17, 2.5, 0)
    assert u["tool_version"] == "2020.1"


def test_report_folder_records(tmp_path):
    prj = _project(tmp_path)
    reader = read_records(prj)
    rec, = reader
    assert reader.ignored_files == []
    assert rec.labels["lut"] == 3102 and rec.provenance["lut"] == "post_synthesis"
    assert rec.labels["latency_cycles"] == 215 and rec.provenance["latency_cycles"] == "hls_estimate"
    rec, = read_records(prj, label_source="hls_estimate")
    assert rec.labels["lut"] == 4365 and rec.labels["bram"] == 3.5
    assert set(rec.provenance.values()) == {"hls_estimate"}
    # a single report file given directly finds its design above it
    rec, = read_records(prj / "vivado_synth.rpt")
    assert rec.design.layers[1].reuse_factor == 16


SERIES7_UTILIZATION = """| Tool Version : Vivado v.2019.1 (lin64) Build 2552052 Fri May 24 14:47:09 MDT 2019
| Command      : report_utilization -file vivado_synth.rpt
| Device       : 7z020clg400-1
1. Slice Logic
--------------
+----------------------------+-------+-------+-----------+-------+
|          Site Type         |  Used | Fixed | Available | Util% |
+----------------------------+-------+-------+-----------+-------+
| Slice LUTs*                | 12034 |     0 |     53200 | 22.62 |
|   LUT as Logic             | 11978 |     0 |     53200 | 22.52 |
| Slice Registers            |  9120 |     0 |    106400 |  8.57 |
+----------------------------+-------+-------+-----------+-------+
2. Memory
---------
+-------------------+------+-------+-----------+-------+
|     Site Type     | Used | Fixed | Available | Util% |
+-------------------+------+-------+-----------+-------+
| Block RAM Tile    |   11 |     0 |       140 |  7.86 |
|   RAMB36/FIFO*    |   10 |     0 |       140 |  7.14 |
|   RAMB18          |    2 |     0 |       280 |  0.71 |
+-------------------+------+-------+-----------+-------+
3. DSP
------
+----------------+------+-------+-----------+-------+
|    Site Type   | Used | Fixed | Available | Util% |
+----------------+------+-------+-----------+-------+
| DSPs           |   87 |     0 |       220 | 39.55 |
|   DSP48E1 only |   87 |       |           |       |
+----------------+------+-------+-----------+-------+
"""


VITIS_RPT = """================================================================
== Vitis HLS Report for 'myproject'
================================================================
* Version:        2022.2 (Build 3670227 on Oct 13 2022)
* Project:        myproject_prj
* Solution:       solution1 (Vivado IP Flow Target)
* Product family: virtexuplus
* Target device:  xcu250-figd2104-2L-e

================================================================
== Performance Estimates
================================================================
+ Timing: 
    * Summary: 
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  |  5.00 ns|  3.650 ns|     1.35 ns|
    +--------+---------+----------+------------+

+ Latency: 
    * Summary: 
    +---------+---------+-----------+-----------+-----+-----+---------+
    |  Latency (cycles) |   Latency (absolute)  |  Interval | Pipeline|
    |   min   |   max   |    min    |    max    | min | max |   Type  |
    +---------+---------+-----------+-----------+-----+-----+---------+
    |        9|        9|  45.000 ns|  45.000 ns|    1|    1|      yes|
    +---------+---------+-----------+-----------+-----+-----+---------+

================================================================
== Utilization Estimates
================================================================
* Summary: 
+-----------------+---------+-----+--------+-------+-----+
|       Name      | BRAM_18K| DSP |   FF   |  LUT  | URAM|
+-----------------+---------+-----+--------+-------+-----+
|DSP              |        -|    -|       -|      -|    -|
|Expression       |        -|    -|       0|     34|    -|
+-----------------+---------+-----+--------+-------+-----+
|Total            |        1|   43|    1850|   7542|    0|
+-----------------+---------+-----+--------+-------+-----+
"""


def test_vitis_csynth_rpt(tmp_path):
    path = tmp_path / "myproject_csynth.rpt"
    path.write_text(VITIS_RPT)
    r = reports.parse_csynth_rpt(path)
    assert (r["lut"], r["ff"], r["dsp"], r["bram"]) == (7542, 1850, 43, 0.5)
    assert (r["latency_cycles"], r["ii_cycles"], r["estimated_clock"]) == (9, 1, 3.65)
    assert (r["part"], r["tool_version"], r["top"]) == ("xcu250-figd2104-2L-e", "2022.2",
                                                        "myproject")


def test_7series_utilization(tmp_path):
    path = tmp_path / "vivado_synth.rpt"
    path.write_text(SERIES7_UTILIZATION)
    u = reports.parse_utilization(path)
    assert (u["lut"], u["ff"], u["bram"], u["dsp"], u["uram"]) == (12034, 9120, 11, 87, 0)
    assert u["tool_version"] == "2019.1"


def test_report_text_form_and_failures(tmp_path):
    prj = _project(tmp_path / "a", with_util=False, xml=False)
    rec, = read_records(prj)
    assert rec.labels["ff"] == 4414 and rec.provenance["ff"] == "hls_estimate"
    lonely = _project(tmp_path / "b", with_design=False)
    reader = read_records(lonely)
    assert list(reader) == []
    # one skip per folder holding reports (the HLS report folder and the project folder)
    assert reader.skipped.counts == {"no design file beside or above the reports": 2}
    broken = _project(tmp_path / "c", with_util=False)
    for p in broken.rglob("*.xml"):
        p.write_text("<profile><AreaEstimates>" + "x" * 10)
    reader = read_records(broken)
    assert list(reader) == [] and reader.skipped.total == 1
    bad_util = tmp_path / "u.rpt"
    bad_util.write_text("report_utilization\n| Foo | 1 |\n")
    with pytest.raises(DesignError, match="lacks rows"):
        reports.parse_utilization(bad_util)


def test_whole_data_folder_and_summary(hls4ml_data):
    s = fpga.summarize_records(hls4ml_data / "wa_hls4ml")
    assert s["records"] == 10_014 and s["skipped"]["total"] == 42
    provs = {(t["target"], t["provenance"]) for t in s["targets"]}
    assert ("lut", "post_synthesis") in provs and ("lut", "hls_estimate") in provs
    assert s["layer_types"]["Dense"] > 0
