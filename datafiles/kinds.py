"""What kind of data file a mapping is, told by its top-level keys, so that a file given to the
wrong command gets "this is a sweep file: use twin sweep FILE" instead of a page of unknown-key
errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from datafiles.errors import UserError

# Each kind and the command that reads it (``kind_of`` says what marks each).
COMMANDS = {
    "routing": "twin rules check FILE (or name it in a scenario's sensing.routing)",
    "rule test": "twin rules test FILE",
    "Prometheus rule": "twin rules check FILE",
    "policy": "twin policy check FILE",
    "package": "twin policy check FILE (or name it in a scenario's packages)",
    "sweep": "twin sweep FILE",
    "calibration": "twin calibrate FILE",
    "rule": "twin rules check FILE",
    "scenario": "twin run FILE",
}
_SCENARIO_KEYS = {
    "extends", "city", "policies", "packages", "sensing", "duration", "start", "variants",
    "libraries",
    "treasury", "response", "behaviour", "approval", "desk", "life", "pushes", "faults",
}  # fmt: skip


def kind_of(data: object) -> str | None:
    """The kind of data file ``data`` (a file's parsed YAML) looks like; None if no kind fits."""
    if not isinstance(data, Mapping):
        return None
    keys = set(data)
    if "route" in keys:
        return "routing"
    if {"rule_files", "tests"} <= keys:
        return "rule test"
    if "groups" in keys:
        return "Prometheus rule"
    if {"id", "eligible"} <= keys:
        return "policy"
    if {"package", "rules"} <= keys:
        return "package"
    if {"scenario", "parameters", "targets"} <= keys:
        return "calibration"
    if "design" in keys or {"scenario", "parameters"} <= keys:
        return "sweep"
    if keys & {"rules", "offline", "device_types"}:
        return "rule"
    if keys & _SCENARIO_KEYS:
        return "scenario"
    return None


def expect_kind(path: str | Path, data: object, *wanted: str) -> None:
    """Refuse a file of another kind than ``wanted``, naming its kind and the command for it."""
    kind = kind_of(data)
    if kind is None or kind in wanted:
        return
    either = ", ".join(wanted[:-1]) + " or " + wanted[-1] if len(wanted) > 1 else wanted[0]
    raise UserError.one(
        f"this is a {kind} file, not a {either} file",
        file=str(path),
        line=1,
        hint=f"use {COMMANDS[kind]}",
    )
