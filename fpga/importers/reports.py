"""Synthesis reports users already have: Vivado/Vitis HLS C synthesis (``*_csynth.xml`` and the
``*_csynth.rpt`` text form) and Vivado ``report_utilization`` output (e.g. hls4ml's
``vivado_synth.rpt``).

A report does not describe the network, so a record needs a design file (``design.json``,
``design.yaml`` or ``design.yml``: a :meth:`fpga.Design.to_dict`) in the report's folder or a
folder above it (up to the folder being read). All reports under that folder form one record:
latency and II from C synthesis (``hls_estimate``); resources from the utilization report
(``post_synthesis``) when ``label_source="post_synthesis"`` and one exists, else from C
synthesis (``hls_estimate``). BRAM is converted to BRAM36 units (``BRAM_18K / 2``; Vivado's
``Block RAM Tile`` already counts BRAM36 with 0.5 per BRAM18). Where several C-synthesis
reports exist (one per HLS function), ``csynth.xml`` or else the one with the most LUTs (the
top function contains the others) is used.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable, Iterator

from fpga.design import Design
from fpga.errors import DesignError
from fpga.records import Record

DESIGN_FILES = ("design.json", "design.yaml", "design.yml")


def detect_report(name: str, head: str) -> str | None:
    """``csynth_xml``, ``csynth_rpt``, ``utilization`` or ``None`` from a file name and its
    first bytes."""
    name = name.lower()
    if name.endswith(".xml") and "<profile" in head and ("Estimates" in head
                                                         or "<ReportVersion" in head):
        return "csynth_xml"
    if name.endswith((".rpt", ".txt")):
        if re.search(r"== (Vivado|Vitis) HLS Report for", head):
            return "csynth_rpt"
        if "report_utilization" in head or "Utilization Design Information" in head:
            return "utilization"
    return None


def _float(text: str | None, what: str, path: Path) -> float:
    if text is None:
        raise DesignError(f"{what} missing in report {path}")
    t = text.strip()
    try:
        return float(t)
    except ValueError as e:
        raise DesignError(f"{what} in report {path} must be a number; got {t!r}") from e


def parse_csynth_xml(path: str | Path) -> dict[str, Any]:
    """Parse a Vivado/Vitis HLS ``csynth.xml``: resources (``bram`` in BRAM36), latency and II
    (worst case, cycles), clocks (ns), part and tool version. Raises :class:`DesignError`."""
    p = Path(path)
    try:
        # Reports are tool output; ElementTree does not resolve external entities.
        root = ET.parse(p).getroot()
    except (ET.ParseError, OSError) as e:
        raise DesignError(f"C-synthesis report {p} is not readable XML: {e}") from e
    res = root.find("./AreaEstimates/Resources")
    if res is None:
        raise DesignError(f"C-synthesis report {p} has no AreaEstimates/Resources")
    vals = {child.tag: child.text for child in res}
    dsp_text = vals.get("DSP", vals.get("DSP48E"))
    out: dict[str, Any] = {
        "lut": _float(vals.get("LUT"), "LUT", p), "ff": _float(vals.get("FF"), "FF", p),
        "dsp": _float(dsp_text, "DSP", p),
        "bram": _float(vals.get("BRAM_18K"), "BRAM_18K", p) / 2.0,
        "uram": _float(vals.get("URAM", "0"), "URAM", p),
    }
    lat = root.find("./PerformanceEstimates/SummaryOfOverallLatency")
    if lat is not None:
        for key, tag in (("latency_cycles", "Worst-caseLatency"), ("ii_cycles", "Interval-max"),
                         ("cycles_min", "Best-caseLatency"), ("interval_min", "Interval-min")):
            node = lat.find(tag)
            if node is not None and node.text and node.text.strip().isdigit():
                out[key] = float(node.text)
    ua = root.find("./UserAssignments")
    if ua is not None:
        for key, tag in (("part", "Part"), ("top", "TopModelName")):
            node = ua.find(tag)
            if node is not None and node.text:
                out[key] = node.text.strip()
        node = ua.find("TargetClockPeriod")
        if node is not None and node.text:
            out["target_clock"] = _float(node.text, "TargetClockPeriod", p)
    node = root.find("./PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod")
    if node is not None and node.text:
        out["estimated_clock"] = _float(node.text, "EstimatedClockPeriod", p)
    node = root.find("./ReportVersion/Version")
    if node is not None and node.text:
        out["tool_version"] = node.text.strip()
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_csynth_rpt(path: str | Path) -> dict[str, Any]:
    """Parse the text form ``<top>_csynth.rpt`` (Vivado HLS and Vitis HLS layouts)."""
    p = Path(path)
    try:
        lines = p.read_text(errors="replace").splitlines()
    except OSError as e:
        raise DesignError(f"cannot read C-synthesis report {p}: {e}") from e
    out: dict[str, Any] = {}
    section = None
    header: list[str] | None = None
    latency_done = timing_done = False
    for line in lines:
        s = line.strip()
        m = re.match(r"\*\s*Target device:\s*(\S+)", s)
        if m:
            out["part"] = m.group(1)
        m = re.match(r"\*\s*Version:\s*(\S+)", s)
        if m:
            out["tool_version"] = m.group(1)
        m = re.match(r"== (?:Vivado|Vitis) HLS Report for '([^']+)'", s)
        if m:
            out["top"] = m.group(1)
        if s.startswith("+ Timing"):
            section = "timing"
        elif s.startswith("+ Latency"):
            section = "latency"
        elif s.startswith("== Utilization Estimates"):
            section = "util"
        elif s.startswith("+ Detail") or s.startswith("== Interface"):
            section = None if section != "util" or header is None else "done"
        if not s.startswith("|"):
            continue
        cells = _cells(s)
        if section == "timing" and not timing_done and cells and cells[0].startswith("ap_clk"):
            nums = [re.sub(r"\s*ns$", "", c) for c in cells[1:3]]
            out["target_clock"] = _float(nums[0], "target clock", p)
            out["estimated_clock"] = _float(nums[1], "estimated clock", p)
            timing_done = True
        elif section == "latency" and not latency_done:
            ints = [c for c in cells if re.fullmatch(r"\d+", c)]
            if len(ints) >= 4:
                out["cycles_min"], out["latency_cycles"] = float(ints[0]), float(ints[1])
                out["interval_min"], out["ii_cycles"] = float(ints[2]), float(ints[3])
                latency_done = True
        elif section == "util":
            if cells and cells[0] == "Name":
                header = cells
            elif header and cells and cells[0] == "Total":
                row = dict(zip(header, cells))
                dsp = row.get("DSP", row.get("DSP48E"))
                out.update(lut=_float(row.get("LUT"), "LUT", p), ff=_float(row.get("FF"), "FF", p),
                           dsp=_float(dsp, "DSP", p),
                           bram=_float(row.get("BRAM_18K"), "BRAM_18K", p) / 2.0,
                           uram=_float(row.get("URAM", "0"), "URAM", p))
                section = "done"
    missing = [k for k in ("lut", "ff", "dsp", "bram") if k not in out]
    if missing:
        raise DesignError(f"C-synthesis report {p} lacks the utilization summary (no Total row "
                          f"with {missing})")
    return out


_UTIL_ROWS = (
    ("lut", re.compile(r"^(CLB|Slice) LUTs\*?$")),
    ("ff", re.compile(r"^(CLB|Slice) Registers\*?$")),
    ("bram", re.compile(r"^Block RAM Tile\*?$")),
    ("uram", re.compile(r"^URAM\*?$")),
    ("dsp", re.compile(r"^DSPs\*?$")),
)


def parse_utilization(path: str | Path) -> dict[str, Any]:
    """Parse Vivado ``report_utilization`` text (UltraScale ``CLB`` and 7-series ``Slice``
    layouts): ``lut``, ``ff``, ``dsp``, ``bram`` (Block RAM Tile = BRAM36 units), ``uram``."""
    p = Path(path)
    try:
        lines = p.read_text(errors="replace").splitlines()
    except OSError as e:
        raise DesignError(f"cannot read utilization report {p}: {e}") from e
    out: dict[str, Any] = {}
    for line in lines:
        s = line.strip()
        m = re.match(r"\|\s*Device\s*:\s*(\S+)", s)
        if m:
            out["part"] = m.group(1)
        m = re.match(r"\|\s*Tool Version\s*:\s*Vivado v\.(\S+)", s)
        if m:
            out["tool_version"] = m.group(1)
        if not s.startswith("|"):
            continue
        cells = _cells(s)
        if len(cells) < 2:
            continue
        for key, rx in _UTIL_ROWS:
            if key not in out and rx.match(cells[0]):
                out[key] = _float(cells[1], f"{cells[0]!r} used", p)
    missing = [k for k in ("lut", "ff", "dsp", "bram") if k not in out]
    if missing:
        raise DesignError(f"utilization report {p} lacks rows for {missing}")
    out.setdefault("uram", 0.0)
    return out


def find_design_dir(path: Path, root: Path) -> Path | None:
    """Nearest folder from ``path``'s folder up to ``root`` holding a design file."""
    d = path if path.is_dir() else path.parent
    root = root.resolve()
    while True:
        if any((d / f).exists() for f in DESIGN_FILES):
            return d
        if d.resolve() == root or d.parent == d:
            return None
        d = d.parent


def record_from_reports(design: Design, csynth: dict | None = None,
                        utilization: dict | None = None,
                        label_source: str = "post_synthesis", source: str = "") -> Record:
    """Assemble a :class:`Record` from parsed reports (see the module docstring)."""
    if csynth is None and utilization is None:
        raise DesignError("no C-synthesis or utilization report to take labels from")
    labels: dict[str, float] = {}
    prov: dict[str, str] = {}
    use_util = utilization is not None and (label_source == "post_synthesis" or csynth is None)
    res_src, res_prov = (utilization, "post_synthesis") if use_util else (csynth, "hls_estimate")
    for k in ("lut", "ff", "dsp", "bram", "uram"):
        if k in res_src:
            labels[k] = float(res_src[k])
            prov[k] = res_prov
    meta: dict[str, Any] = {}
    if csynth is not None:
        for k in ("latency_cycles", "ii_cycles"):
            if k in csynth:
                labels[k] = float(csynth[k])
                prov[k] = "hls_estimate"
        meta.update({k: csynth[k] for k in ("cycles_min", "interval_min", "estimated_clock",
                                            "target_clock", "top") if k in csynth})
        meta["hls_tool_version"] = csynth.get("tool_version")
        meta["report_part"] = csynth.get("part")
    if utilization is not None:
        meta["vivado_version"] = utilization.get("tool_version")
        meta["report_part"] = meta.get("report_part") or utilization.get("part")
    return Record(design=design, labels=labels, provenance=prov, source=source,
                  meta={k: v for k, v in meta.items() if v is not None})


def _load_design(folder: Path) -> Design:
    for f in DESIGN_FILES:
        if (folder / f).exists():
            return Design.load(folder / f)
    raise DesignError(f"no design file ({', '.join(DESIGN_FILES)}) beside or above the reports "
                      f"in {folder}")


def collect_reports(path: Path) -> tuple[dict | None, dict | None]:
    """(C-synthesis, utilization) parsed from the report files under folder ``path``, skipping
    sub-folders that hold their own design file; ``(None, None)`` when there are none."""
    files: dict[str, list[Path]] = {"csynth_xml": [], "csynth_rpt": [], "utilization": []}
    for p in sorted(path.rglob("*")):
        if not p.is_file() or p.suffix.lower() not in (".xml", ".rpt", ".txt"):
            continue
        if p.parent != path and find_design_dir(p, path) not in (path, None):
            continue  # belongs to a nested design folder
        try:
            with open(p, "rb") as f:
                head = f.read(8192).decode("utf-8", errors="replace")
        except OSError:
            continue
        kind = detect_report(p.name, head)
        if kind:
            files[kind].append(p)
    candidates = [parse_csynth_xml(p) for p in files["csynth_xml"] if p.name == "csynth.xml"] \
        or [parse_csynth_xml(p) for p in files["csynth_xml"]] \
        or [parse_csynth_rpt(p) for p in files["csynth_rpt"]]
    csynth = max(candidates, key=lambda c: c.get("lut", 0.0)) if candidates else None
    util = parse_utilization(files["utilization"][0]) if files["utilization"] else None
    return csynth, util


def iter_report_folder(path: Path, label_source: str,
                       skip: Callable[[str, str], None]) -> Iterator[Record]:
    """One record from the reports under ``path`` (a folder); see the module docstring."""
    where = f"hls_reports:{path}"
    try:
        design = _load_design(path)
    except DesignError as e:
        skip("no design file beside or above the reports" if "no design file" in str(e)
             else f"invalid design file: {str(e)[:120]}", where)
        return
    try:
        csynth, util = collect_reports(path)
        yield record_from_reports(design, csynth, util, label_source, where)
    except DesignError as e:
        skip(str(e)[:160].replace(str(path), "<folder>"), where)
