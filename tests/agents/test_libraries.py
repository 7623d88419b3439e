import numpy as np
import pytest

from agents.libraries import DataQuality, Library
from twin.core.units import DAY


def truth(n=50_000):
    rng = np.random.default_rng(0)
    return {"age": rng.integers(0, 100, n), "flag": rng.random(n) < 0.5}


def test_a_library_misses_and_misstates_the_configured_shares():
    t = truth()
    lib = Library(
        t, DataQuality(missing=0.1, stale=0.2, update_lag=10 * DAY), rng=np.random.default_rng(1)
    )
    assert (~lib.known["age"]).mean() == pytest.approx(0.1, abs=0.01)
    # a stale cell copies another entity's value, which equals the truth by chance sometimes
    assert (lib.values["age"] != t["age"]).mean() == pytest.approx(0.2 * 0.99, abs=0.01)


def test_refresh_corrects_at_the_rate_the_lag_implies_and_never_breaks_a_cell():
    t = truth()
    lib = Library(t, DataQuality(0.1, 0.2, update_lag=10 * DAY), rng=np.random.default_rng(2))
    before = lib.wrong_cells(t)
    lib.refresh(t, days=10, rng=np.random.default_rng(3))
    assert lib.wrong_cells(t) / before == pytest.approx(np.exp(-1), abs=0.02)
    right = lib.known["age"] & (lib.values["age"] == t["age"])
    lib.refresh(t, days=1, rng=np.random.default_rng(4))
    assert (lib.values["age"][right] == t["age"][right]).all()


def test_each_field_has_the_quality_of_its_source():
    t = truth()
    quality = {"age": DataQuality(0.5, 0.0, 10 * DAY), "flag": DataQuality(0.0, 0.0, 10 * DAY)}
    lib = Library(t, quality, rng=np.random.default_rng(5))
    assert (~lib.known["age"]).mean() == pytest.approx(0.5, abs=0.01)
    assert lib.known["flag"].all()
