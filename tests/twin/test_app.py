"""The rehearsal page (twin app): levers from the scenario schema, a city stepping day by day,
a bad lever's located message instead of a crash, "save as scenario" that twin run reproduces,
and the page itself in a real browser (Debian's chromium, driven by Playwright)."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import twin
from tests.browser import CHROMIUM, FLAGS, playwright
from tests.conftest import SCENARIOS
from twin.app.indicators import SHOWN, difference, indicator_table
from twin.app.levers import levers
from twin.app.rehearsal import Rehearsal
from twin.cli import main

SANDBOX = SCENARIOS / "policy-sandbox.yaml"
DELIVERY = "policy_delivery.elderly-care-allowance"


def test_levers_come_from_the_schema_with_the_variants_keys_first():
    found = levers(twin.load_scenario(SANDBOX), {"elderly-care-allowance": "auto"})
    by_key = {lv.key: lv for lv in found}
    assert found[0].key == DELIVERY and found[0].choices == ("apply", "push", "auto")
    assert by_key["treasury.route"].choices == ("direct", "layered")
    assert by_key["libraries.person.missing"].kind == "SliderFloat"
    assert (by_key["libraries.person.missing"].low, by_key["libraries.person.missing"].high) == (
        0.0, 1.0,
    )  # fmt: skip
    assert by_key["libraries.person.update_lag"].value == "20d"  # a duration, in days
    assert by_key["approval.reviewers"].kind == "SliderInt"
    assert by_key["matching.on_events"].kind == "Checkbox"


def test_a_rehearsal_steps_day_by_day_and_scores_the_run_so_far(tmp_path):
    model = Rehearsal(str(SANDBOX), scale=0.002, folder=str(tmp_path), **{DELIVERY: "auto"})
    assert model.result() is None and model.running
    for _ in range(5):
        model.step()
    result = model.result()
    assert model.day == 5 and result.scenario.days == 5
    assert model.result() is result  # scored once per step, however many parts read it
    assert result.summary["metrics"]["paid"]["value"] > 0


def test_side_by_side_runs_the_scenario_as_written_on_the_same_random_numbers(tmp_path):
    same = Rehearsal(str(SANDBOX), scale=0.002, folder=str(tmp_path), side_by_side=True)
    for _ in range(6):
        same.step()
    mine, written = same.result().summary["metrics"], same.written_result().summary["metrics"]
    assert all(difference(written[k], mine[k]) == 0 for k in SHOWN if k in mine)  # the same run
    changed = Rehearsal(
        str(SANDBOX), scale=0.002, folder=str(tmp_path), side_by_side=True, **{DELIVERY: "apply"}
    )
    for _ in range(6):
        changed.step()
    table = indicator_table(changed.result(), changed.written_result())
    assert "| indicator | as written | with the levers | difference |" in table
    coverage = next(line for line in table.splitlines() if line.startswith("| coverage |"))
    assert coverage.split("|")[4].strip().startswith("-")  # applying reaches fewer, paired
    assert " pp" in coverage  # a difference of shares, in percentage points


def test_a_sensing_scenario_draws_its_townships_by_open_alerts_floods_and_jobs(tmp_path):
    from twin.core.units import DAY
    from twin.runs.plots import open_alerts, township_map

    model = Rehearsal(str(SCENARIOS / "typhoon-flood.yaml"), scale=0.002, folder=str(tmp_path))
    for _ in range(2):
        model.step()
    tables, now = model.result().tables, 2 * DAY
    fig = township_map(tables, model.city.city, now)
    assert "alerts open at day 3, 00:00" in fig.axes[0].get_title()
    alerts = tables["alerts"].to_pandas()
    fired = set(alerts.loc[alerts.kind.isin(["fired", "escalated"]), "alert_id"])
    closed = set(alerts.loc[alerts.kind == "resolved", "alert_id"])
    assert len(open_alerts(tables["alerts"], now)) == len(fired - closed) > 0


def test_a_finished_run_is_written_as_a_run_folder_with_its_report(tmp_path):
    from twin.report import write_report

    model = Rehearsal(str(SANDBOX), scale=0.002, folder=str(tmp_path))
    model.step()
    with pytest.raises(ValueError, match="has not reached its last day"):
        model.write_run()
    while model.running:
        model.step()
    first, second = model.write_run(), model.write_run()
    assert (first.name, second.name) == ("run", "run-2")
    html = write_report(first).read_text(encoding="utf-8")
    assert "coverage" in html and twin.score(first) == model.result().summary


def test_a_sensing_scenario_steps_by_the_hour_or_by_its_network_tick(tmp_path):
    typhoon = str(SCENARIOS / "typhoon-flood.yaml")
    hourly = Rehearsal(typhoon, scale=0.002, folder=str(tmp_path), step="hour")
    for _ in range(27):
        hourly.step()
    assert hourly.clock == "Day 2, 03:00 of 3" and hourly.result().scenario.days == 2
    ticks = Rehearsal(typhoon, scale=0.002, folder=str(tmp_path), step="tick")
    ticks.step()
    assert ticks.seconds_per_step == ticks.twin_scenario.sensing.tick
    assert ticks.clock == "Day 1, 00:01 of 3"  # one 60-second tick


def test_the_pages_funnel_is_the_reports_own_table(tmp_path):
    from twin.report.contents import gather, policy_tables

    model = Rehearsal(str(SANDBOX), scale=0.002, folder=str(tmp_path))
    while model.running:
        model.step()
    result = model.result()
    live = policy_tables(result.scenario, result.tables, result.summary, "elderly-care-allowance")
    written = gather(model.write_run())
    report = [
        b for s in written.sections for b in s.blocks if getattr(b, "title", "") == live[0].title
    ]
    assert live[0].title == "From eligibility to money" and live[0].rows == report[0].rows


def test_a_bad_lever_shows_the_command_lines_located_message_and_stops_nothing(tmp_path):
    model = Rehearsal(str(SANDBOX), folder=str(tmp_path), **{"libraries.person.update_lag": "3x"})
    assert model.city is None and not model.running
    assert (
        "libraries.person.update_lag" in model.problem and "durations need a unit" in model.problem
    )
    model.step()  # nothing to step, no error
    assert model.result() is None


def test_save_as_scenario_runs_to_the_same_result_and_never_overwrites(tmp_path):
    levers_set = {DELIVERY: "apply", "libraries.person.update_lag": "10d"}
    model = Rehearsal(str(SANDBOX), scale=0.002, folder=str(tmp_path), **levers_set)
    while model.running:
        model.step()
    first, second = model.save_as(), model.save_as()
    assert first.parent == tmp_path and second.name == "scenario-2.yaml"
    assert "#   policy_delivery.elderly-care-allowance: apply" in first.read_text()
    again = twin.run(twin.load_scenario(first))
    assert again.summary == model.result().summary


def test_twin_app_refuses_a_bad_scenario_and_a_bad_port_with_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nduration: 3x\n")
    assert main(["app", str(bad)]) == 2
    assert "duration" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["app", str(SANDBOX), "--port", "80"])
    assert exit_.value.code == 2


# -- in a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``twin app`` on a free loopback port, stopped after the module."""
    folder = tmp_path_factory.mktemp("app")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "twin.cli", "app", str(SANDBOX), "--port", str(port),
               "--scale", "0.002", "--out", str(folder)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("twin app did not answer within 90 s:\n" + proc.communicate()[0][-2000:])
    yield url, folder
    proc.terminate()
    proc.wait(timeout=30)


def _coverage(page) -> float:
    text = page.inner_text("body")
    return float(re.search(r"coverage\s+([\d.]+)%", text).group(1))


def _step(page, days: int, start: int = 0) -> None:
    for day in range(start + 1, start + days + 1):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(f"Day {day} of 60").wait_for(timeout=60_000)


def test_the_page_steps_the_city_and_a_lever_moves_coverage_the_expected_way(server, tmp_path):
    url, folder = server
    with playwright()() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_role("button", name="Step").wait_for(timeout=90_000)
        _step(page, 8)
        page.get_by_text("From eligibility to money").first.wait_for(timeout=30_000)
        assert "Traceback" not in page.inner_text("body")
        paid_automatically = _coverage(page)
        assert page.locator("img").count() >= 1  # the overview figure
        other = browser.new_page()  # a second tab: a session of its own, at day 0
        other.goto(url)
        other.get_by_role("button", name="Step").wait_for(timeout=90_000)
        other.get_by_text("Day 0 of 60").wait_for(timeout=60_000)
        other.close()
        delivery = page.locator(".v-select", has_text=DELIVERY)
        delivery.locator(".v-field").click()  # delivery: by application
        page.locator(".v-list-item", has_text="apply").first.click()
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Day 0 of 60").wait_for(timeout=60_000)
        _step(page, 8)
        assert _coverage(page) < paid_automatically  # applying reaches fewer in the same days
        page.locator("label", has_text="side by side with the scenario as written").first.click()
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Day 0 of 60").wait_for(timeout=60_000)
        _step(page, 2)
        page.get_by_text("difference", exact=True).wait_for(timeout=30_000)  # the paired column
        page.get_by_role("button", name="Save as scenario").click()
        page.get_by_text("runs it").wait_for(timeout=30_000)
        assert "Traceback" not in page.inner_text("body")
        saved = sorted(Path(folder).glob("*.yaml"))
        assert saved and "elderly-care-allowance: apply" in saved[-1].read_text()
        page.get_by_text("Day 2 of 60").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "app.png"))
        page.get_by_role("button", name="▶").click()  # play to the end, then open the report
        page.get_by_text("Day 60 of 60").wait_for(timeout=240_000)
        page.get_by_role("button", name="Open report").click()
        page.get_by_text("report.html").first.wait_for(timeout=60_000)
        report = page.frame_locator("iframe[title=report]")
        report.locator("table#headline").wait_for(timeout=30_000)
        assert "coverage" in report.locator("table#headline").inner_text()
        if os.environ.get("CITYTWIN_APP_SCREENSHOT"):
            shutil.copy(tmp_path / "app.png", os.environ["CITYTWIN_APP_SCREENSHOT"])
        browser.close()
