"""The report laid out by jinja2 templates: report.html with its figures embedded (opens from a
file, prints to PDF from a browser), report.md beside the figures' PNG files."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from twin.core.atomic import write_text_atomic
from twin.report.contents import Report, gather

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("twin.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,  # a name the template lacks is an error, not a blank
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["data_uri"] = lambda png: "data:image/png;base64," + base64.b64encode(png).decode()
_ENV.filters["md_cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")


def render(report: Report, kind: str) -> str:
    """The report as HTML (``kind`` "html") or Markdown ("md")."""
    return _ENV.get_template(f"report.{kind}.j2").render(report=report)


def write_report(folder: str | Path) -> Path:
    """Write report.html and report.md into a run folder, each whole or not at all; return the
    HTML's path."""
    folder = Path(folder)
    report = gather(folder)
    write_text_atomic(folder / "report.md", render(report, "md"))
    html = folder / "report.html"
    write_text_atomic(html, render(report, "html"))
    return html
