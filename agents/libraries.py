"""The platform's libraries: what departments have shared about truth, with gaps and lag."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from datafiles import Duration, Strict
from datafiles.types import FilePath, Share
from twin.core.units import DAY


class SourceQuality(Strict):
    """One department's data (``libraries.<target>.sources.<department>``): each key left out
    takes the library's value."""

    missing: Share | None = None
    stale: Share | None = None
    update_lag: Duration | None = None


class LibraryQuality(Strict):
    """How the platform's library of a target differs from truth (``libraries.<target>``):
    the share of cells unknown, the share stale, the mean time until a wrong cell is
    corrected; ``sources`` sets them per department that shares fields (the field registry
    says which department shares which field)."""

    fields: FilePath  # the target's field registry
    missing: Share = 0.05
    stale: Share = 0.05
    update_lag: Duration = 30 * DAY
    sources: dict[str, SourceQuality] = {}

    def of_source(self, source: str) -> DataQuality:
        """The quality of the fields a department shares (the library's, where it is silent)."""
        q = self.sources.get(source)
        return DataQuality(
            self.missing if q is None or q.missing is None else q.missing,
            self.stale if q is None or q.stale is None else q.stale,
            self.update_lag if q is None or q.update_lag is None else q.update_lag,
        )


class Libraries(Strict):
    """The person and the enterprise library (scenario section ``libraries``)."""

    person: LibraryQuality
    enterprise: LibraryQuality


@dataclass(frozen=True)
class DataQuality:
    """One field's quality: per-cell chance that a value is unknown or stale, and the mean time
    (seconds) until a wrong cell is corrected."""

    missing: float
    stale: float
    update_lag: float


class Library:
    """A copy of truth per field, where some cells are unknown and some hold an outdated value.

    A stale cell holds a value copied from another entity: plausible but wrong. Each day every
    unknown or stale cell is corrected with probability 1 - exp(-1 day / update_lag). Each
    field has the quality of the department that shares it.
    """

    def __init__(
        self,
        truth: Mapping[str, np.ndarray],
        quality: DataQuality | Mapping[str, DataQuality],
        *,
        rng: np.random.Generator,
        registered: np.ndarray | None = None,
        history_rng: np.random.Generator | None = None,
        own_rngs: Mapping[str, np.random.Generator] | None = None,
    ) -> None:
        """``quality`` is one for every field, or one per field (each field's source);
        ``registered`` marks the rows the platform has records of (default: all);
        ``history_rng`` draws for last year's columns (``FIELD@last_year``) and ``own_rngs``
        for the columns named in it (``OWN_STREAMS``: columns added since the first runs were
        kept), so that adding a column leaves the others' draws as they were."""
        self._own = dict(own_rngs or {})
        self.quality = {
            k: quality if isinstance(quality, DataQuality) else quality[k] for k in truth
        }
        self.values: dict[str, np.ndarray] = {}
        self.known: dict[str, np.ndarray] = {}
        n_rows = len(next(iter(truth.values()))) if truth else 0
        # rows the platform has a record of; others (not yet born, arrived or founded) it lacks
        self.registered = np.ones(n_rows, bool) if registered is None else registered.copy()
        for name, column in truth.items():
            n, q = len(column), self.quality[name]
            rng_ = self._own.get(name) or _rng_for(name, rng, history_rng)
            stale = rng_.random(n) < q.stale
            value = column.copy()
            value[stale] = column[rng_.integers(0, n, size=int(stale.sum()))]
            self.values[name] = value
            self.known[name] = (rng_.random(n) >= q.missing) & self.registered

    def refresh(
        self,
        truth: Mapping[str, np.ndarray],
        days: float,
        *,
        rng: np.random.Generator,
        exists: np.ndarray | None = None,
        registration_lag: float = 7 * DAY,
        history_rng: np.random.Generator | None = None,
    ) -> int:
        """Correct cells after ``days`` of data sharing; return how many were corrected.

        Entities that ``exist`` but have no record are registered (with unknown fields) at
        the rate ``1 - exp(-days / registration_lag)``; only registered rows are corrected.
        """
        if exists is not None:
            new = exists & ~self.registered
            self.registered |= new & (
                rng.random(len(new)) < -np.expm1(-days / (registration_lag / DAY))
            )
        corrected = 0
        for name, column in truth.items():
            p = 1.0 - np.exp(-days / (self.quality[name].update_lag / DAY))
            wrong = ~self.known[name] | (self.values[name] != column)
            draw = (self._own.get(name) or _rng_for(name, rng, history_rng)).random(len(column))
            fix = wrong & self.registered & (draw < p)
            self.values[name][fix] = column[fix]
            self.known[name][fix] = True
            corrected += int(fix.sum())
        return corrected

    def take_notice(
        self, truth: Mapping[str, np.ndarray], rows: np.ndarray, exists: np.ndarray
    ) -> None:
        """A department's notice of an event: the rows' records take truth's values at once
        (a newcomer among them is registered) - no lag, no draw."""
        self.registered[rows] |= exists[rows]
        known = self.registered[rows]
        for name, column in truth.items():
            self.values[name][rows] = column[rows]
            self.known[name][rows] = known

    def wrong_cells(self, truth: Mapping[str, np.ndarray]) -> int:
        """Cells that are unknown or differ from truth."""
        return sum(int((~self.known[k] | (self.values[k] != v)).sum()) for k, v in truth.items())


# Columns each drawing from a stream of its own (``libraries/<target>/<column>``): those added
# after runs were first kept, so that adding one left every other column's draws as they were.
OWN_STREAMS = {
    "person": ("household", "relation", "insured_months_consecutive"),
    "enterprise": ("group", "rd_spend@last_year"),
}


def _rng_for(name: str, rng: np.random.Generator, history_rng) -> np.random.Generator:
    """Last year's columns draw from their own generator, when there is one."""
    return history_rng if history_rng is not None and "@" in name else rng
