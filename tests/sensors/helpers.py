"""Small device fleets and truths for sensor tests."""

import numpy as np

from sensors.catalogue import load_catalogue
from sensors.devices import deploy, place
from sensors.faults import deal_faults
from sensors.incidents import Incidents
from sensors.signals import Signals
from tests.conftest import SCENARIOS

CATALOGUE = load_catalogue(SCENARIOS / "devices/catalogue.yaml")


def fleet(counts: dict[str, int], *, households: dict[str, np.ndarray] | None = None, seed=0):
    """Devices of the given types, all in community 0 of township 0 on cell 0."""
    households = households or {}
    placements = [
        place(name, np.zeros(n, np.int32), households.get(name)) for name, n in counts.items()
    ]
    report = {n: CATALOGUE[n].report_every for n in CATALOGUE.names}
    return deploy(
        placements, report, np.zeros(1, np.int16), np.zeros(1, np.int32),
        rng=np.random.default_rng(seed),
    )  # fmt: skip


def incidents(rows: list[dict]) -> Incidents:
    """Incidents from dicts with kind, onset, end and a site (device/household/community)."""
    cols = {
        "kind": np.array([r["kind"] for r in rows], dtype="<U16"),
        "device": np.array([r.get("device", -1) for r in rows], dtype=np.int64),
        "household": np.array([r.get("household", -1) for r in rows], dtype=np.int64),
        "community": np.array([r.get("community", 0) for r in rows], dtype=np.int32),
        "onset": np.array([r["onset"] for r in rows], dtype=np.float64),
        "end": np.array([r["end"] for r in rows], dtype=np.float64),
        "peak": np.array([r.get("peak", 0.0) for r in rows], dtype=np.float64),
    }
    return Incidents(**cols)


def signals(devices, truth, depth=None, activity=1.0):
    return Signals(
        devices, CATALOGUE, truth, depth,
        gain=np.ones(devices.size, np.float32),
        activity=np.full(devices.size, activity, np.float32),
    )  # fmt: skip


def no_faults(devices):
    quiet = CATALOGUE.model_copy()
    f = deal_faults(devices, quiet, 86_400.0, rng=np.random.default_rng(0))
    f.offset[:] = 0
    f.drift_per_day[:] = 0
    f.noise[:] = 0
    f.stuck_from[:] = np.inf
    f.skew[:] = 0
    f.battery_dies[:] = np.inf
    f.low_from[:] = np.inf
    return f
