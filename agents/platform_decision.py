"""The matching engine's decision on one policy as an office keeps it: the rows its library
finds eligible (with their amounts) and the rows it cannot decide, not a mask over the city."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PlatformDecision:
    """Eligible rows (ascending) with the amount owed each, in yuan (NaN: unknown), and the
    rows needing review (ascending)."""

    eligible_rows: np.ndarray
    amount_yuan: np.ndarray
    review_rows: np.ndarray

    def eligible(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` is found eligible."""
        return _member(self.eligible_rows, rows)

    def needs_review(self, rows: np.ndarray) -> np.ndarray:
        return _member(self.review_rows, rows)

    def amount(self, rows: np.ndarray) -> np.ndarray:
        """The amount owed each of ``rows`` found eligible (0 for the others)."""
        at = np.searchsorted(self.eligible_rows, rows)
        found = _member(self.eligible_rows, rows)
        out = np.zeros(len(rows))
        out[found] = self.amount_yuan[at[found]]
        return out

    def payable(self, rows: np.ndarray) -> np.ndarray:
        """Eligible with an amount the platform can work out."""
        return self.eligible(rows) & np.isfinite(self.amount(rows))

    def replaced(self, rows: np.ndarray, other: PlatformDecision) -> PlatformDecision:
        """This decision with ``rows`` (sorted) decided again as ``other`` says: what a
        decision on a few entities changes in the view of all."""
        keep = ~_member(rows, self.eligible_rows)
        eligible = np.concatenate([self.eligible_rows[keep], other.eligible_rows])
        amount = np.concatenate([self.amount_yuan[keep], other.amount_yuan])
        order = np.argsort(eligible, kind="stable")
        review = self.review_rows[~_member(rows, self.review_rows)]
        review = np.sort(np.concatenate([review, other.review_rows]))
        return PlatformDecision(eligible[order], amount[order], review)


def _member(sorted_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows)
    at = np.searchsorted(sorted_rows, rows)
    inside = at < len(sorted_rows)
    inside[inside] = sorted_rows[at[inside]] == rows[inside]
    return inside
