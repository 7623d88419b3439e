"""Execute the planner notebooks and write them back with their outputs, so that they read with
figures on the repository's web page: ``python tools/run_notebooks.py [NOTEBOOK ...]``.

Each notebook runs in ``notebooks/`` (its paths are relative to it) and is written whole or not
at all; tests/test_notebooks.py checks that the committed outputs are current."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
TIMEOUT_S = 900


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook executed from the top in a fresh kernel."""
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return book


def write(book: nbformat.NotebookNode, path: Path) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as f:
        nbformat.write(book, f)
    os.replace(f.name, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        print(f"running {path} ...", flush=True)
        write(execute(path), path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
