"""The household policies in a run: truth owes the household subsidy once per register, to its
head; the platform pays heads as its library records them; a rerun gives the same bytes."""

import numpy as np
import pyarrow.compute as pc
import pytest

import twin
from tests.conftest import SCENARIOS

HOUSEHOLD = "low-income-household-utility-subsidy"
PERSON = "person-income-utility-subsidy"
OVERRIDES = {"duration": "20d", "city.scale": 0.003}


@pytest.fixture(scope="module")
def result():
    return twin.run(twin.load_scenario(SCENARIOS / "household-policies.yaml", OVERRIDES))


def rows_of(table, policy_id: str) -> np.ndarray:
    return table.filter(pc.equal(table["policy_id"], policy_id))["entity"].to_numpy()


def test_truth_owes_the_household_subsidy_once_per_register_to_its_head(result):
    persons = result.tables["persons"]
    owed = rows_of(result.tables["truth"], HOUSEHOLD)
    assert len(owed) > 50
    relation = np.array(persons["relation"].to_pylist())[owed]
    household = persons["household"].to_numpy()[owed]
    assert set(relation) == {"head"}
    assert len(np.unique(household)) == len(owed)


def test_the_platform_pays_mostly_heads_and_the_person_level_form_pays_members_too(result):
    persons = result.tables["persons"]
    relation = np.array(persons["relation"].to_pylist())
    paid = rows_of(result.tables["matches"], HOUSEHOLD)
    assert (relation[paid] == "head").mean() > 0.9  # others: the library's stale registers
    by_person = rows_of(result.tables["matches"], PERSON)
    assert (relation[by_person] != "head").any()


def test_every_policy_of_the_scenario_finds_someone(result):
    found = set(result.tables["truth"]["policy_id"].to_pylist())
    assert found == {p.stem for p in map(SCENARIOS.joinpath, result.scenario.policies)}
