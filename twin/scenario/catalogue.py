"""The platform's catalogue over its history: policies put online day by day, each a dated copy
of a hand-written template, along a documented growth curve (docs/history.md).

The seed gives one point of the curve - 2,056 policies online by 2022-06-18, launch 2020-06-16,
version 2.0 on 2021-03-30 - so the curve's shape is an assumption and a lever: a share online at
launch, linear growth, and an optional step when version 2.0 opened the platform to more
departments. Most copies are run by one district for its own residents or firms ("city
coordinates, districts operate"), so two thousand policies do not all reach the same people;
the share of copies for residents rather than firms is a lever too (``person_share``).
Which template each policy copies and how it is delivered are drawn from the
catalogue's own seed, so every replication and variant rehearses the same catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from datafiles import Duration, Strict
from datafiles.types import FilePath, Positive, Share
from twin.core.units import DAY

Mode = Literal["apply", "push", "auto"]
MAX_POLICIES = 20_000  # about ten times the seed's catalogue


class Catalogue(Strict):
    """How many policies come online when, copied from which templates, delivered how."""

    templates: list[FilePath] = []  # hand-written policies the catalogue copies
    policies: Annotated[int, Field(ge=0, le=MAX_POLICIES)] = 0  # online by ``by``
    launch: dt.date = dt.date(2020, 6, 16)
    by: dt.date = dt.date(2022, 6, 18)
    at_launch: Share = 0.05  # share of the catalogue online on launch day
    version_2: dt.date | None = dt.date(2021, 3, 30)
    step_at_version_2: Share = 0.0  # share of the catalogue put online on version 2.0's day
    lifetime: Annotated[Duration, Field(gt=0, le=20 * 365 * DAY)] = 365 * DAY  # in force for
    delivery_before_version_2: dict[Mode, Share] = {"apply": 0.8, "push": 0.2, "auto": 0.0}
    delivery_from_version_2: dict[Mode, Share] = {"apply": 0.4, "push": 0.35, "auto": 0.25}
    amount_factor: dict[Literal["enterprise", "person"], Positive] = {}  # times the template's
    district_share: Share = 0.8  # of the copies, those one district runs, for its own people
    person_share: Share | None = None  # of the copies, those of person templates (None: as drawn)
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 20200616  # the catalogue's own draws

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        if self.by <= self.launch:
            raise ValueError("'by' must come after 'launch'")
        if self.at_launch + self.step_at_version_2 > 1:
            raise ValueError("at_launch + step_at_version_2 must be at most 1")
        for name in ("delivery_before_version_2", "delivery_from_version_2"):
            if sum(getattr(self, name).values()) <= 0:
                raise ValueError(f"{name} needs a positive share for some mode")
        if self.policies and not self.templates:
            raise ValueError("a catalogue of policies needs templates to copy")
        return self

    def online_by(self, on: dt.date) -> float:
        """Policies online by the end of ``on`` along the curve (the share times ``policies``)."""
        if on < self.launch:
            return 0.0
        span = (self.by - self.launch).days
        step = self.step_at_version_2 if self.version_2 else 0.0
        stepped = step if self.version_2 and on >= self.version_2 else 0.0
        grown = (1.0 - self.at_launch - step) * min(1.0, (on - self.launch).days / span)
        return self.policies * (self.at_launch + stepped + grown)

    def opening_dates(self) -> list[dt.date]:
        """The day each of the ``policies`` comes online: the curve's inverse at (k + 1/2) / n."""
        days = [self.launch + dt.timedelta(days=d) for d in range((self.by - self.launch).days + 1)]
        online = np.array([self.online_by(d) for d in days])
        ranks = np.arange(self.policies) + 0.5
        return [days[i] for i in np.searchsorted(online, ranks, side="left")]

    def delivery_on(self, on: dt.date) -> dict[str, float]:
        """The shares of delivery modes of a policy put online on ``on``."""
        after = self.version_2 is not None and on >= self.version_2
        return self.delivery_from_version_2 if after else self.delivery_before_version_2


def dated_copies(
    catalogue: Catalogue,
    templates: list,
    districts: Sequence[str] = (),
    narrow: Callable[[Any, str], Any] | None = None,
) -> list:
    """The catalogue's policies: for each opening date a copy of a template drawn at random,
    under its own id, with its dates, its parameters' dates shifted alike, and a delivery mode;
    a ``district_share`` of them run by one district for its own residents or firms
    (``narrow(template, district)`` adds that condition; computed once per pair)."""
    if not catalogue.policies:
        return []
    rng = np.random.default_rng(catalogue.seed)
    n = catalogue.policies
    drawn, modes = rng.integers(len(templates), size=n), rng.random(n)
    if catalogue.person_share is not None:
        drawn = _by_target(catalogue, [t.spec.target for t in templates], n)
    local = rng.random(n) < catalogue.district_share if districts and narrow else np.zeros(n, bool)
    where = rng.integers(max(1, len(districts)), size=n)
    narrowed: dict[tuple[int, int], Any] = {}

    def template(k: int) -> Any:
        t = int(drawn[k])
        if not local[k]:
            return templates[t]
        key = (t, int(where[k]))
        if key not in narrowed:
            narrowed[key] = narrow(templates[t], districts[key[1]])  # type: ignore[misc]
        return narrowed[key]

    return [
        _copy(template(k), k, on, _mode(catalogue.delivery_on(on), u), catalogue)
        for k, (on, u) in enumerate(zip(catalogue.opening_dates(), modes, strict=True))
    ]


def _by_target(catalogue: Catalogue, targets: list[str], n: int) -> np.ndarray:
    """Templates drawn so that a ``person_share`` of the copies are of person templates (a
    stream of their own, so the other draws stay as they were)."""
    rng = np.random.default_rng([catalogue.seed, 1])
    person = rng.random(n) < catalogue.person_share
    mine = {t: np.flatnonzero(np.array(targets) == t) for t in ("person", "enterprise")}
    pick = rng.random(n)
    drawn = np.empty(n, np.int64)
    for target, rows in (("person", person), ("enterprise", ~person)):
        choices = mine[target] if len(mine[target]) else np.arange(len(targets))
        drawn[rows] = choices[(pick[rows] * len(choices)).astype(np.int64)]
    return drawn


def _mode(shares: dict[str, float], u: float) -> str:
    names = [m for m in ("apply", "push", "auto") if shares.get(m, 0) > 0]
    cumulative = np.cumsum([shares[m] for m in names])
    return names[min(int(np.searchsorted(cumulative / cumulative[-1], u)), len(names) - 1)]


def _copy(template, k: int, on: dt.date, mode: str, catalogue: Catalogue):
    """One dated copy of a compiled template (its compiled conditions are shared, not redone)."""
    spec = template.spec
    shift = on - spec.valid_from
    parameters = {
        name: p.model_copy(update={"values": {d + shift: v for d, v in p.values.items()}})
        for name, p in spec.parameters.items()
    }
    until = on + dt.timedelta(days=max(0, int(catalogue.lifetime // DAY) - 1))
    updates = {
        "id": f"{spec.id}-{k:04d}",
        "valid_from": on,
        "valid_to": until,
        "parameters": parameters,
        "delivery": mode,
        "tests": [],
    }
    return replace(template, spec=spec.model_copy(update=updates))
