"""The planner notebooks: each is a guided analysis that runs from the top, shows figures and
readable tables, ends on a conclusion read from its run, and is committed with its outputs
(refresh them with ``python tools/run_notebooks.py``)."""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPR = re.compile(r"^\s*[\[{(]")  # a raw list, dict or tuple repr where a table should be
FIGURE_TEXT = re.compile(r"<(matplotlib\.)?[Ff]igure size")  # a figure that did not render


def _runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools/run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _outputs(book):
    return [o for c in book.cells if c.cell_type == "code" for o in c.outputs]


def _conclusion(book) -> str:
    last = book.cells[-1]
    assert last.cell_type == "code", "a notebook ends on its conclusion, read from the run"
    shown = [o for o in last.outputs if "text/markdown" in o.get("data", {})]
    assert shown, "the conclusion cell shows Markdown"
    return shown[-1]["data"]["text/markdown"]


def test_every_shipped_question_has_its_notebook():
    names = {p.stem for p in NOTEBOOKS}
    assert names == {
        "policy-sandbox",
        "draft-estimate",
        "typhoon",
        "sensitivity",
        "matching-cadence",
        "household-policies",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_committed_notebook_carries_its_outputs(path: Path):
    book = nbformat.read(path, as_version=4)
    assert book.cells[0].cell_type == "markdown" and "**The question.**" in book.cells[0].source
    tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "one cell tagged 'parameters' (papermill renders it per place)"
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "committed after a run from the top"
    assert any("image/png" in o.get("data", {}) for o in _outputs(book))
    _conclusion(book)


@pytest.fixture(scope="module")
def runner():
    return _runner()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_notebook_runs_and_shows_figures_tables_and_a_current_conclusion(path, runner):
    book = runner.execute(path)
    outputs = _outputs(book)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "at least one figure rendered as an image"
    for o in outputs:
        assert o.output_type != "error"
        if o.output_type == "stream":
            assert o.name != "stderr", f"warnings or errors on stderr: {o.text[:300]}"
            continue
        data = o.get("data", {})
        text = data.get("text/plain", "")
        if set(data) <= {"text/plain"}:
            assert not REPR.match(text), f"a raw repr instead of a table: {text[:200]}"
        assert not FIGURE_TEXT.search(text) or "image/png" in data
    committed = nbformat.read(path, as_version=4)
    assert _conclusion(book) == _conclusion(committed), (
        "the committed outputs are stale: python tools/run_notebooks.py " + path.name
    )
