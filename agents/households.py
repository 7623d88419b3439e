"""Registered households (户): whose household register each resident is on, the register's
head, and each member's relation to the head - what a means test per capita, "the spouse's
home" or "once per household" reads (docs/population.md).

A household's id is the row of the resident who founded it (it keeps the id when the head
changes); ``NO_HOUSEHOLD`` (-1) marks rows on no register: the dead and rows not yet in use.
The register is drawn once with the population, from its own random stream, around what the
residents already are: everyone living alone heads a household of one, so the sensing side's
elderly living alone are the registers' one-person households of 60 and over.
"""

from __future__ import annotations

import numpy as np

from agents.residents import Residents

RELATIONS = ("head", "spouse", "child", "parent", "other")
HEAD, SPOUSE, CHILD, PARENT, OTHER = range(len(RELATIONS))
NO_HOUSEHOLD = -1
# Married, among residents not living alone, from each age (assumption near Zhejiang's 2020
# census: few before 25, most from 30, fewer past 80 as spouses die).
MARRIED_FROM_AGE = ((0, 0.0), (22, 0.35), (30, 0.82), (80, 0.5))
HEAD_IS_HUSBAND = 0.7  # the husband is the register's head (assumption)
PARENT_GAP_YEARS = (22.0, 36.0)  # a child's mother was this old at the birth (uniform)
LEAST_GAP_YEARS = 16.0  # a "parent" at least this much older, else the child is kin ("other")
ADULT_CHILD_UNTIL = 35  # unmarried adults younger than this stay on their parents' register
PARENT_FROM = 60  # unmarried residents this old live with a child's family
YEAR = 365.25


def form_households(people: Residents, today: int, *, rng: np.random.Generator) -> None:
    """Put every living resident on a register, in place: the living alone on their own,
    couples paired by age within their community, children and unmarried young adults with a
    couple of fitting age, older widowed with a couple of their children's age, the rest alone
    on a register of their own (though they share a home)."""
    n = people.size
    household, relation = people.household, people.relation
    household[:], relation[:] = NO_HOUSEHOLD, OTHER
    rows = np.arange(n)
    alive = people.alive
    age = (today - people.birth_date) / YEAR
    alone = alive & people.living_alone
    household[alone], relation[alone] = rows[alone], HEAD
    lows = np.array([a for a, _ in MARRIED_FROM_AGE])
    share = np.array([s for _, s in MARRIED_FROM_AGE])[np.searchsorted(lows, age, "right") - 1]
    married = alive & ~alone & (rng.random(n) < share)
    husbands, wives = _pair(
        people, rows[married & (people.sex == 1)], rows[married & (people.sex == 0)]
    )
    husband_heads = rng.random(len(husbands)) < HEAD_IS_HUSBAND
    heads = np.where(husband_heads, husbands, wives)
    spouses = np.where(husband_heads, wives, husbands)
    household[heads], relation[heads] = heads, HEAD
    household[spouses], relation[spouses] = heads, SPOUSE
    couples = _Couples(people.community[heads], people.birth_date[wives], heads)
    unplaced = alive & (household == NO_HOUSEHOLD)
    young = np.flatnonzero(unplaced & (age < ADULT_CHILD_UNTIL))
    gap = rng.uniform(*PARENT_GAP_YEARS, len(young)) * YEAR
    _attach(people, young, couples, people.birth_date[young] - gap, CHILD)
    old = np.flatnonzero(unplaced & (age >= PARENT_FROM))
    gap = rng.uniform(*PARENT_GAP_YEARS, len(old)) * YEAR
    _attach(people, old, couples, people.birth_date[old] + gap, PARENT)
    rest = np.flatnonzero(alive & (household == NO_HOUSEHOLD))
    household[rest], relation[rest] = rest, HEAD


def join_at_birth(people: Residents, babies: np.ndarray, *, rng: np.random.Generator) -> None:
    """Newborns join the register of a couple of their community whose wife is of an age to
    be their mother (kin of another household, or their own register, where there is none)."""
    alive = people.alive.copy()
    alive[babies] = False
    heads = np.flatnonzero(alive & (people.relation == HEAD) & (people.household >= 0))
    ids = people.household[heads]  # a register keeps its id when its head changes
    order = np.argsort(ids, kind="stable")
    heads, ids = heads[order], ids[order]
    wives = _wife_of(people, heads, ids)
    has_wife = wives >= 0
    couples = _Couples(
        people.community[heads[has_wife]], people.birth_date[wives[has_wife]], ids[has_wife]
    )
    gap = rng.uniform(*PARENT_GAP_YEARS, len(babies)) * YEAR
    _attach(people, babies, couples, people.birth_date[babies] - gap, CHILD)
    alone = babies[people.household[babies] == NO_HOUSEHOLD]
    people.household[alone], people.relation[alone] = alone, HEAD


def register_alone(people: Residents, rows: np.ndarray) -> None:
    """Newcomers (graduates arriving to work) open a register of their own."""
    people.household[rows], people.relation[rows] = rows, HEAD


def leave_on_death(people: Residents, dead: np.ndarray) -> None:
    """The dead leave their register; where the head died the spouse, else the oldest member
    left, becomes head (the others' relations are kept as they were written)."""
    household, relation = people.household, people.relation
    orphaned = np.unique(household[dead][relation[dead] == HEAD])
    household[dead], relation[dead] = NO_HOUSEHOLD, OTHER
    orphaned = orphaned[orphaned >= 0]
    if not len(orphaned):
        return
    members = np.flatnonzero(np.isin(household, orphaned))
    if not len(members):  # households of one: nobody is left on them
        return
    order = np.lexsort(
        (people.birth_date[members], relation[members] != SPOUSE, household[members])
    )
    ranked = members[order]
    first = np.r_[True, household[ranked][1:] != household[ranked][:-1]]
    relation[ranked[first]] = HEAD


def _pair(people: Residents, men: np.ndarray, women: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Men and women of one community paired by rank of age: the oldest with the oldest."""

    def ranked(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = rows[np.lexsort((people.birth_date[rows], people.community[rows]))]
        community = people.community[rows].astype(np.int64)
        starts = np.r_[0, np.flatnonzero(np.diff(community)) + 1]
        rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        return rows, community * (1 << 32) + rank

    men, men_key = ranked(men)
    women, women_key = ranked(women)
    _, at_man, at_woman = np.intersect1d(men_key, women_key, assume_unique=True,
                                         return_indices=True)  # fmt: skip
    return men[at_man], women[at_woman]


class _Couples:
    """Couples' registers sorted by community and the wife's birth date, for nearest lookups."""

    SPAN = 1 << 20  # days: birth dates fall well within +-2 ** 19 days of 1970

    def __init__(self, community: np.ndarray, wife_born: np.ndarray, head: np.ndarray) -> None:
        """``head``: each couple's register id."""
        key = community.astype(np.int64) * self.SPAN + wife_born.astype(np.int64)
        order = np.argsort(key, kind="stable")
        self.key, self.community = key[order], community[order].astype(np.int64)
        self.born, self.head = wife_born[order].astype(np.int64), head[order]

    def nearest(self, community: np.ndarray, born: np.ndarray) -> np.ndarray:
        """For each (community, wife's birth date) asked, the closest couple of that community
        (its position), or -1 where the community has none."""
        if not len(self.key):
            return np.full(len(community), -1)
        want = community.astype(np.int64) * self.SPAN + born.astype(np.int64)
        right = np.searchsorted(self.key, want).clip(0, len(self.key) - 1)
        left = (right - 1).clip(0, None)
        pick = np.where(
            np.abs(self.key[left] - want) <= np.abs(self.key[right] - want), left, right
        )
        ok = self.community[pick] == community
        other = np.where(pick == left, right, left)  # the closest may lie in the next community
        pick = np.where(ok, pick, other)
        return np.where(self.community[pick] == community, pick, -1)


def _attach(
    people: Residents, rows: np.ndarray, couples: _Couples, wife_born: np.ndarray, as_: int
) -> None:
    """Put ``rows`` on the register of the couple of their community closest to the wished
    wife's birth date: as ``as_`` where the ages fit (a generation apart), as kin otherwise;
    rows whose community has no couple stay unplaced."""
    at = couples.nearest(people.community[rows], wife_born)
    found = at >= 0
    rows, at = rows[found], at[found]
    gap = np.abs(couples.born[at] - people.birth_date[rows]) / YEAR
    people.household[rows] = couples.head[at]
    people.relation[rows] = np.where(gap >= LEAST_GAP_YEARS, as_, OTHER)


def _wife_of(people: Residents, heads: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each head of a register (``ids``, ascending), the wife on it - the head herself,
    or the spouse - or -1."""
    wife = np.where(people.sex[heads] == 0, heads, -1)
    wives = np.flatnonzero(
        (people.relation == SPOUSE) & (people.household >= 0) & (people.sex == 0)
    )
    if not len(heads):
        return wife
    at = np.searchsorted(ids, people.household[wives]).clip(0, len(ids) - 1)
    mine = ids[at] == people.household[wives]
    wife[at[mine]] = wives[mine]
    return wife
