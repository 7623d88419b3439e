"""Hostile policy files are rejected with a clear message, never run, never hang."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin.cli import main

CORPUS = sorted((Path(__file__).parent / "hostile").glob("*.yaml"))
PWNED = Path("/tmp/pwned")


def check(path, capsys) -> str:
    assert main(["policy", "check", str(path), "--fields", str(SCENARIOS / "fields")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_each_hostile_file_is_rejected_with_its_location(path, capsys):
    PWNED.unlink(missing_ok=True)
    err = check(path, capsys)
    assert err.startswith(f"error: {path}")
    assert not PWNED.exists()


def test_the_corpus_covers_the_known_attacks():
    names = {p.stem for p in CORPUS}
    assert {
        "attribute",
        "dunder-chain",
        "import-call",
        "power-tower",
        "huge-literal",
        "deep-nesting",
        "yaml-bomb",
        "python-tag",
    } <= names


def test_a_ten_megabyte_file_is_refused_before_it_is_parsed(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_text("id: big\n" + "# padding\n" * 1_100_000)
    assert "file too large" in check(big, capsys)


def test_the_whole_corpus_finishes_promptly_in_a_fresh_process():
    """A guard against hangs: the CLI over every hostile file, under a generous timeout."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "twin.cli",
            "policy",
            "check",
            *map(str, CORPUS),
            "--fields",
            str(SCENARIOS / "fields"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    for path in CORPUS:
        assert str(path) in proc.stderr
