"""The sensing world of a run, built by one constructor: the storm and the drainage it floods,
the NB-IoT cells and their outages, the devices deployed over communities and households, the
incidents they witness (ground truth), the signals they read, their faults, and the feed that
turns all of it into each tick's readings.

Every part draws from its own named stream, in a fixed order, so a run is the same bytes for
the same seed, and changing one part's parameters leaves the others' draws alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sensors.catalogue import DeviceCatalogue
from sensors.cells import Cells, Outages, lay_out_cells, power_cuts, random_outages
from sensors.cells import combine as combine_outages
from sensors.devices import Devices, by_residents, deploy, place
from sensors.drainage import Drainage, WaterDepth, flood, flood_episodes, lay_out_drainage
from sensors.faults import DeviceFault, DeviceFaults, deal_faults, schedule_faults
from sensors.feed import SensingFeed
from sensors.incidents import (
    CONFOUNDERS,
    KINDS,
    MEALTIMES,
    Incidents,
    at_devices,
    at_households,
    combine,
    floods,
    none,
)
from sensors.params import Deployment, Sensing
from sensors.signals import Signals, witnesses
from sensors.weather import Weather, calm, load_weather, storm_over
from twin.core.city import City

ELDERLY_ALONE_SHARE = 0.035  # residents 70+ living alone, of all residents (assumption)


@dataclass(frozen=True)
class Households:
    """The residents a household deployment chooses from: each one's community, birth date
    (days since 1970) and whether they live alone."""

    community: np.ndarray
    birth_day: np.ndarray
    alone: np.ndarray  # bool: alive and living alone


@dataclass
class SensingWorld:
    """Truth and observation of the sensing side; ``feed.window`` gives each tick's readings."""

    weather: Weather
    drainage: Drainage
    depth: WaterDepth
    cells: Cells
    outages: Outages
    devices: Devices
    incidents: Incidents
    signals: Signals
    faults: DeviceFaults
    feed: SensingFeed

    @classmethod
    def build(
        cls,
        params: Sensing,
        catalogue: DeviceCatalogue,
        city: City,
        *,
        start_day: int,
        horizon: float,
        streams: Callable[[str], np.random.Generator],
        households: Households | None = None,
        scheduled: Sequence[DeviceFault] = (),
    ) -> SensingWorld:
        """The world of one run: ``streams(name)`` gives each part its generator;
        ``start_day`` is the run's first day (days since 1970), for residents' ages;
        ``scheduled`` are the faults the scenario writes, dealt over the drawn ones."""
        g = streams
        weather = (
            storm_over(load_weather(params.weather), city.n_communities, horizon, rng=g("weather"))
            if params.weather
            else calm(city.n_communities, horizon)
        )
        d = params.drainage
        drainage = lay_out_drainage(
            city.n_communities,
            low_lying_share=d.low_lying_share,
            capacity=d.capacity,
            low_capacity=d.low_capacity,
            drain_time=d.drain_time,
            rng=g("drainage"),
        )
        depth = flood(weather, drainage, horizon)
        cells, outages = _network(params, city, weather, horizon, g)
        devices = _deploy(params, catalogue, city, drainage, cells, households, start_day, g)
        incidents = combine(
            _incidents(params, devices, depth, horizon, g("incidents")),
            _nuisances(params, devices, horizon, g("nuisance")),
        )
        rng = g("households")
        signals = Signals(
            devices,
            catalogue,
            incidents,
            depth,
            gain=rng.uniform(0.8, 1.2, devices.size).astype(np.float32),
            activity=rng.lognormal(0.0, 0.3, devices.size).astype(np.float32),
        )
        faults = deal_faults(devices, catalogue, horizon, rng=g("device_faults"))
        schedule_faults(faults, devices, list(scheduled))
        feed = SensingFeed(
            devices,
            catalogue,
            signals,
            faults,
            cells,
            outages,
            horizon=horizon,
            rng={k: g(k) for k in ("signals", "faults", "transport")},
        )
        return cls(
            weather, drainage, depth, cells, outages, devices, incidents, signals, faults, feed
        )

    def device_labels(self) -> dict[str, np.ndarray]:
        """Each device's labels, one array each, as the alert platform knows them."""
        d = self.devices
        return {
            "type": d.device_type,
            "id": np.arange(d.size),
            "community": d.community,
            "township": d.township,
            "cell": d.cell,
            "household": d.household,  # -1 for a device not in a home
        }

    def witness_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(incident, device) pairs: device and household incidents by their witnesses, floods
        by the water-level sensors of their community."""
        dev, inc = witnesses(self.devices, self.incidents)
        incidents, devices = self.incidents, self.devices
        flooded = np.flatnonzero(incidents.kind == "flood")
        if len(flooded) and "water_level" in devices.type_names:
            b = devices.block("water_level")
            comm = devices.community[b]
            order = np.argsort(comm, kind="stable")
            lo = np.searchsorted(comm[order], incidents.community[flooded], "left")
            hi = np.searchsorted(comm[order], incidents.community[flooded], "right")
            for k in range(int((hi - lo).max(initial=0))):
                rows = np.flatnonzero(hi - lo > k)
                dev = np.concatenate([dev, b.start + order[lo[rows] + k]])
                inc = np.concatenate([inc, flooded[rows]])
        return inc.astype(np.int64), dev.astype(np.int64)

    def tables(self) -> dict[str, pa.Table]:
        """Ground truth for the run folder: the devices, the incidents (and whether each is one
        a response is owed for), which devices witness them, cell outages, battery deaths."""
        d, inc, out = self.devices, self.incidents, self.outages
        pair_inc, pair_dev = self.witness_pairs()
        dies = self.faults.battery_dies
        dead = np.flatnonzero(np.isfinite(dies))
        counts = np.bincount(d.type_code, minlength=len(d.type_names)) if d.size else None
        return {
            "device_types": pa.table(
                {
                    "type": list(d.type_names),
                    "devices": np.zeros(len(d.type_names), np.int64)
                    if counts is None
                    else counts.astype(np.int64),
                }
            ),
            "devices": pa.table(
                {
                    "device": np.arange(d.size, dtype=np.int64),
                    "type": np.asarray(d.type_names)[d.type_code],
                    "township": d.township.astype(np.int32),
                    "community": d.community.astype(np.int32),
                    "cell": d.cell.astype(np.int32),
                    "household": d.household,
                }
            ),
            "incidents": pa.table(
                {
                    "kind": inc.kind,
                    "device": inc.device,
                    "household": inc.household,
                    "community": inc.community,
                    "onset": inc.onset,
                    "end": inc.end,
                    "peak": inc.peak,
                    "real": inc.real(),
                }
            ),
            "witnesses": pa.table({"incident": pair_inc, "device": pair_dev}),
            "outages": pa.table(
                {"cell": out.cell, "start": out.start, "end": out.end, "cause": out.cause}
            ),
            "battery_deaths": pa.table(
                {"device": dead.astype(np.int64), "at": dies[dead].astype(np.float64)}
            ),
        }


def _network(params: Sensing, city: City, weather: Weather, horizon: float, g):
    t = params.transport
    cells = lay_out_cells(
        city.community_township,
        max(1, round(t.cells * city.scale)),
        loss=t.loss,
        latency=t.latency,
        rng=g("cells"),
    )
    outages = combine_outages(
        random_outages(
            cells.size, horizon, t.outages_per_cell_year, t.outage_duration, rng=g("outages")
        ),
        power_cuts(
            cells.size, weather.storm, t.power_cut_per_hour, t.backup, t.restore, rng=g("power")
        ),
    )
    return cells, outages


def _deploy(params, catalogue, city, drainage, cells, households, start_day, g) -> Devices:
    rng, placements = g("devices"), []
    for name, spec in params.deploy.items():
        if spec.households:
            community, household = _homes(spec, city, households, start_day, rng)
            placements.append(place(name, community, household))
            continue
        low = spec.where == "low_lying"
        weight = np.ones(city.n_communities) if low else city.community_weight
        allowed = drainage.low_lying if low else None
        placements.append(
            place(name, by_residents(_count(spec, city), weight, allowed=allowed, rng=rng))
        )
    placements.append(place("base_station", _cell_homes(cells)))
    report = {n: catalogue[n].report_every for n in catalogue.names}
    return deploy(placements, report, city.community_township, cells.community_cell, rng=rng)


def _cell_homes(cells: Cells) -> np.ndarray:
    """Each cell's status feed sits in the first community the cell serves."""
    first = np.full(cells.size, -1)
    order = np.arange(len(cells.community_cell))[::-1]
    first[cells.community_cell[order]] = order
    return np.maximum(first, 0).astype(np.int32)


def _count(spec: Deployment, city: City) -> int:
    if spec.count is not None:
        return round(spec.count * city.scale * spec.coverage)
    return round(spec.per_1000_residents * city.residents / 1000 * spec.coverage)


def _homes(spec: Deployment, city: City, households: Households | None, start_day: int, rng):
    """Households of older residents living alone (a share ``coverage`` of them); without a
    population, the city's share of such residents placed by community weight."""
    if households is not None:
        age = (start_day - households.birth_day.astype(np.int64)) / 365.25
        alone = np.flatnonzero(households.alone & (age >= spec.min_age))
        chosen = alone[rng.random(len(alone)) < spec.coverage]
        return households.community[chosen], chosen.astype(np.int64)
    n = round(city.residents * ELDERLY_ALONE_SHARE * spec.coverage)
    where = by_residents(n, city.community_weight, allowed=None, rng=rng)
    return where, np.arange(n, dtype=np.int64)


def _incidents(params: Sensing, dev: Devices, depth: WaterDepth, horizon: float, rng):
    parts = []
    for kind, spec in KINDS.items():
        if spec.course == "field" or kind == "fall" or kind in CONFOUNDERS:
            continue
        (witness,) = spec.witnesses
        if witness not in dev.type_names:
            continue
        b = dev.block(witness)
        rate = params.incident_rate(kind)
        parts.append(
            at_devices(
                kind,
                np.arange(b.start, b.stop),
                dev.community[b],
                horizon,
                rate.per_year,
                rate.lasts,
                rng=rng,
            )
        )
    homes = np.flatnonzero(dev.household >= 0)
    if len(homes):
        household, first = np.unique(dev.household[homes], return_index=True)
        community = dev.community[homes[first]]
        for kind in ("fall", "away"):
            rate = params.incident_rate(kind)
            parts.append(
                at_households(
                    kind, household, community, horizon, rate.per_year, rate.lasts, rng=rng
                )
            )
    parts.append(floods(*flood_episodes(depth, params.drainage.flood_depth)))
    return combine(*parts)


def _nuisances(params: Sensing, dev: Devices, horizon: float, rng):
    """What sets off a kitchen's gas detector without a leak: cooking fumes at mealtimes and
    aerosol sprays at any hour (their own stream: adding them moves no incident)."""
    if "gas" not in dev.type_names:
        return none()
    b = dev.block("gas")
    parts = []
    for kind, hours in (("cooking_fumes", MEALTIMES), ("aerosol", None)):
        rate = params.incident_rate(kind)
        parts.append(
            at_devices(
                kind, np.arange(b.start, b.stop), dev.community[b], horizon,
                rate.per_year, rate.lasts, rng=rng, hours=hours,
            )
        )  # fmt: skip
    return combine(*parts)
