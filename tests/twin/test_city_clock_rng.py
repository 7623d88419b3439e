import datetime as dt

import numpy as np

from twin.core import ningbo
from twin.core.city import build_city
from twin.core.clock import Clock
from twin.core.rng import Streams
from twin.core.units import DAY


def test_the_city_has_ningbos_geography_at_any_scale():
    for scale in (0.0001, 0.01):
        city = build_city(scale=scale, rng=np.random.default_rng(1))
        assert city.n_districts == 10 and city.n_townships == 156
        assert city.n_communities == 3000 and len(city.zone_names) == 7
        assert set(np.unique(city.township_zone)) == set(range(-1, 7))
        assert np.isclose(city.community_weight.sum(), 1.0)
        assert city.residents == round(ningbo.RESIDENTS * scale)
        assert city.enterprises == round(ningbo.MARKET_ENTITIES * scale)
        assert np.bincount(city.community_township, minlength=156).min() >= 1


def test_district_shares_follow_published_residents():
    city = build_city(scale=0.01, rng=np.random.default_rng(2))
    share = np.bincount(city.community_district, weights=city.community_weight)
    published = np.array([d[1] for d in ningbo.DISTRICTS], float)
    assert np.allclose(share, published / published.sum())


def test_figures_are_overridable():
    city = build_city(
        scale=0.5, residents=1000, enterprises=100, communities=400, rng=np.random.default_rng(3)
    )
    assert (city.residents, city.enterprises, city.n_communities) == (500, 50, 400)


def test_the_clock_counts_seconds_from_midnight_of_the_start_date():
    clock = Clock(dt.date(2022, 6, 1))
    assert clock.now == 0.0 and clock.today == dt.date(2022, 6, 1)
    assert clock.date_at(DAY - 1) == dt.date(2022, 6, 1) and clock.date_at(DAY) == dt.date(
        2022, 6, 2
    )
    assert clock.day_index(3 * DAY + 5) == 3
    assert clock.seconds_at(dt.date(2022, 7, 1)) == 30 * DAY
    assert clock.datetime_at(90.0) == dt.datetime(2022, 6, 1, 0, 1, 30)
    clock.env.run(until=DAY * 2)
    assert clock.today == dt.date(2022, 6, 3)


def test_named_streams_are_reproducible_and_independent():
    a, b = Streams(7), Streams(7)
    assert a.generator("city").random() == b.generator("city").random()
    assert a.generator("city").random() != a.generator("devices").random()
    assert Streams(8).generator("city").random() != a.generator("city").random()
    # a run key gives each run of a sweep its own streams
    assert Streams(7, (1,)).generator("city").random() != a.generator("city").random()
