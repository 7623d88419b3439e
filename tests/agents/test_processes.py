"""SimPy processes, checked as event traces and, where a closed form exists, against it."""

import numpy as np
import simpy
from scipy import stats

from agents.treasury import Treasury, treasury_payment


class FixedRng:
    """Draws that make a trace easy to read: every exponential is its mean."""

    def exponential(self, mean):
        return mean

    def random(self):
        return 0.0


def test_direct_route_takes_one_processing_step():
    env, trace = simpy.Environment(), []
    env.process(
        treasury_payment(
            env,
            Treasury(direct_processing=600),
            "direct",
            True,
            rng=FixedRng(),
            settle=lambda at, status: trace.append((at, status)),
        )
    )
    env.run()
    assert trace == [(600, "paid")]


def test_layered_route_waits_at_each_level_and_invalid_accounts_are_returned():
    env, trace = simpy.Environment(), []
    route = Treasury(direct_processing=600, layered_levels=4, layered_level_delay=86_400)
    env.process(
        treasury_payment(
            env,
            route,
            "layered",
            False,
            rng=FixedRng(),
            settle=lambda at, status: trace.append((at, status)),
        )
    )
    env.run()
    assert trace == [(4 * 86_400 + 600, "returned")]


def test_bank_windows_batch_payments_and_the_cut_off_defers_to_tomorrow():
    from agents.treasury import next_window

    windows = (9 * 3600.0, 14 * 3600.0)
    assert next_window(8 * 3600.0, windows) == 9 * 3600.0
    assert next_window(9 * 3600.0, windows) == 9 * 3600.0  # on the window: this batch
    assert next_window(10 * 3600.0, windows) == 14 * 3600.0
    assert next_window(15 * 3600.0, windows) == 86_400 + 9 * 3600.0  # after the cut-off
    assert next_window(15 * 3600.0, ()) == 15 * 3600.0
    env, trace = simpy.Environment(), []
    env.process(
        treasury_payment(
            env,
            Treasury(direct_processing=600, bank_windows=windows),
            "direct",
            True,
            rng=FixedRng(),
            settle=lambda at, s: trace.append(at),
        )
    )
    env.run()
    assert trace == [9 * 3600.0 + 600]


def test_layered_levels_allocate_in_weekly_runs_and_an_outage_defers_to_the_next_window():
    env, trace = simpy.Environment(), []
    route = Treasury(
        direct_processing=600,
        layered_levels=2,
        layered_level_delay=3600,
        layered_batch_every=7 * 86_400.0,
    )
    env.process(
        treasury_payment(
            env, route, "layered", True, rng=FixedRng(), settle=lambda at, s: trace.append(at)
        )
    )
    env.run()
    # level 1 runs at t=0 (+1h), level 2 at the next weekly run (day 7, +1h), then processing
    assert trace == [7 * 86_400.0 + 3600 + 600]

    class Down(FixedRng):
        calls = 0

        def random(self):
            self.calls += 1
            return 0.0 if self.calls == 1 else 0.99  # down at the first window only

    env, trace = simpy.Environment(), []
    windows = (9 * 3600.0, 14 * 3600.0)
    outage = Treasury(direct_processing=600, bank_windows=windows, bank_outage=0.5)
    env.process(
        treasury_payment(
            env, outage, "direct", True, rng=Down(), settle=lambda at, s: trace.append(at)
        )
    )
    env.run()
    assert trace == [14 * 3600.0 + 600]


def test_docking_direct_route_time_to_money_is_exponential_with_its_mean():
    """40,000 payments on the direct route without windows: the time from submission to money
    is Exp(processing). The 99% interval of the mean holds 600 s and a Kolmogorov-Smirnov test
    does not reject the exponential at 0.1%. Power: the interval's half-width is 1.3% of the
    mean (exponential spread: sd = mean), so a route whose mean is 3% off fails with
    probability above 0.99."""
    env, landed = simpy.Environment(), []
    rng = np.random.default_rng(5)
    for _ in range(40_000):
        env.process(
            treasury_payment(
                env,
                Treasury(direct_processing=600.0),
                "direct",
                True,
                rng=rng,
                settle=lambda at, _s: landed.append(at),
            )
        )
    env.run()
    t = np.asarray(landed)
    half = stats.norm.ppf(0.995) * t.std(ddof=1) / np.sqrt(len(t))
    assert half < 0.015 * 600.0
    assert abs(t.mean() - 600.0) <= half
    assert stats.kstest(t / 600.0, "expon").pvalue > 0.001


def test_docking_layered_route_time_to_money_is_the_sum_of_its_levels():
    """40,000 payments on the layered route (4 levels of mean 3 days, then 10 minutes of
    processing), no windows or allocation runs: the time to money is a sum of independent
    exponentials, mean L d + p and variance L d^2 + p^2. Both sit in their 99% intervals, and a
    Kolmogorov-Smirnov test against Gamma(L, d) does not reject at 0.1% (the 10 minutes move the
    CDF by at most 0.0005, a twentieth of the test's critical distance). Power: the mean's
    half-width is 0.65% of it, so one level more or less (25%) fails at once."""
    t = Treasury(route="layered", layered_levels=4, layered_level_delay=3 * 86_400.0)
    env, landed = simpy.Environment(), []
    rng = np.random.default_rng(7)
    for _ in range(40_000):
        env.process(
            treasury_payment(
                env, t, "layered", True, rng=rng, settle=lambda at, _s: landed.append(at)
            )
        )
    env.run()
    x = np.asarray(landed)
    d, p, levels, n = t.layered_level_delay, t.direct_processing, t.layered_levels, len(x)
    mean, var = levels * d + p, levels * d**2 + p**2
    half = stats.norm.ppf(0.995) * x.std(ddof=1) / np.sqrt(n)
    assert half < 0.0065 * mean and abs(x.mean() - mean) <= half
    # the sample variance's sd for a sum of exponentials: sqrt((m4 - var^2) / n)
    m4 = 3 * var**2 + 6 * levels * d**4 + 6 * p**4  # fourth central moment of the sum
    assert abs(x.var(ddof=1) - var) <= stats.norm.ppf(0.995) * np.sqrt((m4 - var**2) / n)
    assert stats.kstest(x, stats.gamma(levels, scale=d).cdf).pvalue > 0.001
