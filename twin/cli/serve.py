"""``twin app SCENARIO``: serve the rehearsal page (docs/app.md) on this machine only."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn

DEFAULT_PORT = 8765


def add_commands(sub) -> None:
    app = sub.add_parser("app", help="serve the rehearsal page for a scenario (127.0.0.1)")
    app.add_argument(
        "scenario", type=Path, nargs="?", default=Path("scenarios/policy-sandbox.yaml"),
        help="scenario file (default: scenarios/policy-sandbox.yaml)",
    )  # fmt: skip
    app.add_argument("--port", type=_port, default=DEFAULT_PORT, help="port (default: 8765)")
    app.add_argument(
        "--scale", type=_share, default=0.002,
        help="city.scale the page starts at: a city that answers in seconds (default: 0.002)",
    )  # fmt: skip
    app.add_argument(
        "--out", type=Path, default=Path("runs/app"),
        help="the page's folder: scenarios it saves go here, and nowhere else (default: runs/app)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> NoReturn:
    """Check the scenario as ``twin validate`` would, then serve the page until interrupted."""
    from twin.scenario.loader import load_scenario

    load_scenario(args.scenario, {"city.scale": args.scale})  # a bad file: exit 2, located
    env = {
        **os.environ,
        "CITYTWIN_APP_SCENARIO": str(args.scenario.resolve()),
        "CITYTWIN_APP_SCALE": repr(args.scale),
        "CITYTWIN_APP_FOLDER": str(args.out.resolve()),
    }
    url = f"http://127.0.0.1:{args.port}/"
    print(f"serving {args.scenario} at {url} (scenarios saved to {args.out}/); Ctrl-C stops")
    command = [
        sys.executable, "-m", "solara", "run", "twin.app.page:Page", "--host", "127.0.0.1",
        "--port", str(args.port), "--production", "--no-open", "--log-level", "warning",
    ]  # fmt: skip
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # the server takes this process's place (and pid)


def _port(text: str) -> int:
    if not text.isdigit() or not 1024 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port from 1024 to 65535, not {text!r}")
    return int(text)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"a city scale above 0 and at most 1, not {text!r}")
    return value
