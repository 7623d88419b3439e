"""What a package's rules leave each beneficiary truly owed, from the day's entitlements alone.

Written from docs/policy-language.md, apart from the platform's ``matching.cross_policy``: truth
knows no grants, so each rule reads one day's entitlements - exclusive gives the first listed
member a beneficiary is owed, highest_of the largest amount (ties: the first listed), a cap is
shared out in the package's order, netting takes off the other members' amounts owed the same
day. That is exact for policies paid once to beneficiaries owed them together; a cap over years
of a recurring allowance is held to one day's worth (docs/policy-language.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from matching import PackageSpec

Owed = tuple[np.ndarray, np.ndarray]  # rows truly eligible (ascending), the amount owed each


def hold_to_packages(packages: Sequence[PackageSpec], owed: Mapping[str, Owed]) -> dict[str, Owed]:
    """Each policy's truly owed rows and amounts after the packages' rules (others as given)."""
    out = dict(owed)
    for package in packages:
        for rule in package.rules:
            kind = next(k for k in ("exclusive", "highest_of", "cap", "net") if hasattr(rule, k))
            members = [p for p in package.members(rule) if p in out]
            if kind == "net" and rule.net not in out:
                continue
            if not members:
                continue
            frame = _long(out, members)
            frame = _RULES[kind](frame, rule, members)
            out.update(_back(frame, members))
    return out


def _long(owed: Mapping[str, Owed], members: list[str]) -> pd.DataFrame:
    """One line per (member, row) owed: its place in the package's order and the amount."""
    parts = [
        pd.DataFrame({"order": k, "row": owed[p][0], "amount": owed[p][1]})
        for k, p in enumerate(members)
    ]
    return pd.concat(parts, ignore_index=True).sort_values(["row", "order"], kind="stable")


def _exclusive(frame: pd.DataFrame, rule, members) -> pd.DataFrame:
    return frame.groupby("row", sort=False).head(1)


def _highest_of(frame: pd.DataFrame, rule, members) -> pd.DataFrame:
    known = frame["amount"].notna()
    best = frame[known].sort_values(["row", "amount", "order"], ascending=[True, False, True])
    best = best.groupby("row", sort=False).head(1)
    unknown_only = frame[~frame["row"].isin(best["row"])].groupby("row", sort=False).head(1)
    return pd.concat([best, unknown_only])


def _cap(frame: pd.DataFrame, rule, members) -> pd.DataFrame:
    known = frame["amount"].fillna(0.0)
    before = known.groupby(frame["row"]).cumsum() - known  # owed by members listed earlier
    room = (rule.cap - before).clip(lower=0.0)
    capped = frame["amount"].where(frame["amount"].isna(), np.minimum(frame["amount"], room))
    return _drop_cut_to_zero(frame.assign(amount=capped), frame)


def _net(frame: pd.DataFrame, rule, members) -> pd.DataFrame:
    others = frame[frame["order"] > 0].groupby("row")["amount"].sum(min_count=1).fillna(0.0)
    first = frame["order"] == 0
    less = frame.loc[first, "row"].map(others).fillna(0.0)
    netted = frame["amount"].copy()
    netted[first] = (frame.loc[first, "amount"] - less).clip(lower=0.0)
    return _drop_cut_to_zero(frame.assign(amount=netted), frame)


def _drop_cut_to_zero(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """A line a rule brought to 0 is owed nothing; one written as 0 stays."""
    return new[~((new["amount"] == 0.0) & (old["amount"] != 0.0))]


_RULES = {"exclusive": _exclusive, "highest_of": _highest_of, "cap": _cap, "net": _net}


def _back(frame: pd.DataFrame, members: list[str]) -> dict[str, Owed]:
    out = {}
    for k, p in enumerate(members):
        mine = frame[frame["order"] == k].sort_values("row")
        out[p] = (mine["row"].to_numpy(np.int64), mine["amount"].to_numpy(np.float64))
    return out
