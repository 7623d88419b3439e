"""What a regression run prints: what moved and by how much, and a JUnit file for CI."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from twin.core.atomic import write_text_atomic
from twin.experiments.regression.exact import ExactResult
from twin.experiments.regression.statistical import MOVED, TOO_WIDE, StatisticalResult
from twin.runs.intervals import Estimate
from twin.runs.readable import readable, readable_difference, scale_for


def _g(v: object, unit: str | None = None) -> str:
    """A figure as a reader reads it (percentages, days, yuan); a non-number as it is."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        return readable(v, unit)
    return "-" if v is None else str(v)


def exact_lines(result: ExactResult) -> list[str]:
    if result.missing:
        return [f"{result.case}: no snapshot; run 'twin regress --update' to record it"]
    if result.ok:
        return [f"{result.case}: every figure as in its snapshot"]
    lines = [f"{result.case}: {len(result.changes)} figures moved"] if result.changes else []
    width = max((len(c.figure) for c in result.changes), default=0)
    for c in result.changes:
        old, new = _g(c.old, c.unit), _g(c.new, c.unit)
        if old == new:  # moved below the readable precision: show the bits that moved
            old, new = repr(c.old), repr(c.new)
        d = c.difference
        diff = "" if d is None else f"  ({readable_difference(Estimate(1, d), c.unit)})"
        lines.append(f"  {c.figure:<{width}}  {old} -> {new}{diff}")
    lines += [f"{result.case}: outside physical limits: {p}" for p in result.limits]
    return lines


def _in(v: float | None, unit: str | None, *, spread: bool = False) -> str:
    """A value in the one readable format; a ``spread`` (band, tolerance, difference) of
    shares in percentage points."""
    if v is None or not math.isfinite(v):
        return "-"
    if not spread:
        return readable(v, unit)
    s = scale_for(unit, v, difference=True)
    return f"{v / s.divisor:,.{s.decimals}f}{s.suffix}"


def statistical_lines(result: StatisticalResult) -> list[str]:
    lines = [f"{result.case}:"]
    for k in result.kpis:
        base = f"{_in(k.baseline, k.unit)} ± {_in(k.band, k.unit, spread=True)}"
        line = f"  {k.kpi:<44} {base:>24}  now {_in(k.now, k.unit):>12}"
        line += f"  tolerance {_in(k.tolerance, k.unit, spread=True)}  {k.status}"
        if k.status == MOVED and k.beyond_tolerance:
            line += ", beyond the tolerance"
        line += "" if k.ok else "  FAIL"
        if k.status == TOO_WIDE:
            line += f" (about {k.replications_needed} replications would resolve it)"
        elif k.noise:
            diff = (k.now or 0.0) - (k.baseline or 0.0)
            noise = _in(k.noise, k.unit, spread=True)
            line += f" (paired difference {_in(diff, k.unit, spread=True)} ± {noise})"
        if k.unit not in (None, "s", "share"):
            line += f"  [{k.unit}]"
        lines.append(line)
    lines += [f"  outside physical limits: {p}  FAIL" for p in result.limits]
    return lines


def write_junit(path: Path, level: str, results: list, seconds: float) -> None:
    """One test case per regression case; a failure carries the lines printed for it."""
    failures = [r for r in results if not r.ok]
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"twin regress ({level})",
        tests=str(len(results)),
        failures=str(len(failures)),
        time=f"{seconds:.1f}",
    )
    describe = exact_lines if level == "exact" else statistical_lines
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"regress.{level}", name=r.case)
        if not r.ok:
            text = "\n".join(describe(r))
            failure = ET.SubElement(case, "failure", message=text.splitlines()[0])
            failure.text = text
    ET.indent(root)
    write_text_atomic(path, ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n")
