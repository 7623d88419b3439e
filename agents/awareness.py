"""Who has heard of a policy: Bass-type diffusion over the policy's audience, plus pushes.

Each unaware member of the audience hears of the policy at the hazard

    h = p + q * ((1 - local) * A / N + local * A_g / N_g)          (per day)

where ``p`` is the pull of media and notices, ``q`` the strength of word of mouth, ``A / N``
the aware share of the whole audience and ``A_g / N_g`` that of the others in the member's own
group (its community for residents, its industry association for enterprises; the whole
audience's share for a member alone in it); ``local`` is the share of conversations held
within the group. With ``local = 0`` this is Bass's model, whose aware
share follows F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (tests/agents/test_awareness.py
checks it). A platform push makes a member aware at once if they read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Awareness:
    """Awareness of one policy, one row per audience member (not per city resident)."""

    members: np.ndarray  # int64 entity indices in the target population
    group: np.ndarray  # int, mixing group of each member (community, industry)
    aware: np.ndarray = field(init=False)  # bool
    aware_since: np.ndarray = field(init=False)  # float32 day, NaN while unaware

    def __post_init__(self) -> None:
        self._raw_group = np.asarray(self.group)
        self.group = np.unique(self._raw_group, return_inverse=True)[1].astype(np.int32)
        self.aware = np.zeros(len(self.members), bool)
        self.aware_since = np.full(len(self.members), np.nan, np.float32)
        self._group_size = np.bincount(self.group).astype(np.float64)
        self._order = np.argsort(self.members, kind="stable")

    def position(self, rows: np.ndarray) -> np.ndarray:
        """Where each entity of ``rows`` (all members) sits in the member arrays."""
        at = np.searchsorted(self.members, rows, sorter=self._order)
        return self._order[np.minimum(at, max(len(self.members) - 1, 0))]

    def add(self, members: np.ndarray, group: np.ndarray) -> None:
        """New members join the audience, unaware (newcomers, the newly eligible)."""
        fresh = ~np.isin(members, self.members)
        members, group = members[fresh], group[fresh]
        self.members = np.concatenate([self.members, members])
        self._raw_group = np.concatenate([self._raw_group, group])
        self.group = np.unique(self._raw_group, return_inverse=True)[1].astype(np.int32)
        self._group_size = np.bincount(self.group).astype(np.float64)
        self.aware = np.concatenate([self.aware, np.zeros(len(members), bool)])
        self.aware_since = np.concatenate(
            [self.aware_since, np.full(len(members), np.nan, np.float32)]
        )
        self._order = np.argsort(self.members, kind="stable")

    @property
    def share(self) -> float:
        return float(self.aware.mean()) if len(self.aware) else 0.0


def hear_of_it(
    aw: Awareness,
    p: float,
    q: float,
    local: float,
    today: float,
    days: float,
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    """Members who hear of the policy during the next ``days`` days (hazard as above)."""
    if not len(aw.aware):
        return np.zeros(0, np.int64)
    word = (1.0 - local) * aw.share
    if local > 0:
        word = word + local * _neighbours_aware(aw)
    hazard = p + q * word
    new = ~aw.aware & (rng.random(len(aw.aware)) < -np.expm1(-hazard * days))
    return _mark(aw, new, today)


def _neighbours_aware(aw: Awareness) -> np.ndarray:
    """Per member, the aware share of the others in their group - the whole audience's share
    for a member alone in it - so that a city drawn at a small scale, whose communities hold
    few members, hears by word of mouth as the full city does."""
    in_group = np.bincount(aw.group, weights=aw.aware, minlength=len(aw._group_size))
    others = aw._group_size[aw.group] - 1.0
    aware_others = in_group[aw.group] - aw.aware
    return np.where(others > 0, aware_others / np.maximum(others, 1.0), aw.share)


def read_push(
    aw: Awareness,
    pushed: np.ndarray,
    read_probability: np.ndarray,
    today: float,
    *,
    rng: np.random.Generator,
) -> np.ndarray:
    """Members pushed today who read the push (probability per member) become aware."""
    new = pushed & ~aw.aware & (rng.random(len(aw.aware)) < read_probability)
    return _mark(aw, new, today)


def _mark(aw: Awareness, new: np.ndarray, today: float) -> np.ndarray:
    aw.aware |= new
    aw.aware_since[new] = today
    return np.flatnonzero(new)


def bass_share(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Bass's closed form: the aware share at time t of a fully mixed audience."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return (1 - e) / (1 + (q / p) * e)
