"""Devices deployed over communities and households, as arrays indexed by device number.

Devices of one type form a contiguous block, ordered by the phase of their report cycle, so
the devices due in a time window are a slice found by binary search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Placement:
    """Where one type's devices go: a community per device, and a household or -1."""

    device_type: str
    community: np.ndarray  # int32
    household: np.ndarray  # int64


@dataclass(frozen=True)
class Devices:
    """Every device: its type (a code into ``type_names``), place, cell and report phase."""

    type_names: tuple[str, ...]
    type_code: np.ndarray  # int8
    community: np.ndarray  # int32
    township: np.ndarray  # int16
    cell: np.ndarray  # int32
    household: np.ndarray  # int64, -1 for devices not in a home
    phase: np.ndarray  # float64, seconds into the type's report cycle
    starts: np.ndarray  # int64 [types + 1]: the block of each type

    @property
    def size(self) -> int:
        return len(self.community)

    def block(self, name: str) -> slice:
        k = self.type_names.index(name)
        return slice(int(self.starts[k]), int(self.starts[k + 1]))

    def count(self, name: str) -> int:
        b = self.block(name)
        return b.stop - b.start

    @property
    def device_type(self) -> np.ndarray:
        """Type names per device, for rule selection and labels."""
        return np.asarray(self.type_names)[self.type_code]


def by_residents(
    n: int, community_weight: np.ndarray, *, allowed: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
    """Communities for n devices, in proportion to residents, among ``allowed`` ones only."""
    w = community_weight if allowed is None else np.where(allowed, community_weight, 0.0)
    if n and w.sum() <= 0:
        raise ValueError("no community is allowed to receive devices")
    return (
        rng.choice(len(w), size=n, p=w / w.sum()).astype(np.int32) if n else np.zeros(0, np.int32)
    )


def place(
    device_type: str, community: np.ndarray, household: np.ndarray | None = None
) -> Placement:
    household = np.full(len(community), -1, np.int64) if household is None else household
    return Placement(device_type, community.astype(np.int32), household.astype(np.int64))


def deploy(
    placements: list[Placement],
    report_every: dict[str, float],
    community_township: np.ndarray,
    community_cell: np.ndarray,
    *,
    rng: np.random.Generator,
) -> Devices:
    """Number the devices type by type, each block ordered by a uniform report phase."""
    names = tuple(p.device_type for p in placements)
    if len(set(names)) != len(names):
        raise ValueError("one placement per device type")
    parts, starts = [], [0]
    for code, p in enumerate(placements):
        phase = rng.uniform(0.0, report_every[p.device_type], len(p.community))
        order = np.argsort(phase, kind="stable")
        parts.append((code, p.community[order], p.household[order], phase[order]))
        starts.append(starts[-1] + len(p.community))
    community = np.concatenate([q[1] for q in parts]) if parts else np.zeros(0, np.int32)
    return Devices(
        type_names=names,
        type_code=np.concatenate([np.full(len(q[1]), q[0], np.int8) for q in parts])
        if parts
        else np.zeros(0, np.int8),
        community=community,
        township=community_township[community].astype(np.int16),
        cell=community_cell[community].astype(np.int32),
        household=np.concatenate([q[2] for q in parts]) if parts else np.zeros(0, np.int64),
        phase=np.concatenate([q[3] for q in parts]) if parts else np.zeros(0),
        starts=np.asarray(starts, np.int64),
    )


def due(
    devices: Devices, name: str, period: float, t0: float, t1: float
) -> tuple[np.ndarray, np.ndarray]:
    """Devices of a type whose periodic report falls in (t0, t1], with its exact time.
    Assumes t1 - t0 <= period."""
    b = devices.block(name)
    phase = devices.phase[b]
    a, z = t0 % period, t1 % period
    cycle0 = t0 - a  # start of the cycle holding t0
    if t1 - t0 >= period:
        idx = np.arange(len(phase))
    elif a < z:
        idx = np.arange(np.searchsorted(phase, a, "right"), np.searchsorted(phase, z, "right"))
    else:  # the window wraps into the next cycle
        idx = np.concatenate(
            (
                np.arange(np.searchsorted(phase, a, "right"), len(phase)),
                np.arange(0, np.searchsorted(phase, z, "right")),
            )
        )
    when = cycle0 + phase[idx]
    when = np.where(when <= t0, when + period, when)
    return b.start + idx, when
