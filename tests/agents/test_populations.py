import datetime as dt

import numpy as np

from agents import enterprises as ent
from agents.enterprises import generate_enterprises
from agents.residents import generate_residents
from matching import load_registry
from tests.conftest import SCENARIOS
from twin.core.city import build_city

START = dt.date(2022, 6, 1)
CITY = build_city(scale=0.002, rng=np.random.default_rng(0))
WHERE = (CITY.community_weight, CITY.community_district)


def check_against_registry(columns, registry):
    assert set(columns) == set(registry.fields)
    for name, spec in registry.fields.items():
        col = columns[name]
        if spec.type == "code":
            assert col.min() >= 0 and col.max() < len(spec.codes), name
        elif spec.type == "bool":
            assert col.dtype == bool, name
        else:
            assert np.issubdtype(col.dtype, np.number), name


def test_residents_fit_the_person_registry_and_are_plausible():
    r = generate_residents(20_000, *WHERE, START, rng=np.random.default_rng(1))
    check_against_registry(r.library_columns(), load_registry(SCENARIOS / "fields/person.yaml"))
    age = ((START - dt.date(1970, 1, 1)).days - r.birth_date) / 365.25
    assert age.min() >= 0 and age.max() < 100
    assert 0.15 < (age >= 60).mean() < 0.25
    assert (r.degree[age < 21] >= 2).sum() == 0  # nobody holds a bachelor before 21
    assert (r.arrived_on >= r.birth_date).all() and (r.income[~r.employed & (age < 60)] == 0).all()
    has = r.degree > 0
    assert (r.graduation_year[has] <= START.year).all() and (r.graduation_year[~has] == 0).all()


def test_enterprises_fit_the_registry_and_staff_matches_size_class():
    e = generate_enterprises(20_000, *WHERE, START, rng=np.random.default_rng(2))
    check_against_registry(e.library_columns(), load_registry(SCENARIOS / "fields/enterprise.yaml"))
    micro = e.size_class == 0
    assert e.employees[micro].max() <= 9 and e.employees[~micro].min() >= 10
    assert 0.78 < micro.mean() < 0.86
    assert (e.revenue > 0).all() and (e.insured_employees <= e.employees).all()
    assert (e.rd_spend[e.high_tech] > 0).all()


def test_divisions_belong_to_their_section():
    e = generate_enterprises(5_000, *WHERE, START, rng=np.random.default_rng(4))
    for section, divisions in enumerate(ent.DIVISIONS_BY_INDUSTRY):
        codes = {ent.DIVISIONS[d] for d in e.division[e.industry == section]}
        assert codes <= set(divisions)
    registry = load_registry(SCENARIOS / "fields/enterprise.yaml")
    assert registry["division"].codes == ent.DIVISIONS
