"""The house rules of docs/architecture.md: which room (and which part of twin/) may import
which. Arrows point one way: core <- scenario <- world <- runs <- experiments <- calibration <-
cli, and scoring sees nothing of the model - only tables and the scenario."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("datafiles", "matching", "alerting", "agents", "sensors", "twin")
SYSTEMS = ("matching", "alerting")  # the systems under test
WORLD = ("agents", "sensors")
# package -> the project packages it may import (a name allows everything below it)
ALLOWED = {
    "datafiles": {"datafiles"},
    "matching": {"matching", "datafiles"},
    "alerting": {"alerting", "datafiles"},
    "agents": {"agents", "datafiles", "twin.core"},
    "sensors": {"sensors", "datafiles", "twin.core"},
    "twin.core": {"twin.core", "datafiles"},
    "twin.scenario": {"twin.scenario", "twin.core", "datafiles", *SYSTEMS, *WORLD},
    "twin.world": {"twin.world", "twin.scenario", "twin.core", "datafiles", *SYSTEMS, *WORLD},
    "twin.scoring": {"twin.scoring", "twin.scenario.schema", "twin.core", "datafiles"},
    "twin.runs": {
        "twin.runs",
        "twin.world",
        "twin.scoring",
        "twin.scenario",
        "twin.core",
        "datafiles",
        "matching",
    },
    "twin.report": {
        "twin.report",
        "twin.runs",
        "twin.scoring",
        "twin.scenario",
        "twin.core",
        "datafiles",
    },
    "twin.experiments": {
        "twin.experiments",
        "twin.runs",
        "twin.scoring",
        "twin.scenario",
        "twin.core",
        "datafiles",
        "twin",
    },
    "twin.calibration": {
        "twin.calibration",
        "twin.experiments",
        "twin.runs",
        "twin.scoring",
        "twin.scenario",
        "twin.core",
        "datafiles",
    },
    "twin.bench": {"twin.bench", "twin.core", "datafiles"},
    "twin.app": {
        "twin.app",
        "twin.report",
        "twin.runs",
        "twin.scoring",
        "twin.scenario",
        "twin.core",
        "datafiles",
    },
    "twin.cli": set(PROJECT),
}


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str | None:
    return max(
        (p for p in ALLOWED if module == p or module.startswith(p + ".")), key=len, default=None
    )


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] in PROJECT}


def allowed(name: str, rules: set[str]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in rules) or (
        name.count(".") == 1 and name.split(".")[0] in rules
    )


def violations(package: str) -> list[str]:
    bad = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] not in PROJECT:
            continue
        module = module_of(path)
        if package_of(module) != package:
            continue
        bad += [
            f"{module} imports {n}"
            for n in sorted(imports_of(path))
            if not allowed(n, ALLOWED[package])
        ]
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_it_may(package):
    bad = violations(package)
    assert not bad, "\n".join(bad)


def test_every_module_belongs_to_a_ruled_package():
    loose = [
        module_of(p)
        for p in sorted(ROOT.glob("*/**/*.py"))
        if p.parts[len(ROOT.parts)] in PROJECT
        and package_of(module_of(p)) is None
        and module_of(p) != "twin"
    ]
    assert not loose, loose


def test_the_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from twin.runs.runner import run\nimport agents.residents\n")
    found = imports_of(bad)
    assert not all(allowed(n, ALLOWED["matching"]) for n in found)
    assert not allowed("twin.runs.runner.run", ALLOWED["agents"])
    assert not allowed("twin.world.model.CityModel", ALLOWED["twin.scoring"])
    assert allowed("twin.core.units.DAY", ALLOWED["agents"])


def test_the_twin_uses_the_systems_under_test_through_their_public_api():
    """matching and alerting export their whole API from their packages: the twin, the
    benchmarks and the notebooks import nothing from their modules."""
    users = [*ROOT.glob("twin/**/*.py"), *ROOT.glob("agents/*.py"), *ROOT.glob("sensors/*.py")]
    users += [*ROOT.glob("benchmarks/*.py")]
    deep = [
        f"{p.relative_to(ROOT)} imports {n}"
        for p in users
        for n in imports_of(p)
        if n.split(".")[0] in SYSTEMS and n.count(".") > 1
    ]
    assert not deep, "\n".join(deep)
