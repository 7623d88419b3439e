"""The three sensing scenarios run, and answer their planners' questions in the right direction.

Each is shortened or scaled down to keep the suite fast; the levers are the scenarios' own.
"""

import numpy as np
import pyarrow.compute as pc
import pytest

import twin
from tests.conftest import SCENARIOS
from twin.runs.compare import with_overrides


def run(name: str, **overrides):
    scenario = twin.load_scenario(SCENARIOS / f"{name}.yaml")
    variant = overrides.pop("variant", None)
    chosen = dict(scenario.variants.get(variant, {})) if variant else {}
    return twin.run(with_overrides(scenario, {**chosen, **overrides}, variant or "test"))


@pytest.fixture(scope="module")
def typhoon():
    return run("typhoon-flood", **{"duration": "2d", "city.scale": 0.01})


def test_a_typhoon_floods_low_lying_communities_and_the_sensors_catch_most(typhoon):
    kinds = typhoon.summary["sensing"]["by_incident_kind"]
    assert kinds["flood"]["incidents"] > 20
    assert kinds["flood"]["incident_recall"] > 0.4  # communities without a sensor are missed
    floods = typhoon.tables["incidents"].filter(
        pc.equal(typhoon.tables["incidents"]["kind"], "flood")
    )
    assert pc.min(floods["onset"]).as_py() > 6 * 3600  # not before the storm arrives
    jobs = typhoon.tables["jobs"]
    water = jobs.filter(pc.equal(jobs["kind"], "water_level"))
    assert water.num_rows > 0
    # the platform's rules raise one alert per community; the sensors' readings are its signals
    rules = set(typhoon.tables["alerts"]["rule"].to_pylist())
    assert "CommunityFlooding" in rules and "Waterlogging" not in rules


def test_more_waterlogging_sensors_catch_more_floods(typhoon):
    dense = run(
        "typhoon-flood",
        **{"duration": "2d", "city.scale": 0.01, "sensing.deploy.water_level.count": 240_000},
    )

    def recall(r):
        return r.summary["sensing"]["by_incident_kind"]["flood"]["incident_recall"]

    assert recall(dense) > recall(typhoon) + 0.1


def test_the_storm_cuts_power_and_whole_cells_fall_silent(typhoon):
    outages = typhoon.tables["outages"]
    power = outages.filter(pc.equal(outages["cause"], "power"))
    assert power.num_rows > 10
    alerts = typhoon.tables["alerts"]
    down = alerts.filter(
        pc.and_(pc.equal(alerts["rule"], "CellDown"), pc.equal(alerts["kind"], "offline"))
    )
    assert down.num_rows >= 0.8 * power.num_rows
    assert typhoon.metric("offline_detection_delay_p50") < 3600


def test_inhibition_spares_the_maintenance_crew_visits_to_cells_without_power(typhoon):
    without = run(
        "typhoon-flood", variant="no_inhibition", **{"duration": "2d", "city.scale": 0.01}
    )
    assert without.metric("notifications_maintenance") > typhoon.metric("notifications_maintenance")
    # the same truth and the same alerts: only what reaches people differs
    assert without.metric("alerts_fired") == typhoon.metric("alerts_fired")
    # ... and the crew that exists in the model does the difference: more trips for nothing
    assert without.metric("maintenance_visits") > typhoon.metric("maintenance_visits")
    assert without.metric("wasted_visits") > typhoon.metric("wasted_visits")
    assert typhoon.metric("batteries_replaced") > 0


def test_the_hardest_hit_township_is_named_and_extra_staff_there_shorten_its_queue(typhoon):
    town = typhoon.metric("hardest_hit_township")
    local = typhoon.summary["sensing"]["by_township"][str(town)]
    assert local["events_per_worker_10min"] == typhoon.metric("hardest_hit_events_per_worker_10min")
    assert local["events_per_worker_10min"] > typhoon.metric("alerts_per_worker_10min")
    more = run(
        "typhoon-flood",
        **{
            "duration": "2d",
            "city.scale": 0.01,
            f"response.townships.{town}": {"workers_per_community": 10, "duty_team": 30},
        },
    )
    after = more.summary["sensing"]["by_township"][str(town)]
    assert after["workers"] > local["workers"]
    assert after["events_per_worker_10min"] < local["events_per_worker_10min"]
    assert (after["worker_wait_p95"] or 0.0) <= (local["worker_wait_p95"] or 0.0)


def test_gas_leaks_are_caught_within_minutes_and_paging_at_once_costs_false_alarms():
    o = {"duration": "3d", "city.scale": 0.01, "sensing.incidents.gas_leak.per_year": 0.3}
    planned = run("gas-safety", **o)
    at_once = run("gas-safety", variant="page_at_once", **o)
    kinds = planned.summary["sensing"]["by_incident_kind"]
    assert kinds["gas_leak"]["incidents"] >= 10
    assert planned.metric("incident_recall") > 0.8
    assert planned.metric("detection_delay_p50") < 15 * 60
    assert at_once.metric("false_alarms") > planned.metric("false_alarms")
    assert at_once.metric("detection_delay_p50") <= planned.metric("detection_delay_p50")


def test_falls_of_older_people_living_alone_are_noticed_within_a_day_or_two():
    r = run("elderly-alone", **{"duration": "20d", "sensing.incidents.fall.per_year": 0.5})
    kinds = r.summary["sensing"]["by_incident_kind"]
    assert kinds["fall"]["incidents"] >= 5
    assert kinds["fall"]["incident_recall"] > 0.5
    delay = kinds["fall"]["detection_delay_p50"]
    assert 6 * 3600 < delay < 2 * 86_400  # the meter uploads once a day
    types = r.summary["sensing"]["by_device_type"]
    assert types["water_meter"]["false_alarms"] > 0  # people away from home
    jobs = r.tables["jobs"]
    visits = jobs.filter(pc.equal(jobs["kind"], "water_meter"))
    assert set(visits["platform"].to_pylist()) == {"convenient services"}
    assert np.isfinite(r.metric("disposal_rate"))
