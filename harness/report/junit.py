"""JUnit XML for CI dashboards: one testsuite per engine, one testcase per cell.

A quirk or an engine limit counts as passed (as in the grid and the exit code), but says so in
the testcase's properties and system-out, so a dashboard reader sees why the cell is green."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.engines import ENGINE_NAMES
from harness.model import Outcome
from harness.results import Result

# Characters XML 1.0 cannot carry at all (a console line may hold them); ElementTree would write
# them as they are and the file would not parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def classname(r: Result) -> str:
    """The scenario file's stem ('microphone' for scenarios/microphone.yaml:12)."""
    file = r.source.rpartition(":")[0] or r.source
    return Path(file).stem if file else "scenarios"


def build(results: list[Result]) -> ET.Element:
    root = ET.Element("testsuites", name="spelo-harness")
    engines = [e for e in ENGINE_NAMES if any(r.engine == e for r in results)]
    engines += sorted({r.engine for r in results} - set(engines))
    for engine in engines:
        cells = [r for r in results if r.engine == engine]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=engine,
            tests=str(len(cells)),
            failures=str(sum(r.outcome.failing for r in cells)),
            errors="0",
            skipped=str(sum(not r.outcome.ran for r in cells)),
            time=f"{sum(r.duration_s for r in cells):.3f}",
        )
        version = next((r.engine_version for r in cells if r.engine_version), "")
        if version:
            ET.SubElement(ET.SubElement(suite, "properties"), "property", name="engine_version", value=clean(version))
        for r in cells:
            _testcase(suite, r)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root)))
    return root


def _testcase(suite: ET.Element, r: Result) -> None:
    case = ET.SubElement(suite, "testcase", classname=clean(classname(r)), name=clean(r.cell_id), time=f"{r.duration_s:.3f}")
    if r.source:
        case.set("file", clean(r.source.rpartition(":")[0] or r.source))
    if r.outcome.failing:
        failure = ET.SubElement(case, "failure", type=r.outcome.value, message=clean(r.reason))
        failure.text = clean(r.explain())
    elif r.outcome is Outcome.SKIPPED:
        ET.SubElement(case, "skipped", message=clean(r.reason))
    elif r.outcome in (Outcome.QUIRK, Outcome.LIMIT):
        props = ET.SubElement(case, "properties")
        for name, value in (("outcome", r.outcome.value), ("reason", r.reason), ("evidence", r.evidence)):
            if value:
                ET.SubElement(props, "property", name=name, value=clean(value))
        out = ET.SubElement(case, "system-out")
        out.text = clean(
            f"passed as a recorded {r.outcome} of {r.engine}: {r.reason}" + (f"\nevidence: {r.evidence}" if r.evidence else "")
        )
    if r.injected:
        note = ET.SubElement(case, "system-err")
        note.text = clean("injected fault (no real means exists): " + ", ".join(r.injected))


def write_junit(path: Path, results: list[Result]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tree = ET.ElementTree(build(results))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
