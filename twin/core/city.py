"""The synthetic city: districts, development zones, townships and communities, as arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field

from datafiles import Strict
from twin.core import ningbo


class CityParams(Strict):
    """The synthetic Ningbo (scenario section ``city``): the real city's figures, populations
    multiplied by ``scale``."""

    scale: Annotated[float, Field(gt=0.0, le=1.0)] = 0.001
    # upper bounds: about twice Ningbo's, beyond which a run at scale 1 exhausts memory
    residents: Annotated[int, Field(gt=0, le=20_000_000)] = ningbo.RESIDENTS
    enterprises: Annotated[int, Field(gt=0, le=3_000_000)] = ningbo.MARKET_ENTITIES
    communities: Annotated[int, Field(ge=156, le=20_000)] = ningbo.COMMUNITIES


@dataclass(frozen=True)
class City:
    """Geography of a synthetic Ningbo; index arrays link each level to the one above.

    Geography is never scaled (all 156 townships exist at any scale); populations are.
    """

    district_names: tuple[str, ...]
    zone_names: tuple[str, ...]
    township_district: np.ndarray  # int16, per township
    township_zone: np.ndarray  # int8, per township; -1 outside any development zone
    community_township: np.ndarray  # int16, per community
    community_weight: np.ndarray  # float64, share of the city's residents, sums to 1
    residents: int  # residents at this scale
    enterprises: int  # market entities at this scale
    scale: float

    @property
    def n_districts(self) -> int:
        return len(self.district_names)

    @property
    def n_townships(self) -> int:
        return len(self.township_district)

    @property
    def n_communities(self) -> int:
        return len(self.community_township)

    @property
    def community_district(self) -> np.ndarray:
        return self.township_district[self.community_township]


def build_city(
    *,
    scale: float,
    residents: int = ningbo.RESIDENTS,
    enterprises: int = ningbo.MARKET_ENTITIES,
    communities: int = ningbo.COMMUNITIES,
    districts: tuple[tuple[str, int, int], ...] = ningbo.DISTRICTS,
    zones: tuple[tuple[str, str], ...] = ningbo.DEVELOPMENT_ZONES,
    rng: np.random.Generator,
) -> City:
    """Lay out townships and communities in proportion to district residents."""
    names = tuple(d[0] for d in districts)
    pop = np.array([d[1] for d in districts], dtype=np.float64)
    n_town = np.array([d[2] for d in districts], dtype=np.int64)
    township_district = np.repeat(np.arange(len(names), dtype=np.int16), n_town)
    # Township residents: the district's residents split by a Dirichlet draw.
    town_pop = np.concatenate(
        [p * rng.dirichlet(np.full(k, 4.0)) for p, k in zip(pop, n_town, strict=True)]
    )
    township_zone = _assign_zones(names, township_district, zones, rng=rng)
    per_town = _apportion(town_pop, communities, minimum=1)
    community_township = np.repeat(np.arange(len(town_pop), dtype=np.int16), per_town)
    # Community sizes vary around the township's mean (lognormal, sigma 0.5: an assumption).
    size = rng.lognormal(0.0, 0.5, size=len(community_township))
    size *= (
        town_pop[community_township]
        / np.bincount(community_township, weights=size)[community_township]
    )
    return City(
        district_names=names,
        zone_names=tuple(z[0] for z in zones),
        township_district=township_district,
        township_zone=township_zone,
        community_township=community_township,
        community_weight=size / size.sum(),
        residents=max(1, round(residents * scale)),
        enterprises=max(1, round(enterprises * scale)),
        scale=scale,
    )


def _apportion(weights: np.ndarray, total: int, *, minimum: int) -> np.ndarray:
    """Integer counts proportional to weights, summing to total (largest remainder)."""
    base = np.full(len(weights), minimum, dtype=np.int64)
    spare = total - base.sum()
    if spare < 0:
        raise ValueError(f"{total} cannot give {minimum} to each of {len(weights)} parts")
    exact = weights / weights.sum() * spare
    whole = np.floor(exact).astype(np.int64)
    left = spare - whole.sum()
    order = np.argsort(-(exact - whole), kind="stable")
    whole[order[:left]] += 1
    return base + whole


def _assign_zones(
    names: tuple[str, ...],
    township_district: np.ndarray,
    zones: tuple[tuple[str, str], ...],
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each zone takes one or two townships of its host district not yet in a zone."""
    zone = np.full(len(township_district), -1, dtype=np.int8)
    for z, (_, host) in enumerate(zones):
        free = np.flatnonzero((township_district == names.index(host)) & (zone < 0))
        take = rng.choice(free, size=min(len(free), int(rng.integers(1, 3))), replace=False)
        zone[take] = z
    return zone
