"""Enterprise groups (企业集团): firms under one parent, whose caps and size tests a policy may
read together (``group.sum(employees)``, docs/policy-language.md, "The household").

A group's id is its parent's row; ``NO_GROUP`` (-1) marks a firm on its own. Groups are drawn
once with the population, from their own random stream: medium and large firms are parents
with a chance each, and some firms of the parent's district become its subsidiaries
(assumptions near the shares of group members in a city's registry of market entities).
"""

from __future__ import annotations

import numpy as np

from agents.enterprises import Enterprises

NO_GROUP = -1
PARENT_SHARE = (0.0, 0.0, 0.3, 0.8)  # by size class: micro, small, medium, large (assumption)
SUBSIDIARY_SHARE = (0.04, 0.08, 0.10, 0.0)  # firms of each class under a parent (assumption)


def form_groups(firms: Enterprises, *, rng: np.random.Generator) -> None:
    """Draw the groups in place: parents, then each subsidiary's parent in its own district
    (a firm whose district has no parent stays on its own)."""
    n = firms.size
    firms.group[:] = NO_GROUP
    active, size = firms.active, firms.size_class
    parent = active & (rng.random(n) < np.asarray(PARENT_SHARE)[size])
    child = active & ~parent & (rng.random(n) < np.asarray(SUBSIDIARY_SHARE)[size])
    parents = np.flatnonzero(parent)
    parents = parents[np.argsort(firms.district[parents], kind="stable")]
    by_district = firms.district[parents]
    children = np.flatnonzero(child)
    district = firms.district[children]
    lo = np.searchsorted(by_district, district, "left")
    hi = np.searchsorted(by_district, district, "right")
    has = hi > lo
    pick = lo[has] + (rng.random(int(has.sum())) * (hi - lo)[has]).astype(np.int64)
    chosen = parents[pick]
    firms.group[children[has]] = chosen
    firms.group[np.unique(chosen)] = np.unique(chosen)  # a parent with subsidiaries heads one


def leave_on_closing(firms: Enterprises, closing: np.ndarray) -> None:
    """A closed firm leaves its group (the others stay one, under the same id)."""
    firms.group[closing] = NO_GROUP
