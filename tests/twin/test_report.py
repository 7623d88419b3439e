"""The run report: written by 'twin run', readable from the folder alone, and checked in a real
browser (Debian's chromium, driven by Playwright) as a planner would open it."""

import re

import pytest

from tests.browser import CHROMIUM, FLAGS, playwright
from tests.conftest import SCENARIOS, SKELETON
from twin.cli import main

SANDBOX = SCENARIOS / "policy-sandbox.yaml"
SMALL = ["--set", "duration=20d", "--set", "city.scale=0.001", "--quiet"]
RAW = re.compile(r"Traceback|Exception|error:|\bnan\b|\bNone\b|\d\.?\d*e[+-]\d\d")  # never shown


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "sandbox"
    assert main(["run", str(SANDBOX), *SMALL, "--replications", "2", "--out", str(out)]) == 0
    return out


def test_twin_run_writes_the_report_with_its_sections(sandbox, capsys):
    html = (sandbox / "report.html").read_text(encoding="utf-8")
    md = (sandbox / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "how many of them does each mode reach" in text  # the question
        assert "Δ vs apply" in text and "policy_delivery" in text  # differences and levers
        assert "From eligibility to money" in text and "Coverage by age band" in text
        assert "Who is missed, and why" in text and "Who is missed, by age band" in text
        assert "scenario file SHA-256" in text
        assert not RAW.search(text), RAW.search(text)
    assert 'id="headline"' in html and 'id="comparison"' in html
    assert "data:image/png;base64," in html and 'src="http' not in html  # self-contained
    assert "![The variants compared](comparison.png)" in md


def test_twin_report_rewrites_it_from_the_folder_alone(sandbox, capsys):
    before = (sandbox / "report.html").read_bytes()
    (sandbox / "report.html").unlink()
    assert main(["report", str(sandbox)]) == 0
    assert (sandbox / "report.html").read_bytes() == before
    assert "report.html" in capsys.readouterr().out


def test_a_single_run_has_a_report_and_no_report_skips_it(tmp_path):
    small = ["--set", "duration=3d", "--set", "city.scale=0.0005", "--quiet"]
    assert main(["run", str(SKELETON), *small, "--out", str(tmp_path / "one")]) == 0
    html = (tmp_path / "one" / "report.html").read_text(encoding="utf-8")
    assert 'id="headline"' in html and "What differs" not in html
    assert "Sensing and response" in html  # the skeleton runs sensors too
    args = ["run", str(SKELETON), *small, "--out", str(tmp_path / "two"), "--no-report"]
    assert main(args) == 0
    assert not (tmp_path / "two" / "report.html").exists()


def test_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a run folder" in err and "twin run --out" in err


def test_the_report_reads_in_a_browser(sandbox, tmp_path):
    with playwright()() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((sandbox / "report.html").as_uri())
        headline = page.locator("table#headline")
        assert headline.is_visible()
        assert "coverage" in headline.inner_text()
        figure = page.locator("#comparison img")
        assert figure.is_visible()
        assert page.evaluate("document.querySelector('#comparison img').naturalWidth") > 300
        assert all(page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth)"))
        body = page.inner_text("body")
        assert not RAW.search(body), RAW.search(body)
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 50_000  # a page of tables and figures, not a blank one
