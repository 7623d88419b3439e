"""What the libraries keep of last year: a few fields' values at the end of the previous
calendar year (``last_year(revenue)`` in a policy; ``history: true`` in the field registry).

At the start of a run the values a year back are drawn from the present ones with year-on-year
changes near Ningbo's (assumptions, docs/population.md): firms' revenue median +5% a year
(log-sd 0.25: about a quarter shrink), staff +2% (log-sd 0.15), wages +4% (log-sd 0.10), R&D
spending +8% (log-sd 0.3). On each 1 January the present values become last year's.
"""

from __future__ import annotations

import numpy as np

# field: (median growth over a year, log-sd of the growth) - per target
KEPT = {
    # (R&D spending last: its draws come after the others', which stay as they were)
    "enterprise": {"revenue": (0.05, 0.25), "employees": (0.02, 0.15), "rd_spend": (0.08, 0.3)},
    "person": {"income": (0.04, 0.10)},
}


def draw_last_year(columns: dict[str, np.ndarray], target: str, *, rng) -> dict[str, np.ndarray]:
    """Each kept field's value a year back, from its present value and a drawn growth."""
    out = {}
    for name, (growth, sd) in KEPT[target].items():
        present = columns[name]
        change = np.exp(rng.normal(np.log1p(growth), sd, len(present)))
        back = present / change
        out[name] = (np.round(back) if present.dtype.kind in "iu" else back).astype(present.dtype)
    return out


def keep_last_year(population, target: str, *, rng):
    """Give a generated population (residents or enterprises) its values a year back."""
    population.last_year.update(draw_last_year(population.library_columns(), target, rng=rng))
    return population


def close_year(columns: dict[str, np.ndarray], last_year: dict[str, np.ndarray]) -> None:
    """1 January: the present values become last year's, in place."""
    for name, kept in last_year.items():
        kept[:] = columns[name]
