"""Staff scale with the population they serve: whole people, never none where the city has
some, and the run records how far rounding moved each capacity."""

import numpy as np
import pytest

from agents.townships import Response, township_staffing
from datafiles import UserError
from twin.core.capacity import staffed, staffing


@pytest.mark.parametrize(
    ("figure", "scale", "people"),
    [(300, 0.005, 2), (300, 0.05, 15), (300, 0.002, 1), (300, 1.0, 300), (0, 0.5, 0), (3, 0.5, 2)],
)
def test_staff_are_the_real_citys_figure_times_the_scale_in_whole_people(figure, scale, people):
    assert staffed(figure, scale) == people


def test_a_capacity_rounded_up_from_a_fraction_is_flagged_and_says_from_which_scale():
    low = staffing("approval.reviewers", "per policy", 400, 0.001)
    assert low.exact == pytest.approx(0.4) and low.staffed == 1 and not low.faithful
    assert low.smallest_faithful_scale == pytest.approx(2 / 400)
    high = staffing("approval.reviewers", "per policy", 400, low.smallest_faithful_scale)
    assert high.faithful


def test_grid_workers_are_pooled_by_township_in_proportion_to_its_communities():
    community_township = np.array([0] * 30 + [1] * 10)
    districts = np.array([0, 0])
    day, duty, operators = township_staffing(
        Response(workers_per_community=2, duty_team=3, operators=2),
        community_township,
        districts,
        0.05,
    )
    assert [s.staffed for s in day] == [3, 1]  # 60 and 20 workers at scale 1
    assert [s.staffed for s in duty] == [1, 1] and [s.staffed for s in operators] == [1, 1]
    none = township_staffing(
        Response(workers_per_community=0), community_township, districts, 0.05
    )[0]
    assert [s.staffed for s in none] == [0, 0]  # the scenario said so


def test_staff_set_by_township_overrides_its_district_which_overrides_the_city():
    community_township = np.repeat(np.arange(4), 10)
    districts = np.array([0, 0, 1, 1])
    params = Response.model_validate(
        {
            "workers_per_community": 2,
            "districts": {1: {"workers_per_community": 4, "duty_team": 20}},
            "townships": {3: {"workers_per_community": 10}, 0: {"operators": 40}},
        }
    )
    day, duty, operators = township_staffing(params, community_township, districts, 0.1)
    assert [s.staffed for s in day] == [2, 2, 4, 10]
    assert [s.staffed for s in duty] == [1, 1, 2, 2]
    assert [s.staffed for s in operators] == [4, 1, 1, 1]


def test_travel_times_set_by_district_reach_its_townships_dispatch():
    params = Response.model_validate(
        {"travel_time": 600.0, "districts": {1: {"travel_time": 1800.0}},
         "townships": {3: {"acknowledge_time": 30.0}}}
    )  # fmt: skip
    assert params.local(0, 0)["travel_time"] == 600.0
    assert params.local(2, 1)["travel_time"] == 1800.0
    three = params.local(3, 1)
    assert (three["travel_time"], three["acknowledge_time"]) == (1800.0, 30.0)
    assert params.local(3, 1)["duty_travel_time"] == params.duty_travel_time


def test_staff_set_for_a_township_the_city_lacks_is_a_located_error():
    params = Response.model_validate({"townships": {7: {"duty_team": 5}}})
    with pytest.raises(UserError) as err:
        township_staffing(params, np.zeros(3, int), np.zeros(1, int), 0.1)
    assert "response.townships.7" in str(err.value) and "numbered 0 to 0" in str(err.value)
