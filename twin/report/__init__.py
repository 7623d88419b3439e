"""The run report: report.html (self-contained) and report.md, from a run folder alone."""

from twin.report.render import write_report

__all__ = ["write_report"]
