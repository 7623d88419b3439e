"""Run folders whole or absent: written into a temporary sibling, sealed with a manifest (every
file, its size and hash, the citytwin version), then renamed into place. A folder without its
manifest is a run that was interrupted while writing, and readers refuse it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from datafiles import UserError
from twin.core.version import citytwin_version

MANIFEST = "manifest.json"


def check_destination(out: Path, *, replace: bool) -> None:
    """Refuse, before any work, a destination that is a file, that holds something and may not
    be replaced, or whose parent cannot be written."""
    if out.exists() and not out.is_dir():
        raise UserError.one("the output is a file, not a folder", file=str(out),
                            hint="name a folder for --out")  # fmt: skip
    if out.is_dir() and any(out.iterdir()) and not replace:
        raise UserError.one(
            "the output folder exists and holds files",
            file=str(out),
            hint="choose another --out, or --force to replace it whole",
        )
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError.one("cannot write here", file=str(parent), hint="choose another --out")


@contextmanager
def whole_folder(out: Path, *, replace: bool = False) -> Iterator[Path]:
    """A temporary sibling of ``out`` to fill; sealed and renamed into place when the block
    ends, removed if it fails: readers see the old folder, none, or the new one whole."""
    out = Path(out)
    check_destination(out, replace=replace)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.writing-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        seal(staging)
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def seal(folder: Path) -> None:
    """Write the manifest of a folder's files (those in sealed sub-folders included)."""
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        data = path.read_bytes()
        files[path.relative_to(folder).as_posix()] = {
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    text = json.dumps({"citytwin": citytwin_version(), "files": files}, indent=1) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")


def require_manifest(folder: Path) -> None:
    """A run folder is read only once its manifest says it is whole."""
    if not (Path(folder) / MANIFEST).is_file():
        raise UserError.one(
            "an incomplete run folder: it has no manifest.json",
            file=str(folder),
            hint="the run was interrupted while writing, or written by an older citytwin: run "
            "it again",
        )


def _publish(staging: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, out)
