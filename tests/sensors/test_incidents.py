"""Each incident kind: its rate, and its course on the devices that witness it."""

import numpy as np
import pytest

from sensors.drainage import WaterDepth
from sensors.incidents import KINDS, at_devices, at_households
from tests.sensors.helpers import fleet, incidents, signals
from twin.core.units import YEAR

RNG = np.random.default_rng


def read(sig, device, t):
    return sig.read(np.array([device]), np.array([float(t)]), RNG(0))[0]


def test_counts_follow_the_rate_sorted_by_onset_with_the_median_duration():
    inc = at_devices(
        "gas_leak", np.arange(10_000), np.zeros(10_000, np.int32), 30 * 86_400, 2.0, 7_200,
        rng=RNG(0),
    )  # fmt: skip
    expected = 10_000 * 2.0 * 30 * 86_400 / YEAR
    assert inc.size == pytest.approx(expected, rel=5 / np.sqrt(expected))
    assert (np.diff(inc.onset) >= 0).all() and (inc.end > inc.onset).all()
    assert np.median(inc.end - inc.onset) == pytest.approx(7_200, rel=0.1)
    lo, hi = KINDS["gas_leak"].peak
    assert (inc.peak >= lo).all() and (inc.peak <= hi).all()


def test_a_gas_leak_grows_linearly_to_its_peak_then_the_air_clears():
    d = fleet({"gas": 2})
    sig = signals(
        d, incidents([{"kind": "gas_leak", "device": 0, "onset": 100, "end": 5_000, "peak": 60}])
    )
    sig._noise[:] = 0
    grows = KINDS["gas_leak"].grows
    assert read(sig, 0, 100 + grows / 2) == pytest.approx(30)
    assert read(sig, 0, 100 + grows) == pytest.approx(60)
    assert read(sig, 0, 4_999) == pytest.approx(60)
    assert read(sig, 0, 5_000) == 0 and read(sig, 1, 2_000) == 0  # ended; the other device


def test_a_fire_grows_with_the_square_of_time():
    d = fleet({"smoke": 1})
    sig = signals(
        d, incidents([{"kind": "fire", "device": 0, "onset": 0, "end": 3_000, "peak": 20}])
    )
    sig._noise[:] = 0
    grows = KINDS["fire"].grows
    assert read(sig, 0, grows / 2) == pytest.approx(max(0.3, 20 * 0.25))
    assert read(sig, 0, grows) == pytest.approx(20)


@pytest.mark.parametrize(
    ("kind", "device_type", "peak", "quiet"),
    [
        ("lift_entrapment", "lift", 2.0, 0.0),
        ("lift_fault", "lift", 1.0, 0.0),
        ("manhole_open", "manhole", 45.0, 1.0),
        ("intrusion", "intrusion", 1.0, 0.0),
    ],
)
def test_step_incidents_hold_their_value_from_onset_to_end(kind, device_type, peak, quiet):
    d = fleet({device_type: 1})
    sig = signals(d, incidents([{"kind": kind, "device": 0, "onset": 10, "end": 20, "peak": peak}]))
    sig._noise[:] = 0
    assert [read(sig, 0, t) for t in (9, 10, 19, 20)] == [quiet, peak, peak, quiet]


def test_a_fall_silences_water_use_and_the_door_of_that_household_only():
    homes = {"water_meter": np.array([7, 8]), "door": np.array([7, 8])}
    d = fleet({"water_meter": 2, "door": 2}, households=homes)
    truth = incidents([{"kind": "fall", "household": 7, "onset": 0, "end": 10 * 86_400}])
    sig = signals(d, truth, activity=50.0)  # busy households: never quiet for an hour
    hours = np.arange(1, 24 * 5) * 3_600.0
    for dev in range(d.size):
        values = sig.read(np.full(len(hours), dev), hours, RNG(1))
        busy = values[((hours % 86_400) > 7 * 3_600) & ((hours % 86_400) < 21 * 3_600)]
        if d.household[dev] == 7:
            assert (values == 0).all()
        else:
            assert (busy > 0).all()


def test_a_household_away_is_quiet_like_a_fall_but_is_not_an_incident():
    d = fleet({"water_meter": 1}, households={"water_meter": np.array([3])})
    truth = incidents([{"kind": "away", "household": 3, "onset": 0, "end": 86_400}])
    sig = signals(d, truth, activity=50.0)
    assert read(sig, 0, 12 * 3_600) == 0 and not truth.real()[0]


def test_water_use_follows_the_daily_rhythm_quiet_at_night():
    d = fleet({"water_meter": 2_000}, households={"water_meter": np.arange(2_000)})
    sig = signals(d, incidents([]))
    dev = np.arange(2_000)
    night = sig.read(dev, np.full(2_000, 3 * 3_600.0), RNG(2)).mean()
    morning = sig.read(dev, np.full(2_000, 8 * 3_600.0), RNG(3)).mean()
    assert night < 0.1 * morning and morning > 5  # litres in the hour


def test_a_flood_is_the_depth_at_the_communitys_low_point():
    d = fleet({"water_level": 1})
    depth = WaterDepth(300.0, np.array([[0.0], [12.0], [30.0]], np.float32))
    sig = signals(d, incidents([]), depth=depth)
    sig._noise[:] = 0
    assert [read(sig, 0, t) for t in (0, 300, 650)] == [0.0, 12.0, 30.0]


def test_households_incidents_arrive_at_their_rate():
    inc = at_households(
        "fall", np.arange(50_000), np.zeros(50_000, np.int32), YEAR, 0.05, 86_400, rng=RNG(4)
    )
    assert inc.size == pytest.approx(2_500, rel=0.1) and (inc.household >= 0).all()


def test_cooking_fumes_start_at_mealtimes_only_at_their_rate_and_are_no_incident():
    from sensors.incidents import MEALTIMES

    days = 60
    inc = at_devices(
        "cooking_fumes", np.arange(5_000), np.zeros(5_000, np.int32), days * 86_400, 6.0, 600,
        rng=RNG(1), hours=MEALTIMES,
    )  # fmt: skip
    expected = 5_000 * 6.0 * days * 86_400 / YEAR
    assert inc.size == pytest.approx(expected, rel=5 / np.sqrt(expected))  # Poisson, 5 sd
    hour = inc.onset % 86_400 / 3_600
    assert (((hour >= 10.5) & (hour < 12.5)) | ((hour >= 16.5) & (hour < 18.5))).all()
    assert abs(np.mean(hour < 14) - 0.5) < 0.05  # the two mealtimes alike
    assert not inc.real().any()  # the twin scores an alert on them as a false alarm


def test_cooking_fumes_rise_over_two_minutes_and_a_spray_is_there_at_once():
    d = fleet({"gas": 2})
    rows = [{"kind": "cooking_fumes", "device": 0, "onset": 0, "end": 600, "peak": 20},
            {"kind": "aerosol", "device": 1, "onset": 0, "end": 180, "peak": 30}]  # fmt: skip
    sig = signals(d, incidents(rows))
    sig._noise[:] = 0
    assert read(sig, 0, 60) == pytest.approx(10) and read(sig, 0, 300) == pytest.approx(20)
    assert read(sig, 1, 1) == pytest.approx(30) and read(sig, 1, 180) == 0
