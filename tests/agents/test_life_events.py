import datetime as dt

import numpy as np
import pytest

from agents.enterprises import generate_enterprises
from agents.life_events import Life, live_a_month
from agents.residents import EPOCH, generate_residents
from twin.core.city import build_city

CITY = build_city(scale=0.01, rng=np.random.default_rng(0))
WHERE = (CITY.community_weight, CITY.community_district)
START = dt.date(2022, 6, 1)


def world(seed=1):
    people = generate_residents(96_000, *WHERE, START, rng=np.random.default_rng(seed))
    firms = generate_enterprises(11_500, *WHERE, START, rng=np.random.default_rng(seed + 1))
    return people, firms


def test_deaths_follow_the_age_band_rates_and_close_accounts():
    people, firms = world()
    rates = Life(death_by_age=[(0, 0.0), (80, 0.5)])
    report = live_a_month(people, firms, *WHERE, START, rates, rng=np.random.default_rng(2))
    age = ((START - EPOCH).days - people.birth_date) / 365.25
    dead = ~people.alive
    assert not dead[age < 80].any()
    assert dead[age >= 80].mean() == pytest.approx(0.5, abs=0.05)
    assert report.deaths == dead.sum() and not people.bank_account_valid[dead].any()


def test_moves_change_community_and_district_together():
    people, firms = world()
    before = people.community.copy()
    report = live_a_month(
        people, firms, *WHERE, START, Life(move_per_month=0.05), rng=np.random.default_rng(3)
    )
    moved = people.community != before
    assert moved.mean() == pytest.approx(0.05 * (1 - 1 / 3000), abs=0.01)
    assert report.moves >= moved.sum()
    assert (people.district == CITY.community_district[people.community]).all()


def test_degrees_are_awarded_only_in_the_graduation_month():
    people, firms = world()
    none_before = (people.degree == 0).sum()
    live_a_month(people, firms, *WHERE, dt.date(2022, 6, 1), Life(), rng=np.random.default_rng(4))
    assert (people.degree == 0).sum() == none_before
    report = live_a_month(
        people, firms, *WHERE, dt.date(2022, 7, 1), Life(), rng=np.random.default_rng(5)
    )
    assert report.graduates > 0 and (people.graduation_year == 2022).sum() >= report.graduates


def test_firms_close_at_their_rate_and_keep_at_least_one_employee():
    people, firms = world()
    report = live_a_month(
        people, firms, *WHERE, START, Life(firm_exit_per_month=0.1), rng=np.random.default_rng(6)
    )
    assert (~firms.active).mean() == pytest.approx(0.1, abs=0.01)
    assert report.exits == (~firms.active).sum()
    assert not firms.bank_account_valid[~firms.active].any() and firms.employees.min() >= 1


def test_jobs_are_lost_and_found_at_their_rates_and_wages_follow():
    people, firms = world()
    employed, insured = people.employed.copy(), people.insured_months.copy()
    age = ((START - EPOCH).days - people.birth_date) / 365.25
    seeking = people.alive & ~employed & (age >= 18) & (age < 60)
    rates = Life(
        job_loss_per_month=0.2,
        job_finding_per_month=0.3,
        wage_change_sd=0.0,
        death_by_age=[(0, 0.0)],
    )
    report = live_a_month(people, firms, *WHERE, START, rates, rng=np.random.default_rng(6))
    lost = employed & ~people.employed
    assert lost.sum() / employed.sum() == pytest.approx(0.2, abs=0.01)
    assert (people.income[lost] == 0).all() and (people.employer[lost] == -1).all()
    found = seeking & people.employed
    assert found.sum() / seeking.sum() == pytest.approx(0.3, abs=0.02)
    assert (people.income[found] > 0).all()
    assert (people.insured_months[employed] == insured[employed] + 1).all()
    assert (report.jobs_lost, report.jobs_found) == (lost.sum(), found.sum())


def test_renters_buy_homes_and_older_people_come_to_live_alone():
    people, firms = world()
    renting, alone = people.renting.copy(), people.living_alone.copy()
    age = ((START - EPOCH).days - people.birth_date) / 365.25
    rates = Life(home_purchase_per_month=0.1, start_living_alone_per_month=0.1,
                 stop_living_alone_per_month=0.0)  # fmt: skip
    report = live_a_month(people, firms, *WHERE, START, rates, rng=np.random.default_rng(7))
    bought = renting & ~people.renting
    assert bought.sum() / (renting & (age >= 25)).sum() == pytest.approx(0.1, abs=0.01)
    assert people.owns_home[bought].all() and not bought[age < 25].any()
    started = ~alone & people.living_alone
    assert not started[age < 60].any()
    assert started.sum() / (~alone & (age >= 60)).sum() == pytest.approx(0.1, abs=0.01)
    assert report.homes_bought == bought.sum()
