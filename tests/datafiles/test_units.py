import pytest
from hypothesis import given
from hypothesis import strategies as st

from datafiles import format_duration, parse_duration


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("30d", 2_592_000),
        ("1w", 604_800),
        ("1h30m", 5400),
        ("0.5h", 1800),
        ("0s", 0),
    ],
)
def test_durations_with_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["15", "15 minutes", "m15", "", "2x", "-5m", 15, None, True])
def test_durations_without_a_known_unit_are_rejected(bad):
    with pytest.raises(ValueError, match="duration with a unit"):
        parse_duration(bad)


@given(st.integers(min_value=0, max_value=10**9))
def test_format_then_parse_gives_back_the_seconds(seconds):
    assert parse_duration(format_duration(seconds)) == seconds
