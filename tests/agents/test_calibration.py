"""The full-scale city against the published totals and the documented marginals it is built
from (docs/population.md). Tolerances are a few standard errors at this size."""

import datetime as dt

import numpy as np
import pytest

from agents import enterprises as ent
from agents import residents as res
from twin.core import ningbo
from twin.core.city import build_city

START = dt.date(2022, 6, 1)


@pytest.fixture(scope="module")
def city():
    c = build_city(scale=1.0, rng=np.random.default_rng(0))
    where = (c.community_weight, c.community_district)
    people = res.generate_residents(c.residents, *where, START, rng=np.random.default_rng(1))
    firms = ent.generate_enterprises(c.enterprises, *where, START, rng=np.random.default_rng(2))
    return c, people, firms


def test_published_totals(city):
    c, people, firms = city
    assert (c.n_districts, c.n_townships, len(c.zone_names)) == (10, 156, 7)
    assert c.n_communities == ningbo.COMMUNITIES
    assert people.size == ningbo.RESIDENTS and firms.size == ningbo.MARKET_ENTITIES


def test_residents_by_district_follow_the_census(city):
    _, people, _ = city
    published = np.array([d[1] for d in ningbo.DISTRICTS], float)
    share = np.bincount(people.district, minlength=10) / people.size
    assert np.allclose(share, published / published.sum(), atol=0.001)


def test_age_profile_and_degrees(city):
    _, people, _ = city
    age = ((START - res.EPOCH).days - people.birth_date) / 365.25
    for (lo, share), (hi, _) in zip(res.AGE_BANDS[:-1], res.AGE_BANDS[1:], strict=True):
        got = ((age >= lo) & (age < hi)).mean()
        assert got == pytest.approx(share, abs=0.002), (lo, hi)
    working = (age >= 30) & (age < 60)  # old enough for any degree
    got = np.bincount(people.degree[working], minlength=5) / working.sum()
    assert np.allclose(got, res.DEGREE_SHARE_WORKING, atol=0.002)


def test_enterprise_size_and_industry_marginals(city):
    _, _, firms = city
    assert np.allclose(
        np.bincount(firms.size_class, minlength=4) / firms.size, ent.SIZE_SHARE, atol=0.002
    )
    assert np.allclose(
        np.bincount(firms.industry, minlength=9) / firms.size, ent.INDUSTRY_SHARE, atol=0.002
    )
    median_rev_per_head = np.median(firms.revenue / firms.employees)
    assert median_rev_per_head == pytest.approx(ent.REVENUE_PER_EMPLOYEE, rel=0.05)
