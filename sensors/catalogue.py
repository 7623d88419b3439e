"""The device catalogue: what each device type measures, how it reports, and how it fails.

A data file (``scenarios/devices/catalogue.yaml``), validated here; one entry per type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, RootModel, model_validator

from datafiles import Duration, Strict, read_yaml, validate
from twin.core.units import DAY, HOUR

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0)]


class OnEvent(Strict):
    """The device's own alarm: at or above ``above`` it reports at once, then every ``every``,
    and once more when the value falls back below."""

    above: float
    every: Annotated[Duration, Field(gt=0)]


class Baseline(Strict):
    """The quiet signal: ``level`` plus Gaussian noise, never below ``floor``."""

    level: float = 0.0
    noise: Rate = 0.0
    floor: float | None = 0.0


class Faults(Strict):
    """How often a device of this type misbehaves (docs/sensing.md defines each fault)."""

    spikes_per_day: Rate = 0.0
    spike_range: tuple[float, float] | None = None
    stuck_per_year: Rate = 0.0
    noisy_share: Share = 0.0
    noisy_factor: Annotated[float, Field(ge=1.0)] = 5.0
    drift_share: Share = 0.0
    drift_per_day: Rate = 0.0
    offset_share: Share = 0.0
    offset_sd: Rate = 0.0
    dropout_bursts: Share = 0.0
    burst_readings: Annotated[float, Field(ge=1.0)] = 3.0
    clock_skew_share: Share = 0.0
    clock_skew_sd: Rate = 0.0
    duplicate: Share = 0.0
    late: Share = 0.0
    late_max: Duration = HOUR


class DeviceModel(Strict):
    """One catalogue entry."""

    measures: str
    unit: str
    sample_every: Annotated[Duration, Field(gt=0)] | None = None
    upload_every: Annotated[Duration, Field(gt=0)] | None = None
    heartbeat: Annotated[Duration, Field(gt=0)] = DAY
    on_event: OnEvent | None = None
    battery_years: Rate = 0.0
    low_battery_days: Annotated[float, Field(ge=0.0)] = 30.0
    uplink: Literal["nb-iot", "backhaul"] = "nb-iot"
    baseline: Baseline = Baseline()
    faults: Faults = Faults()

    @model_validator(mode="after")
    def _cadence(self) -> DeviceModel:
        if self.upload_every is not None:
            if self.sample_every is None:
                raise ValueError("upload_every needs sample_every (what is buffered)")
            if self.upload_every % self.sample_every:
                raise ValueError("upload_every must be a whole number of sample_every")
        return self

    @property
    def report_every(self) -> float:
        """Seconds between periodic messages: the upload, the sample, or the heartbeat."""
        return self.upload_every or min(self.sample_every or self.heartbeat, self.heartbeat)

    @property
    def samples_per_report(self) -> int:
        """Readings in one periodic message (buffered meters send several)."""
        if self.upload_every is None:
            return 1
        return round(self.upload_every / self.sample_every)

    @property
    def sample_spacing(self) -> float:
        return self.sample_every if self.upload_every else self.report_every


class DeviceCatalogue(RootModel[dict[str, DeviceModel]]):
    """Device types by name."""

    def __getitem__(self, name: str) -> DeviceModel:
        return self.root[name]

    def __contains__(self, name: object) -> bool:
        return name in self.root

    @property
    def names(self) -> list[str]:
        return list(self.root)


def load_catalogue(path: str | Path) -> DeviceCatalogue:
    """Read a device catalogue; a UserError names any fault by file, line and key path."""
    data, origins = read_yaml(Path(path))
    return validate(DeviceCatalogue, data, origins, str(path))
