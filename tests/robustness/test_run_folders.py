"""Run folders are whole or absent: written aside and renamed into place with a manifest,
never overwritten unasked, never read half-written (docs/robustness.md)."""

import json

import pytest

import twin
from datafiles import UserError
from tests.conftest import SKELETON
from twin.cli import main
from twin.core.folders import MANIFEST

SMALL = {"duration": "2d", "city.scale": 0.0005}


@pytest.fixture(scope="module")
def result():
    return twin.run(twin.load_scenario(SKELETON, SMALL))


def test_a_written_run_carries_its_manifest_of_every_file(result, tmp_path):
    out = result.write(tmp_path / "run")
    manifest = json.loads((out / MANIFEST).read_text())
    on_disk = {p.name for p in out.iterdir()} - {MANIFEST}
    assert set(manifest["files"]) == on_disk
    assert manifest["files"]["summary.json"]["bytes"] == (out / "summary.json").stat().st_size
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # nothing left beside it


def test_an_existing_folder_is_refused_unless_replaced_whole(result, tmp_path):
    out = result.write(tmp_path / "run")
    (out / "stray.txt").write_text("from another run")
    with pytest.raises(UserError, match="exists and holds files"):
        result.write(out)
    result.write(out, replace=True)
    assert not (out / "stray.txt").exists()  # replaced whole, not mixed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_write_that_fails_leaves_nothing(result, tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(result), "write_files", crash)
    with pytest.raises(OSError):
        result.write(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_readers_refuse_a_folder_without_its_manifest(result, tmp_path, capsys):
    out = result.write(tmp_path / "run")
    (out / MANIFEST).unlink()
    for command in (["score", str(out)], ["report", str(out)]):
        assert main(command) == 2
        assert "incomplete run folder" in capsys.readouterr().err


def test_the_output_is_checked_before_the_run(tmp_path, capsys):
    file = tmp_path / "a-file"
    file.write_text("x")
    assert main(["run", str(SKELETON), "--quiet", "--out", str(file)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
