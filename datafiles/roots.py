"""Where a data file may send the twin to read: its own folder, the shipped scenarios, and
folders the user lists in ``CITYTWIN_DATA_ROOTS``.

Scenario, sweep and rule-test files come from many departments. A path inside one
(``extends:``, ``policies:``, ``rule_files:``) is confined to these roots, so a file cannot make
the twin read, and echo in an error, a file elsewhere on the machine (docs/robustness.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from datafiles.errors import UserError

ROOTS_VARIABLE = "CITYTWIN_DATA_ROOTS"
SHIPPED = Path(__file__).resolve().parent.parent / "scenarios"


def data_roots(entry: str | Path) -> tuple[Path, ...]:
    """Folders whose files a data file read from ``entry`` may name (resolved, links followed)."""
    roots = [Path(entry).resolve().parent]
    if SHIPPED.is_dir():
        roots.append(SHIPPED)
    listed = os.environ.get(ROOTS_VARIABLE, "")
    roots += [Path(p).expanduser().resolve() for p in listed.split(os.pathsep) if p.strip()]
    return tuple(dict.fromkeys(roots))


def confined(
    path: str | Path,
    roots: tuple[Path, ...],
    *,
    file: str,
    line: int | None = None,
    key: str | None = None,
) -> Path:
    """``path`` resolved, or a located error if it lies outside every root; nothing is read."""
    try:
        target = Path(path).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a loop of links, a NUL byte
        raise UserError.one(f"cannot use the path: {exc}", file=file, line=line, key=key) from None
    if any(target.is_relative_to(root) for root in roots):
        return target
    raise UserError.one(
        "the path leads outside the folders a data file may read",
        file=file,
        line=line,
        key=key,
        expected="a file under " + ", ".join(str(r) for r in roots),
        found=str(path)[:200],
        hint=f"copy the file beside the scenario, or list its folder in {ROOTS_VARIABLE} "
        f"(folders separated by '{os.pathsep}')",
    )
