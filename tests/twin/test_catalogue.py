"""The dated catalogue (docs/history.md): policies come online along the documented curve, each
a copy of a template under its own id and dates, delivered as its era delivers; people hear of
and act on a policy only while it is in force."""

import datetime as dt
import itertools

import numpy as np
import pyarrow.compute as pc
import pytest

import twin
from matching import load_registry, run_policy_tests
from tests.conftest import SCENARIOS, SKELETON
from twin.cli import main
from twin.core.units import DAY
from twin.runs.runner import build_model
from twin.scenario.catalogue import Catalogue, dated_copies
from twin.scenario.inputs import catalogue_policies, load_policies

LAUNCH, V2, BY = dt.date(2020, 6, 16), dt.date(2021, 3, 30), dt.date(2022, 6, 18)
RELIEF = SCENARIOS / "policies" / "sme-relief.yaml"
ELDERLY = SCENARIOS / "policies" / "elderly-care-allowance.yaml"


@pytest.fixture(scope="module")
def registries():
    return {t: load_registry(SCENARIOS / "fields" / f"{t}.yaml") for t in ("person", "enterprise")}


def _catalogue(**kw) -> Catalogue:
    return Catalogue(**{"templates": [RELIEF], "policies": 1000, **kw})


def test_the_curve_starts_at_its_launch_share_steps_at_version_2_and_lands_on_its_total():
    c = _catalogue(at_launch=0.1, step_at_version_2=0.2)
    span = (BY - LAUNCH).days
    assert c.online_by(LAUNCH - dt.timedelta(days=1)) == 0
    assert c.online_by(LAUNCH) == pytest.approx(100)
    eve = V2 - dt.timedelta(days=1)
    grown = 700 * (eve - LAUNCH).days / span
    assert c.online_by(eve) == pytest.approx(100 + grown)
    assert c.online_by(V2) == pytest.approx(100 + 200 + 700 * (V2 - LAUNCH).days / span)
    assert c.online_by(BY) == pytest.approx(1000)
    assert c.online_by(BY + dt.timedelta(days=400)) == pytest.approx(1000)


def test_opening_dates_follow_the_curve():
    c = _catalogue(at_launch=0.1, step_at_version_2=0.2)
    dates = c.opening_dates()
    assert len(dates) == 1000 and dates == sorted(dates)
    assert dates[0] == LAUNCH and dates[-1] <= BY
    assert sum(d == LAUNCH for d in dates) == 100  # the share online at launch
    for day in (V2 - dt.timedelta(days=1), V2, dt.date(2021, 12, 1)):
        assert abs(sum(d <= day for d in dates) - c.online_by(day)) <= 1


def test_copies_have_their_own_ids_dates_and_shifted_parameters(registries):
    templates = load_policies([SCENARIOS / "policies" / "graduate-living-subsidy.yaml"], registries)
    c = Catalogue(templates=[templates[0].file], policies=50, lifetime="180d")
    copies = dated_copies(c, templates)
    assert len({p.id for p in copies}) == 50
    assert [p.spec.valid_from for p in copies] == c.opening_dates()
    template = templates[0].spec
    for p in copies:
        assert p.spec.valid_to - p.spec.valid_from == dt.timedelta(days=179)
        assert p.spec.tests == []
        for name, param in p.spec.parameters.items():
            want = template.parameters[name].value_on(template.valid_from)
            assert param.value_on(p.spec.valid_from) == want  # the template's values, moved


def test_the_catalogue_is_the_same_for_one_seed_and_another_for_another(registries):
    templates = load_policies([RELIEF, ELDERLY], registries)

    def drawn(seed):
        return [(p.id, p.spec.delivery) for p in dated_copies(_catalogue(seed=seed), templates)]

    assert drawn(1) == drawn(1)
    assert drawn(1) != drawn(2)
    ids = {i.rsplit("-", 1)[0] for i, _ in drawn(1)}
    assert ids == {"sme-relief", "elderly-care-allowance"}  # both templates drawn


def test_delivery_follows_the_era_a_policy_opens_in(registries):
    templates = load_policies([RELIEF], registries)
    c = _catalogue(delivery_before_version_2={"apply": 1.0},
                   delivery_from_version_2={"push": 1.0, "auto": 1.0})  # fmt: skip
    copies = dated_copies(c, templates)
    before = [p.spec.delivery for p in copies if p.spec.valid_from < V2]
    after = [p.spec.delivery for p in copies if p.spec.valid_from >= V2]
    assert set(before) == {"apply"}
    assert set(after) == {"push", "auto"}
    assert 0.4 < np.mean([d == "auto" for d in after]) < 0.6


def test_amount_factor_scales_what_each_copy_pays(registries):
    c = Catalogue(
        templates=[RELIEF], policies=3, amount_factor={"enterprise": 2.0}, district_share=0
    )
    copies = catalogue_policies(c, registries)
    template = load_policies([RELIEF], registries)[0]
    doubled = [
        t.model_copy(update={"output": t.output.model_copy(update={"amount": 2 * t.output.amount})})
        if t.output.amount is not None
        else t.model_copy(update={"date": copies[0].spec.valid_from})
        for t in template.spec.tests
    ]
    for p in copies:
        dated = [t.model_copy(update={"date": p.spec.valid_from}) for t in doubled]
        with_tests = p.spec.model_copy(update={"tests": dated})
        assert run_policy_tests(type(p)(with_tests, *_rest(p)), registries["enterprise"]) == []


def _rest(p):
    return p.conditions, p.amount, p.file, p.origins


@pytest.mark.parametrize(
    ("catalogue", "says"),
    [
        ("{policies: 5}", "needs templates"),
        ("{policies: 5, templates: [policies/sme-relief.yaml], by: 2020-01-01}", "'by' must"),
        ("{at_launch: 0.7, step_at_version_2: 0.5}", "at most 1"),
        ("{policies: 100000, templates: [policies/sme-relief.yaml]}", "20000"),
    ],
)
def test_a_catalogue_that_cannot_be_is_refused_located(catalogue, says, tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {SKELETON}\nname: s\ncatalogue: {catalogue}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "s.yaml" in err and "catalogue" in err and says in err, err


def test_nobody_hears_of_acts_on_or_is_paid_by_a_policy_before_it_opens():
    opens = dt.date(2022, 6, 11)
    scenario = twin.load_scenario(
        SKELETON,
        {
            "policies": [],
            "duration": "20d",
            "sensing.enabled": False,
            "catalogue.templates": [str(RELIEF)],
            "catalogue.policies": 3,
            "catalogue.launch": opens.isoformat(),
            "catalogue.at_launch": 1.0,
            "catalogue.delivery_before_version_2": {"apply": 1.0},
            "catalogue.delivery_from_version_2": {"apply": 1.0},
        },
    )
    result = twin.run(scenario)
    t = result.tables
    day = (opens - scenario.start).days * DAY
    assert t["actions"].num_rows > 0 and t["actions"]["at"].to_numpy().min() >= day
    assert t["awareness"]["aware_since_day"].to_numpy().min() * DAY >= day
    paid = t["payments"]["settled_at"].to_numpy()
    assert len(paid) > 0 and paid.min() >= day
    assert result.metric("policies_online") == 3
    settled = t["payments"].filter(pc.equal(t["payments"]["status"], "paid"))
    assert result.metric("enterprises_paid") == len(np.unique(settled["entity"]))


def test_a_slice_of_the_history_puts_policies_online_along_its_curve():
    scenario = twin.load_scenario(
        SCENARIOS / "history.yaml",
        {"duration": "75d", "city.scale": 0.0005, "catalogue.policies": 300},
    )
    result = twin.run(scenario)
    reach = result.tables["reach"].to_pylist()
    assert [r["date"] for r in reach] == [dt.date(2020, 6, 30), dt.date(2020, 7, 31),
                                         dt.date(2020, 8, 29)]  # fmt: skip
    curve = scenario.catalogue
    for r in reach:
        assert abs(r["policies_online"] - curve.online_by(r["date"])) <= 1
    assert all(a["visits"] <= b["visits"] for a, b in itertools.pairwise(reach))
    assert reach[-1]["enterprises_paid"] + reach[-1]["persons_paid"] > 0


def test_a_district_runs_most_copies_for_its_own_people_alone(registries):
    def conditions(share):
        c = Catalogue(templates=[RELIEF], policies=200, district_share=share)
        return [[x.text for x in p.conditions] for p in catalogue_policies(c, registries)]

    local = [[t for t in texts if t.startswith("district ==")] for texts in conditions(0.8)]
    share = np.mean([len(x) == 1 for x in local])
    assert 0.7 < share < 0.9
    assert len({x[0] for x in local if x}) == 10  # every district runs some
    assert all(not any(t.startswith("district ==") for t in x) for x in conditions(0.0))


def test_the_daily_totals_count_every_office_in_force_or_not():
    """The model's DataCollector sums awareness, action and pushes over every office, keeping
    the counts of offices out of force (which cannot change) instead of recounting them: on
    the last day, after copies have expired, its totals are the offices' own."""
    scenario = twin.load_scenario(
        SKELETON,
        {
            "policies": [],
            "duration": "30d",
            "sensing.enabled": False,
            "catalogue.templates": [str(RELIEF)],
            "catalogue.policies": 6,
            "catalogue.launch": "2022-06-01",
            "catalogue.by": "2022-06-20",
            "catalogue.lifetime": "8d",
            "catalogue.delivery_before_version_2": {"apply": 1.0, "push": 1.0},
            "catalogue.delivery_from_version_2": {"apply": 1.0, "push": 1.0},
        },
    )
    model = build_model(scenario)
    model.run()
    offices = model.policies.offices.values()
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    assert last["aware"] == sum(int(o.awareness.aware.sum()) for o in offices) > 0
    assert last["acted"] == sum(int(o.state.dense("acted").sum()) for o in offices)
    assert last["pushed"] == sum(int(o.state.dense("pushed").sum()) for o in offices)
    ends = [p.spec.valid_to for p in model.policies.matcher.policies]
    assert min(ends) < scenario.start + dt.timedelta(days=29)  # some expired before the end


def test_person_share_sets_how_many_copies_serve_residents(registries):
    """With person_share the catalogue draws that share of its copies from person templates
    (within a few standard errors), and its other draws - dates, delivery, districts - stay as
    they were; without it the templates are drawn alike."""
    base = Catalogue(templates=[RELIEF], policies=2000)
    templates = load_policies(
        [SCENARIOS / "policies" / f for f in ("sme-relief.yaml", "elderly-care-allowance.yaml",
                                              "hiring-subsidy.yaml")], registries
    )  # fmt: skip
    for share in (0.1, 0.5, 0.9):
        c = base.model_copy(update={"person_share": share})
        copies = dated_copies(c, templates)
        persons = np.mean([p.spec.target == "person" for p in copies])
        assert abs(persons - share) < 4 * np.sqrt(share * (1 - share) / 2000)
        plain = dated_copies(base, templates)
        assert [p.spec.delivery for p in copies] == [p.spec.delivery for p in plain]
        assert [p.spec.valid_from for p in copies] == [p.spec.valid_from for p in plain]
