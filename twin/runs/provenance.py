"""Where a run folder's figures came from: the scenario file and its hash, the seed, the scale,
the replications and the citytwin version - enough to run it again and get the same bytes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from twin.core.atomic import write_text_atomic
from twin.core.version import citytwin_version

PROVENANCE = "provenance.json"


def provenance(scenario, scenario_file: Path | None, replications: int) -> dict:
    """The facts a reader needs to trust and repeat a run (no clock time: same seed, same
    bytes)."""
    about = {
        "citytwin": citytwin_version(),
        "scenario": scenario.name,
        "seed": scenario.seed,
        "city_scale": scenario.city.scale,
        "start": scenario.start.isoformat(),
        "days": scenario.days,
        "replications": replications,
    }
    if scenario_file is not None:
        about["scenario_file"] = str(scenario_file)
        about["scenario_sha256"] = hashlib.sha256(Path(scenario_file).read_bytes()).hexdigest()
    return about


def write_provenance(out: Path, about: dict) -> None:
    write_text_atomic(out / PROVENANCE, json.dumps(about, indent=2) + "\n")


def read_provenance(folder: Path) -> dict | None:
    path = folder / PROVENANCE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
