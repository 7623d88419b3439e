"""The house rules of ARCHITECTURE.md: which room may import which."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = {"datafiles", "matching", "alerting", "agents", "sensors", "twin"}
TWIN_CORE = {"twin.core"}
# room -> project modules it may import (a package name allows the whole package)
ALLOWED = {
    "datafiles": {"datafiles"},
    "matching": {"matching", "datafiles"},
    "alerting": {"alerting", "datafiles"},
    "sensors": {"sensors", "datafiles"} | TWIN_CORE,
    "agents": {"agents", "datafiles"} | TWIN_CORE,
    "twin": PROJECT,
}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return {n for n in names if n.split(".")[0] in PROJECT}


def allowed(name: str, rules: set[str]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in rules) or (
        # `from twin.core.clock import DAY` yields "twin.core.clock.DAY": judge the module part
        ".".join(name.split(".")[:2]) in rules
    )


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_room_imports_only_what_it_may(room):
    bad = []
    for path in sorted((ROOT / room).rglob("*.py")):
        bad += [
            f"{path.relative_to(ROOT)} imports {n}"
            for n in sorted(imports_of(path))
            if not allowed(n, ALLOWED[room])
        ]
    assert not bad, "\n".join(bad)


def test_systems_under_test_never_see_the_twin():
    for room in ("matching", "alerting"):
        for path in (ROOT / room).rglob("*.py"):
            roots = {n.split(".")[0] for n in imports_of(path)}
            assert not roots & {"twin", "agents", "sensors"}, path


def test_the_checker_catches_a_forbidden_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from twin.runs.runner import run\nimport agents.residents\n")
    found = imports_of(bad)
    assert not all(allowed(n, ALLOWED["matching"]) for n in found)
    assert not allowed("twin.run", ALLOWED["agents"])
