"""Faults a planner writes happen when written: the bank down for some hours, the payment
platform crashing and replaying, accounts that bounce, devices that stick, drift or go
silent."""

import numpy as np
import pyarrow.compute as pc
import pytest
import simpy

import twin
from agents.ledger import Ledger
from agents.payments import Instruction, settle
from agents.treasury import (
    BankOutage,
    Downtime,
    PlatformCrash,
    Treasury,
    treasury_payment,
)
from datafiles import UserError
from sensors.faults import DeviceFault, schedule_faults
from tests.conftest import SCENARIOS, SKELETON
from twin.core.units import DAY, HOUR
from twin.runs.compare import with_overrides


class FixedRng:
    def exponential(self, mean):
        return mean

    def random(self):
        return 0.5


def pay(downtime, *, at=0.0, processing=600.0, windows=()):
    env, trace = simpy.Environment(), []

    def later():
        yield env.timeout(at)
        yield env.process(
            treasury_payment(
                env,
                Treasury(direct_processing=processing, bank_windows=list(windows)),
                "direct",
                True,
                rng=FixedRng(),
                settle=lambda t, status: trace.append((t, status)),
                downtime=downtime,
            )
        )

    env.process(later())
    env.run()
    return trace


def test_a_payment_due_while_the_bank_is_down_waits_for_it_to_come_back():
    down = Downtime.of([BankOutage.model_validate({"from": "2d2h", "to": "2d5h"})], [])
    assert pay(down, at=2 * DAY + 3 * HOUR) == [(2 * DAY + 5 * HOUR + 600, "paid")]
    assert pay(down, at=2 * DAY + 1 * HOUR) == [(2 * DAY + 1 * HOUR + 600, "paid")]
    # with batch windows, the first window after the outage
    windows = (9 * HOUR, 14 * HOUR)
    long = Downtime.of([BankOutage.model_validate({"from": "8h", "to": "10h"})], [])
    assert pay(long, at=HOUR, windows=windows) == [(14 * HOUR + 600, "paid")]


def test_an_outage_must_end_after_it_begins():
    with pytest.raises(ValueError, match="end after it begins"):
        BankOutage.model_validate({"from": "2d5h", "to": "2d2h"})


def test_a_crash_during_processing_replays_the_instruction_and_the_ledger_pays_once():
    crash = Downtime.of([], [PlatformCrash.model_validate({"at": "5m", "replay_after": "1h"})])
    trace = pay(crash, at=0.0)
    assert trace == [(600.0, "paid"), (5 * 60 + HOUR, "replayed")]
    ledger, ins = Ledger(), Instruction("p", "run", "person:1", 10_000, True)
    from agents.payments import release

    release(ledger, "p", 10_000, (), at=0.0)
    assert settle(ledger, ins, at=600.0) == "paid"
    assert settle(ledger, ins, at=3_900.0) == "duplicate"  # the replay moves nothing
    assert ledger.balance("bank:person:1") == 10_000
    # a payment due while the platform is down waits for the restart
    assert pay(crash, at=30 * 60) == [(5 * 60 + HOUR + 600, "paid")]


@pytest.fixture(scope="module")
def skeleton():
    return twin.load_scenario(SKELETON)


def run_with(scenario, **faults):
    return twin.run(with_overrides(scenario, {f"faults.{k}": v for k, v in faults.items()}, "f"))


def test_in_a_run_no_money_lands_while_the_bank_is_down(skeleton):
    result = run_with(skeleton, bank_outages=[{"from": "0s", "to": "3d"}])
    paid = result.tables["payments"].filter(pc.equal(result.tables["payments"]["status"], "paid"))
    assert paid.num_rows > 0 and pc.min(paid["settled_at"]).as_py() >= 3 * DAY


def test_in_a_run_a_crash_replays_what_was_in_flight_and_nobody_is_paid_twice(skeleton):
    calm = twin.run(skeleton)
    landed = calm.tables["payments"]["settled_at"].to_numpy()
    at = float(np.sort(landed)[len(landed) // 2])  # while payments are landing
    result = run_with(skeleton, platform_crashes=[{"at": f"{at - 300:.0f}s", "replay_after": "2h"}])
    pay = result.tables["payments"]
    status = pay["status"].to_numpy(zero_copy_only=False)
    assert (status == "duplicate").sum() > 0
    paid = pay.filter(pc.equal(pay["status"], "paid"))
    keys = list(zip(paid["policy_id"].to_pylist(), paid["entity"].to_pylist(), strict=True))
    assert len(keys) == len(set(keys))  # once each
    assert result.metric("amount_paid") == calm.metric("amount_paid")


def test_in_a_run_a_written_share_of_accounts_bounces(skeleton):
    result = run_with(skeleton, invalid_accounts={"person": 0.5, "enterprise": 0.5})
    status = result.tables["payments"]["status"].to_numpy(zero_copy_only=False)
    settled = np.isin(status, ["paid", "returned"])
    assert settled.sum() > 100
    assert (status == "returned").sum() / settled.sum() == pytest.approx(0.5, abs=0.1)


@pytest.fixture(scope="module")
def gas():
    scenario = twin.load_scenario(SCENARIOS / "gas-safety.yaml")
    return with_overrides(scenario, {"duration": "1d", "city.scale": 0.002}, "test")


def readings_of(scenario, device):
    """Every reading the feed delivers from one device over the run, (time, value)."""
    model = twin.build_model(scenario)
    feed, out = model.sensing.world.feed, []
    for k in range(int(scenario.duration // 600)):
        r, _ = feed.window(k * 600.0, (k + 1) * 600.0)
        mine = r.device == device
        out += list(zip(r.ts[mine].tolist(), r.value[mine].tolist(), strict=True))
    return np.array(out).reshape(-1, 2)


def test_a_device_written_to_stick_repeats_one_value_from_then(gas):
    stuck = with_overrides(
        gas, {"faults.devices": [{"device": 3, "fault": "stuck", "from": "6h"}]}, "s"
    )
    r = readings_of(stuck, 3)
    before, after = r[r[:, 0] < 6 * HOUR], r[r[:, 0] >= 6 * HOUR + 600]
    assert len(np.unique(before[:, 1])) > 1 and len(np.unique(after[:, 1])) == 1


def test_a_device_written_to_drift_reads_higher_by_the_rate_from_then(gas):
    world = twin.build_model(gas).sensing.world
    faults, devices = world.faults, world.devices
    clean = np.flatnonzero(~faults.odd)[:1]  # a device the draw left without faults
    fault = DeviceFault.model_validate({"device": int(clean[0]), "fault": "drift", "from": "12h",
                                        "drift_per_day": 4.0})  # fmt: skip
    schedule_faults(faults, devices, [fault])
    t = np.array([6 * HOUR, 12 * HOUR, 18 * HOUR, 36 * HOUR])
    dev = np.repeat(clean, len(t))
    read = faults.apply(dev, t, np.full(len(t), 10.0), np.random.default_rng(0))
    assert read == pytest.approx([10.0, 10.0, 11.0, 14.0])


def test_a_community_written_to_go_silent_is_silent_and_its_offline_alerts_fire(gas):
    community = int(twin.build_model(gas).sensing.world.devices.community[3])
    silent = with_overrides(
        gas, {"faults.devices": [{"community": community, "fault": "silent", "from": "3h"}]}, "q"
    )
    result = twin.run(silent)
    devices = result.tables["devices"]
    mine = set(devices.filter(pc.equal(devices["community"], community))["device"].to_pylist())
    deaths = result.tables["battery_deaths"]
    died = dict(zip(deaths["device"].to_pylist(), deaths["at"].to_pylist(), strict=True))
    assert mine and all(died.get(d, np.inf) <= 3 * HOUR for d in mine)
    alerts = result.tables["alerts"]
    offline = alerts.filter(pc.equal(alerts["kind"], "offline"))
    assert mine & set(offline["device"].to_pylist())


def test_a_fault_on_a_device_the_run_lacks_is_a_located_error(gas):
    bad = with_overrides(
        gas, {"faults.devices": [{"device": 10**9, "fault": "silent", "from": "1h"}]}, "b"
    )
    with pytest.raises(UserError, match=r"faults.devices\[0\].device"):
        twin.run(bad)
