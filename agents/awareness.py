"""Who has heard of a policy: Bass-type diffusion over the policy's audience, plus pushes.

Each unaware member of the audience hears of the policy at the hazard

    h = p + q * ((1 - local) * A / N + local * A_g / N_g)          (per day)

where ``p`` is the pull of media and notices, ``q`` the strength of word of mouth, ``A / N``
the aware share of the whole audience and ``A_g / N_g`` that of the others in the member's own
group (its community for residents, its industry association for enterprises; the whole
audience's share for a member alone in it); ``local`` is the share of conversations held
within the group. With ``local = 0`` this is Bass's model, whose aware
share follows F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) (tests/agents/test_awareness.py
checks it at the model's own daily step). A platform push makes a member aware at once if they
read it.

A step of ``days`` integrates the hazard over the step instead of freezing it at the step's
start: the share a member hears, ``s``, is carried forward by Bass's own equation
ds/dt = (p + q s)(1 - s), so the chance of still being unaware after a step of length d is

    S(d) = exp(-integral of h) = (p + q) / ((p + q s) e^{(p+q) d} + q (1 - s))

which is exact for a fully mixed audience (a one-day step lands on the closed form; a hazard
frozen for the day lagged it by up to 0.08 of the audience at p + q = 0.3 per day).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Awareness:
    """Awareness of one policy, one row per audience member (not per city resident)."""

    members: np.ndarray  # int64 entity indices in the target population
    group: np.ndarray  # int, mixing group of each member (community, industry)
    _aware: np.ndarray = field(init=False)  # bool; read ``aware``, write through ``hear``
    aware_since: np.ndarray = field(init=False)  # float32 day, NaN while unaware

    def __post_init__(self) -> None:
        self._raw_group = np.asarray(self.group)
        self._seen, codes = np.unique(self._raw_group, return_inverse=True)  # groups, sorted
        self.group = codes.astype(np.int32)
        self._aware = np.zeros(len(self.members), bool)
        self.aware_since = np.full(len(self.members), np.nan, np.float32)
        self._group_size = np.bincount(self.group).astype(np.float64)
        self._order = np.argsort(self.members, kind="stable")
        self._count_aware()

    def position(self, rows: np.ndarray) -> np.ndarray:
        """Where each entity of ``rows`` (all members) sits in the member arrays."""
        at = np.searchsorted(self.members, rows, sorter=self._order)
        return self._order[np.minimum(at, max(len(self.members) - 1, 0))]

    def add(self, members: np.ndarray, group: np.ndarray) -> None:
        """New members join the audience, unaware (newcomers, the newly eligible)."""
        fresh = ~self._holds(members)
        members, group = members[fresh], group[fresh]
        if not len(members):
            return
        first = len(self.members)
        self.members = np.concatenate([self.members, members])
        self._raw_group = np.concatenate([self._raw_group, group])
        self.group = self._codes(group)
        self._group_size = np.bincount(self.group).astype(np.float64)
        self._aware = np.concatenate([self._aware, np.zeros(len(members), bool)])
        self.aware_since = np.concatenate(
            [self.aware_since, np.full(len(members), np.nan, np.float32)]
        )
        # the stable sort of all members, by merging the newcomers into the old order
        o = np.argsort(members, kind="stable")
        at = np.searchsorted(self.members[self._order], members[o], side="right")
        self._order = np.insert(self._order, at, first + o)
        self._count_aware()  # groups may be new, or ranked anew

    @property
    def aware(self) -> np.ndarray:
        """Whether each member has heard of the policy (read-only: the counts follow ``hear``)."""
        view = self._aware.view()
        view.flags.writeable = False
        return view

    def _count_aware(self) -> None:
        """Count the aware, in all and per group, from scratch; ``hear`` keeps them after."""
        self.aware_count = int(self._aware.sum())
        self.aware_in_group = np.bincount(
            self.group, weights=self._aware, minlength=len(self._group_size)
        )

    def hear(self, new: np.ndarray, today: float) -> np.ndarray:
        """Members at ``new`` (a mask) not yet aware hear of the policy ``today``: where."""
        heard = np.flatnonzero(new & ~self._aware)
        self._aware[heard] = True
        self.aware_since[heard] = today
        self.aware_count += len(heard)
        self.aware_in_group += np.bincount(self.group[heard], minlength=len(self._group_size))
        return heard

    def _holds(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` is a member already."""
        if not len(self.members):
            return np.zeros(len(rows), bool)
        return self.members[self.position(rows)] == rows

    def _codes(self, group: np.ndarray) -> np.ndarray:
        """Each member's group as its rank among the groups (np.unique's inverse), extended
        without re-sorting every member while the newcomers' groups are known ones."""
        seen = self._seen
        at = np.searchsorted(seen, group)
        if len(seen) and (seen[np.minimum(at, len(seen) - 1)] == group).all():
            return np.concatenate([self.group, at.astype(np.int32)])
        self._seen, codes = np.unique(self._raw_group, return_inverse=True)
        return codes.astype(np.int32)

    @property
    def share(self) -> float:
        return self.aware_count / len(self.aware) if len(self.aware) else 0.0


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
    draws = rng.random(len(aw.aware))  # one per member, aware or not: streams stay aligned
    unaware = np.flatnonzero(~aw.aware)
    heard = (1.0 - local) * aw.share
    if local > 0:
        heard = heard + local * _neighbours_aware(aw, unaware)
    stay = unaware_after(days, p, q, heard)
    new = np.zeros(len(aw.aware), bool)
    new[unaware[draws[unaware] >= stay]] = True
    return aw.hear(new, today)


def unaware_after(days: float, p: float, q: float, heard: np.ndarray | float) -> np.ndarray:
    """Chance of still being unaware after ``days``, for a member who hears the aware share
    ``heard`` at the step's start and the hazard grows as Bass's equation carries that share."""
    r = p + q
    heard = np.asarray(heard, dtype=np.float64)
    if r <= 0:
        return np.ones_like(heard)
    with np.errstate(over="ignore"):  # a step far longer than the diffusion: nobody is left
        return r / ((p + q * heard) * np.exp(r * days) + q * (1.0 - heard))


def _neighbours_aware(aw: Awareness, rows: np.ndarray) -> np.ndarray:
    """For the members at ``rows`` (unaware ones), the aware share of the others in their
    group - the whole audience's share for a member alone in it - so that a city drawn at a
    small scale, whose communities hold few members, hears by word of mouth as the full city
    does."""
    in_group = aw.aware_in_group
    group = aw.group[rows]
    others = aw._group_size[group] - 1.0
    aware_others = in_group[group] - aw.aware[rows]
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
    return aw.hear(new, today)


def bass_share(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Bass's closed form: the aware share at time t of a fully mixed audience."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return (1 - e) / (1 + (q / p) * e)
