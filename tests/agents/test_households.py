"""Household registers: every living resident on exactly one with one head, the living alone on
their own, couples and generations of plausible ages, kept through deaths, births and arrivals."""

import datetime as dt

import numpy as np
import pytest

from agents.households import CHILD, HEAD, NO_HOUSEHOLD, PARENT, SPOUSE, form_households
from agents.life_events import Life, Reserve, live_a_month
from agents.population import Population
from agents.residents import EPOCH
from twin.core.city import build_city

START = dt.date(2022, 6, 1)
TODAY = (START - EPOCH).days


@pytest.fixture(scope="module")
def population():
    city = build_city(scale=0.02, rng=np.random.default_rng(0))
    return Population(city, START, spare=(3_000, 0), streams=lambda n: _stream(n))


def _stream(name: str) -> np.random.Generator:
    return np.random.default_rng(sum(map(ord, name)))


def _sizes(people):
    on = people.alive & (people.household >= 0)
    ids, sizes = np.unique(people.household[on], return_counts=True)
    return ids, sizes


def registers_are_whole(people) -> None:
    """Each living resident on one register; each register with exactly one living head."""
    alive = people.alive
    assert (people.household[alive] >= 0).all()
    assert (people.household[~alive] == NO_HOUSEHOLD).all()
    ids, _ = _sizes(people)
    heads = people.household[alive & (people.relation == HEAD)]
    assert np.array_equal(np.sort(heads), ids)  # one head per register, and no headless one


def test_every_living_resident_is_on_one_register_with_one_head(population):
    registers_are_whole(population.persons)


def test_the_living_alone_are_households_of_one(population):
    p = population.persons
    ids, sizes = _sizes(p)
    alone = p.alive & p.living_alone
    assert (sizes[np.searchsorted(ids, p.household[alone])] == 1).all()
    assert (p.relation[alone] == HEAD).all()


def test_households_are_sized_like_zhejiangs(population):
    """Mean size near the 2020 census (2.35 in Zhejiang, 2.62 in China): assumed 2.3-2.8; a
    third or less live on a register of one."""
    _, sizes = _sizes(population.persons)
    assert 2.3 <= sizes.mean() <= 2.8
    assert 0.2 <= (sizes == 1).mean() <= 0.4


def test_couples_are_a_man_and_a_woman_of_near_age_and_children_a_generation_younger(population):
    p = population.persons
    age = (TODAY - p.birth_date) / 365.25
    spouses = np.flatnonzero(p.alive & (p.relation == SPOUSE))
    heads = p.household[spouses]
    assert (p.sex[spouses] != p.sex[heads]).all()
    assert np.median(np.abs(age[spouses] - age[heads])) < 8
    children = np.flatnonzero(p.alive & (p.relation == CHILD))
    gap = age[p.household[children]] - age[children]
    assert np.median(gap) > 20 and (gap >= 0).mean() > 0.95
    parents = np.flatnonzero(p.alive & (p.relation == PARENT))
    assert (age[parents] >= 60).all()


def test_registers_follow_deaths_births_and_arrivals():
    city = build_city(scale=0.01, rng=np.random.default_rng(1))
    pop = Population(city, START, spare=(4_000, 500), streams=_stream)
    people, firms = pop.persons, pop.enterprises
    life = Life(death_by_age=[(0, 0.01), (60, 0.2)], births_per_year=0.05)
    heads_before = people.relation == HEAD
    reserve = Reserve(pop.reserve.next_person, pop.reserve.next_firm)
    report = live_a_month(
        people, firms, city.community_weight, city.community_district, START, life,
        rng=np.random.default_rng(2), reserve=reserve, registers=np.random.default_rng(3),
    )  # fmt: skip
    assert report.deaths > 100 and report.births > 10
    registers_are_whole(people)
    new_heads = people.alive & (people.relation == HEAD) & ~heads_before
    assert new_heads.sum() > 0  # where the head died, another member took over
    born = np.arange(city.residents, city.residents + report.births)
    assert (people.relation[born] == CHILD).mean() > 0.9


def test_form_households_on_a_tiny_city_leaves_nobody_out():
    city = build_city(scale=0.0005, rng=np.random.default_rng(4))
    pop = Population(city, START, spare=(0, 0), streams=_stream)
    form_households(pop.persons, TODAY, rng=np.random.default_rng(5))
    registers_are_whole(pop.persons)


def test_enterprise_groups_have_a_parent_in_their_district_and_lose_closed_firms(population):
    from agents.groups import NO_GROUP

    firms = population.enterprises
    grouped = np.flatnonzero(firms.active & (firms.group != NO_GROUP))
    parents = firms.group[grouped]
    assert 0.02 < len(grouped) / firms.active.sum() < 0.15  # a few firms in a group
    assert (firms.group[parents] == parents).all()  # the parent is in its own group
    assert (firms.district[grouped] == firms.district[parents]).all()
    assert (firms.size_class[np.unique(parents)] >= 2).all()  # medium or large
    assert (firms.group[~firms.active] == NO_GROUP).all()


def test_a_closing_firm_leaves_its_group():
    city = build_city(scale=0.01, rng=np.random.default_rng(1))
    pop = Population(city, START, spare=(0, 0), streams=_stream)
    firms = pop.enterprises
    live_a_month(
        pop.persons, firms, city.community_weight, city.community_district, START,
        Life(firm_exit_per_month=0.3), rng=np.random.default_rng(2),
    )  # fmt: skip
    assert (~firms.active).sum() > 100
    assert (firms.group[~firms.active] == -1).all()
