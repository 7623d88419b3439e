"""Rain and wind over the city: a named storm read from a weather file, spread over communities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from datafiles import Duration, Strict, read_yaml, validate
from twin.core.units import HOUR

STORM_WIND = (17.0, 40.0)  # m/s: gale force starts to threaten power lines; full storm (assumption)


class WeatherFile(Strict):
    """A storm as hourly (or ``step``) series of city-wide rain and wind."""

    name: str
    starts: Duration = 0.0
    step: Annotated[Duration, Field(gt=0)] = HOUR
    rain_mm: list[Annotated[float, Field(ge=0.0)]]
    wind_ms: list[Annotated[float, Field(ge=0.0)]] = []
    spatial_spread: Annotated[float, Field(ge=0.0, le=2.0)] = 0.25

    @model_validator(mode="after")
    def _lengths(self) -> WeatherFile:
        if self.wind_ms and len(self.wind_ms) != len(self.rain_mm):
            raise ValueError("wind_ms must have one value per rain_mm value")
        return self


def load_weather(path: str | Path) -> WeatherFile:
    data, origins = read_yaml(Path(path))
    return validate(WeatherFile, data, origins, str(path))


@dataclass(frozen=True)
class Weather:
    """Rain per community and storm intensity over the run, on a fixed step."""

    step: float  # seconds
    rain: np.ndarray  # float32 [steps, communities], mm per hour
    storm: np.ndarray  # float64 [hours], 0 calm .. 1 full storm, for power cuts

    def rain_at(self, t: float) -> np.ndarray:
        i = min(int(t // self.step), len(self.rain) - 1)
        return self.rain[i]


def calm(n_communities: int, horizon: float) -> Weather:
    """No rain, no storm."""
    hours = int(np.ceil(horizon / HOUR)) + 1
    return Weather(HOUR, np.zeros((1, n_communities), np.float32), np.zeros(hours))


def storm_over(
    w: WeatherFile, n_communities: int, horizon: float, *, rng: np.random.Generator
) -> Weather:
    """Place the storm's series at ``starts`` on the run's clock; each community gets the
    city's rain times its own lognormal factor (its place under the rain bands)."""
    steps = int(np.ceil(horizon / w.step)) + 1
    offset = round(w.starts / w.step)
    rain = np.zeros(steps)
    wind = np.zeros(steps)
    series = np.asarray(w.rain_mm) * (HOUR / w.step)  # mm per step -> mm per hour
    take = max(0, min(len(series), steps - offset))
    rain[offset : offset + take] = series[:take]
    if w.wind_ms:
        wind[offset : offset + take] = np.asarray(w.wind_ms)[:take]
    factor = rng.lognormal(-0.5 * w.spatial_spread**2, w.spatial_spread, n_communities)
    storm = np.clip((wind - STORM_WIND[0]) / (STORM_WIND[1] - STORM_WIND[0]), 0.0, 1.0)
    hours = int(np.ceil(horizon / HOUR)) + 1
    hourly = storm[np.minimum((np.arange(hours) * HOUR // w.step).astype(int), steps - 1)]
    return Weather(w.step, (rain[:, None] * factor[None, :]).astype(np.float32), hourly)
