"""``twin score RUN_DIR``: the summary recomputed from a saved run folder alone."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from twin.core.atomic import write_text_atomic


def add_commands(sub) -> None:
    p = sub.add_parser("score", help="recompute a run folder's summary from its tables alone")
    p.add_argument("run_dir", type=Path, help="a run folder (what 'twin run --out' writes)")
    p.add_argument(
        "--write", action="store_true", help="replace the folder's summary.json with the result"
    )


def run(args: argparse.Namespace) -> int:
    from twin.runs.results import format_summary
    from twin.scoring.folder import score

    summary = score(args.run_dir)
    text = json.dumps(summary, indent=2) + "\n"
    print(format_summary(summary))
    stored = args.run_dir / "summary.json"
    if stored.exists() and stored.read_text(encoding="utf-8") == text:
        print(f"\nsame as {stored}")
        return 0
    if args.write:
        write_text_atomic(stored, text)
        print(f"\nwritten to {stored}")
        return 0
    what = "differs from" if stored.exists() else "has no"
    print(f"\nthe folder {what} summary.json; --write puts this one there")
    return 0
