"""The platform's own record of what it granted: per policy, whom, on which day, how much.

Package rules read it (``matching.cross_policy``): a beneficiary already granted one policy of
an exclusive package keeps it, and caps and netting count what was granted within their window.
Granting is the platform's decision to pay - an automatic payment, a push offered, an
application or a review approved, a period paid - whether or not the money has landed yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np


class Grants:
    """Grants of the watched policies, appended as they happen, read by rows and windows."""

    def __init__(self, policies: Iterable[str] = ()) -> None:
        self.watched = set(policies)
        self._new: dict[str, list[tuple[int, int, float]]] = {p: [] for p in self.watched}
        self._held: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def record(self, policy_id: str, row: int, yuan: float, on: dt.date) -> None:
        """One grant; grants of policies no package reads are not kept."""
        if policy_id in self.watched:
            self._new[policy_id].append((int(row), on.toordinal(), float(yuan)))

    def _arrays(self, policy_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, days (ordinal) and yuan of a policy's grants."""
        held = self._held.get(policy_id)
        new = self._new.get(policy_id)
        if new:
            r, d, y = (np.array(x) for x in zip(*new, strict=True))
            held = (r, d, y) if held is None else tuple(
                np.concatenate([a, b]) for a, b in zip(held, (r, d, y), strict=True)
            )  # fmt: skip
            self._held[policy_id] = held  # type: ignore[assignment]
            new.clear()
        if held is None:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return held

    def granted(self, policy_id: str, rows: np.ndarray, since: dt.date | None = None) -> np.ndarray:
        """Whether the policy granted each of ``rows`` (sorted, unique), ever or from
        ``since`` on."""
        r, d, _ = self._arrays(policy_id)
        if since is not None:
            r = r[d >= since.toordinal()]
        return np.isin(rows, r)

    def total(
        self, policy_ids: Iterable[str], rows: np.ndarray, first: dt.date | None, last: dt.date
    ) -> np.ndarray:
        """Yuan the policies granted each of ``rows`` (sorted, unique) from ``first`` (None:
        ever) to ``last``, both days included."""
        out = np.zeros(len(rows))
        lo = -np.inf if first is None else first.toordinal()
        for pid in policy_ids:
            r, d, y = self._arrays(pid)
            sel = (d >= lo) & (d <= last.toordinal())
            r, y = r[sel], y[sel]
            pos = np.searchsorted(rows, r)
            ok = pos < len(rows)
            ok[ok] = rows[pos[ok]] == r[ok]
            out += np.bincount(pos[ok], y[ok], minlength=len(rows))
        return out
