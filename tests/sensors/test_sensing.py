import numpy as np
import pytest

from sensors.devices import deploy
from sensors.faults import delivered, spikes
from sensors.incidents import GAS_RAMP_SECONDS, YEAR, gas_leaks
from sensors.signals import gas_lel


def test_leak_counts_follow_the_rate_and_are_sorted_by_onset():
    inc = gas_leaks(10_000, 30 * 86_400, 2.0, 7_200, rng=np.random.default_rng(0))
    expected = 10_000 * 2.0 * 30 * 86_400 / YEAR
    assert inc.size == pytest.approx(expected, rel=5 / np.sqrt(expected))
    assert (np.diff(inc.onset) >= 0).all() and (inc.end > inc.onset).all()
    assert np.median(inc.end - inc.onset) == pytest.approx(7_200, rel=0.1)


def test_a_leak_ramps_to_its_peak_then_clean_air_returns():
    inc = gas_leaks(1, 86_400, 2000.0, 7_200, rng=np.random.default_rng(1))
    onset, end, peak = inc.onset[0], inc.end[0], inc.peak[0]
    rng = np.random.default_rng(2)
    assert gas_lel(inc, 1, onset + GAS_RAMP_SECONDS / 2, noise=0.0, rng=rng)[0] == pytest.approx(
        peak / 2
    )
    assert gas_lel(inc, 1, onset + GAS_RAMP_SECONDS, noise=0.0, rng=rng)[0] == pytest.approx(peak)
    later = inc.active_at(end)
    assert inc.device[later].size == 0 or end not in inc.onset[later]


def test_faults_spike_and_lose_readings_at_their_rates():
    rng = np.random.default_rng(3)
    values = np.zeros(100_000)
    spiked = spikes(values, 0.01, rng=rng)
    assert (spiked > 0).mean() == pytest.approx(0.01, abs=0.002)
    assert delivered(100_000, 0.05, rng=rng).mean() == pytest.approx(0.95, abs=0.005)


def test_devices_sit_in_communities_and_townships():
    weights = np.array([0.5, 0.5, 0.0])
    d = deploy(1_000, "gas", weights, np.array([0, 1, 1]), rng=np.random.default_rng(4))
    assert set(d.community.tolist()) == {0, 1} and (d.township == d.community).all()


def test_drifting_sensors_rise_linearly_and_only_the_chosen_share():
    from sensors.faults import drift, drift_rates

    rates = drift_rates(100_000, 0.01, 2.0, rng=np.random.default_rng(5))
    assert (rates > 0).mean() == pytest.approx(0.01, abs=0.002)
    assert rates.max() <= 2.0 and rates[rates > 0].min() >= 1.0
    values = np.zeros(100_000)
    assert np.allclose(drift(values, rates, 10.0), rates * 10.0)
