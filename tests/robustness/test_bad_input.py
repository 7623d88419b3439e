"""Bad input a user types gets a located error and exit 2 before any work: dates that do not
exist, values a tag cannot be, keys written twice, numbers beyond what their meaning allows,
names that would become paths (docs/robustness.md)."""

import time

import pytest

from tests.conftest import ROOT, SCENARIOS, SKELETON
from twin.cli import main

SMALL = ["--set", "duration=2d", "--set", "city.scale=0.0005", "--quiet"]


def _fails_located(args, capsys, *expected: str) -> str:
    started = time.perf_counter()
    assert main(args) == 2
    assert time.perf_counter() - started < 10  # refused before the work, not after it
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for text in expected:
        assert text in err, err
    return err


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("start: 2022-02-30", "start: '2022-02-30' is not a date"),
        ("seed: !!int abc", "seed: 'abc' is not a whole number"),
        ("start: !!timestamp x", "start: 'x' is not a date"),
        ("? [a, b]\n: 1", "a key must be plain text"),
        ("name: twice\nname: again", "the key 'name' appears twice"),
    ],
)
def test_a_scenario_value_yaml_cannot_read_is_located(line, where, write, capsys):
    key = line.split(":")[0]
    lines = [x for x in SKELETON.read_text().splitlines() if not x.startswith(f"{key}:")]
    path = write("bad.yaml", "\n".join([*lines, line]) + "\n")
    err = _fails_located(["validate", str(path)], capsys, where)
    assert "bad.yaml:" in err  # the file and its line


def test_a_policy_date_that_does_not_exist_is_located(tmp_path, capsys):
    text = (SCENARIOS / "policies" / "elderly-care-allowance.yaml").read_text()
    bad = tmp_path / "policies" / "p.yaml"
    bad.parent.mkdir()
    bad.write_text(text.replace("valid_from: 2022-01-01", "valid_from: 2022-02-30"))
    assert "2022-02-30" in bad.read_text()
    args = ["policy", "check", str(bad), "--fields", str(SCENARIOS / "fields")]
    _fails_located(args, capsys, "p.yaml:", "valid_from: '2022-02-30' is not a date")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("start=2022-02-30", "start"),
        ("seed=-1", "greater than or equal to 0"),
        ("duration=0s", "greater than 0"),
        ("duration=99999999999w", "at most 100 years"),
        ("start=9999-12-20", "less than or equal to 2200-12-31"),
        ("city.residents=100000000000", "less than or equal to 20000000"),
        ("city.scale=.inf", "finite number"),
        ("approval.reviewers=.nan", "finite number"),
        ("sensing.tick=0.01s", "greater than or equal to 10"),
        ("sensing.incidents.gas_leak.per_year=1e9", "less than or equal to 1000"),
        ("name=../../x", "it names a folder"),
        ("name=..", "it names a folder"),
    ],
)
def test_values_beyond_their_meaning_are_refused_before_the_run(override, expected, capsys):
    args = ["run", str(SKELETON), *SMALL, "--set", override, "--out", "/nonexistent/never"]
    _fails_located(args, capsys, f"--set {override}", expected)


def test_a_sensing_run_that_would_never_end_is_refused_with_its_budget(capsys):
    args = ["validate", str(SKELETON), "--set", "sensing.tick=10s", "--set", "duration=400d"]
    _fails_located(args, capsys, "sensing.tick", "budget of 1,000,000")


def test_a_sweep_named_dot_dot_is_refused(write, capsys):
    text = (SCENARIOS / "sweeps" / "smoke.yaml").read_text().replace("name: smoke", "name: ..")
    path = write("sweeps/dots.yaml", text.replace("../skeleton.yaml", str(SKELETON)))
    _fails_located(["sweep", str(path)], capsys, "dots.yaml", "it names a folder")


PROMTOOL = ROOT / "tests" / "alerting" / "promtool"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("evaluation_interval: 1m", "evaluation_interval: 0s"), "greater than or equal to 1"),
        (("eval_time: 6m", "eval_time: 1000w"), "budget of 100,000"),
        (("'20-2x8 50 50 50'", "'_x99999999999999999999'"), "longer than 100,000 samples"),
        (("'20-2x8 50 50 50'", "'1e999'"), "too large to be finite"),
    ],
)
def test_a_rule_test_that_would_never_end_is_refused(change, expected, tmp_path, capsys):
    text = (PROMTOOL / "edge-test.yml").read_text()
    assert change[0] in text
    (tmp_path / "edge-rules.yml").write_text((PROMTOOL / "edge-rules.yml").read_text())
    test = tmp_path / "edge-test.yml"
    test.write_text(text.replace(change[0], change[1], 1))
    _fails_located(["rules", "test", str(test)], capsys, "edge-test.yml", expected)


def test_a_device_that_reports_every_zero_seconds_is_refused(tmp_path, capsys):
    text = (SCENARIOS / "rules" / "city.yaml").read_text()
    bad = tmp_path / "city.yaml"
    bad.write_text(text.replace("gas: {report_interval: 1h}", "gas: {report_interval: 0s}"))
    _fails_located(["rules", "check", str(bad)], capsys, "city.yaml", "greater than 0")


def test_two_files_of_one_policy_id_are_a_located_error(tmp_path, capsys):
    policy = SCENARIOS / "policies" / "elderly-care-allowance.yaml"
    copy = tmp_path / "copy.yaml"
    copy.write_text(policy.read_text())
    both = f"policies=[{policy}, {copy}]"
    args = ["validate", str(SCENARIOS / "policy-sandbox.yaml"), "--set", both]
    _fails_located(args, capsys, "copy.yaml:", "policy 'elderly-care-allowance' is also in")


@pytest.mark.parametrize(
    ("design", "runs"),
    [
        ("{kind: lhs, samples: 1000000000}", "1,000,000,000"),
        ("{kind: sobol, samples: 100000}", "800,000"),  # N (D + 2), D = 6
        ("{kind: morris, samples: 100000000}", "700,000,000"),
        ("{kind: factorial}", "1,000,000"),
    ],
)
def test_a_design_beyond_its_budget_is_refused_before_drawing(design, runs, write, capsys):
    levels = "[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]"
    ranged = "levels: " + levels if "factorial" in design else "range: [0.0, 0.9]"
    keys = ["missing", "stale"]
    params = [f"libraries.{t}.{k}: {{{ranged}}}" for t in ("person", "enterprise") for k in keys]
    params += [f"behaviour.{k}: {{{ranged}}}" for k in ("act_per_day", "media_per_day")]
    text = f"name: huge\nscenario: {SKELETON}\nseed: 1\ndesign: {design}\nparameters:\n"
    path = write("huge.yaml", text + "".join(f"  {p}\n" for p in params) + "outputs: [coverage]\n")
    _fails_located(["sweep", str(path)], capsys, "huge.yaml:4", f"draws {runs} runs")


@pytest.mark.parametrize(
    "args",
    [
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "--batch", "-1"],
        ["sweep", str(SCENARIOS / "sweeps" / "smoke.yaml"), "-j", "0"],
        ["policy", "generate", "--count", "100000000", "--out", "/nonexistent/x"],
    ],
)
def test_counts_on_the_command_line_are_bounded(args, capsys):
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own refusal
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert "at least 1" in err or "from 1 to 100,000" in err


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1 / 0", "not a finite number"),
        ("1000000000000000 * 1000", "1,000,000,000,000,000,000.00 yuan for everyone"),
        ("0 - 50", "-50.00 yuan for everyone"),
    ],
)
def test_a_constant_amount_no_treasury_can_pay_is_refused(amount, expected, tmp_path, capsys):
    text = (SCENARIOS / "policies" / "elderly-care-allowance.yaml").read_text()
    bad = tmp_path / "p.yaml"
    bad.write_text("\n".join(
        f"amount: '{amount}'" if x.startswith("amount:") else x for x in text.splitlines()
    ))  # fmt: skip
    args = ["policy", "check", str(bad), "--fields", str(SCENARIOS / "fields")]
    _fails_located(args, capsys, "p.yaml:", "amount:", expected)


def test_an_amount_that_is_no_money_for_some_is_unknown_for_them_in_engine_and_truth():
    """Amounts that depend on the data: a division by a zero income, a sum beyond a billion,
    a negative top-up. The engine and truth (written apart) agree: unknown, unknown, nothing."""
    import datetime as dt

    import numpy as np

    from matching import Table, amounts_of, compile_expression, load_registry
    from twin.world.truth import entitlement

    registry = load_registry(SCENARIOS / "fields" / "person.yaml")
    on = dt.date(2023, 1, 1)
    income = np.array([0.0, 1.0, 2000.0])
    text = "100 / income * 1000000000 - 1000"
    node = compile_expression(text, registry, kind="number").node
    engine = amounts_of(node, Table({"income": income}), on)
    assert np.isnan(engine[0]) and np.isnan(engine[1]) and engine[2] == pytest.approx(49_999_000)
    spec = _spec(text)
    truth = entitlement(spec, registry, {"income": income}, on).amount
    assert np.isnan(truth[0]) and np.isnan(truth[1]) and truth[2] == pytest.approx(49_999_000)
    negative = compile_expression("500 - income", registry, kind="number").node
    assert amounts_of(negative, Table({"income": income}), on)[2] == 0.0  # nothing owed


def _spec(amount: str):
    from matching import PolicySpec

    return PolicySpec.model_validate(
        {
            "id": "top-up", "title": "t", "department": "d", "target": "person",
            "source": {"document": "d", "article": "a"}, "valid_from": "2022-01-01",
            "eligible": "income >= 0", "amount": amount,
        }
    )  # fmt: skip


def test_a_fault_inside_a_variant_names_its_file_and_line(write, capsys):
    path = write(
        "var.yaml",
        f"extends: {SCENARIOS / 'policy-sandbox.yaml'}\nname: var\n"
        "variants:\n  broken: {treasury.route: teleport}\n",
    )
    _fails_located(["validate", str(path)], capsys, "var.yaml:4:", "variants.broken")


@pytest.mark.parametrize(
    "key", ["approval.office_hours", "response.day_shift", "maintenance.shift"]
)
def test_a_span_of_the_day_that_ends_before_it_starts_is_refused(key, capsys):
    args = ["validate", str(SKELETON), "--set", f"{key}=['17:00', '09:00']"]
    _fails_located(args, capsys, key, "ends after it starts")
