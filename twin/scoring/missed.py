"""Who is missed, and why: for each (policy, entity) truly eligible during the run and not paid,
the stage of delivery where it dropped out (docs/metrics.md, "Who is missed").

A pure function of the run's tables. The stages are checked from the end of the path back to
its start, so each entity gets the furthest stage it reached: money sent back beats a
rejection, a rejection beats never having heard. The platform's records are read as they stood
at the end of the run (``records.parquet``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from twin.scoring.by_policy import of_table
from twin.scoring.by_policy import rows as policy_rows

# Each reason, what it means to a planner, in the order they are checked.
REASONS = {
    "payment returned": "paid, but the bank sent the money back (an invalid account)",
    "budget exhausted": "approved, but the policy's budget had run out (or they wait on a list)",
    "payment under way": "approved or confirmed; the money had not landed when the run ended",
    "rejected": "applied or reviewed, and refused",
    "needs review": "queued for a reviewer, still waiting when the run ended",
    "gave up on the evidence": "set out to apply and gave up gathering the evidence",
    "gathering evidence": "still gathering evidence to apply when the run ended",
    "not in the library": "the platform has no record of them",
    "stale field": "the platform's record holds a wrong value in a field the policy reads",
    "unknown field": "the platform does not know a field the policy reads",
    "never heard": "never heard of the policy (no push reached them, nobody told them)",
    "heard but did not act": "knew of the policy and did not confirm or apply",
    "not yet reached": "none of the above: eligible too late in the run to be reached",
}
MISSED = pa.schema(
    [
        ("policy_id", pa.string()),
        ("entity", pa.int64()),
        ("reason", pa.string()),
        ("fields", pa.string()),  # the policy's fields the platform has wrong or unknown
        ("eligible_since", pa.float64()),  # seconds from the start of the run
    ]
)
_PLATFORM_DECIDES = ("auto", "push")  # deliveries where the platform finds the beneficiary
_Hits = dict[str, np.ndarray]  # per field, the entities it hits


def missed(tables: dict[str, pa.Table]) -> pa.Table:
    """One row per (policy, entity) truly eligible and not paid, with its reason."""
    parts = [_policy(tables, p) for p in tables["policies"].to_pylist()]
    return pa.concat_tables(parts) if parts else MISSED.empty_table()


def _policy(tables: dict[str, pa.Table], policy: dict) -> pa.Table:
    pid = policy["policy_id"]
    truth = _of(tables["truth"], pid)
    payments = _of(tables["payments"], pid)
    status = payments["status"].to_numpy(zero_copy_only=False)
    paid = _entities(payments, status == "paid")
    keep = ~np.isin(truth["entity"].to_numpy(), paid)
    who = truth["entity"].to_numpy()[keep]
    since = truth["since"].to_numpy()[keep]
    reason = np.full(len(who), len(REASONS), np.int8)  # index into REASONS; none yet
    fields = _wrong_fields(tables["records"], policy, who)

    def mark(name: str, hit: np.ndarray) -> None:
        reason[(reason == len(REASONS)) & hit] = _CODE[name]

    actions = _of(tables["actions"], pid)
    done = actions["action"].to_numpy(zero_copy_only=False)
    matches = _of(tables["matches"], pid)
    how = matches["delivery"].to_numpy(zero_copy_only=False)
    decisions = _of(tables["decisions"], pid)
    outcome = decisions["outcome"].to_numpy(zero_copy_only=False)
    applications = _of(tables["applications"], pid)
    applied = applications["outcome"].to_numpy(zero_copy_only=False)
    mark("payment returned", _has(who, payments, status == "returned"))
    held = np.isin(status, ["budget_exhausted", "waitlisted"])
    mark("budget exhausted", _has(who, payments, held))
    sent = _has(who, matches, how != "push") | _has(who, actions, done == "confirm")
    mark("payment under way", sent)
    refused = _has(who, decisions, outcome != "approved") | _has(
        who, applications, applied == "rejected"
    )
    mark("rejected", refused)
    mark("needs review", np.isin(who, _of(tables["reviews"], pid)["entity"].to_numpy()))
    mark("gave up on the evidence", _has(who, actions, done == "gave up"))
    mark("gathering evidence", _has(who, actions, done == "evidence"))
    if policy["delivery"] in _PLATFORM_DECIDES:
        unfound = ~np.isin(who, matches["entity"].to_numpy())
        mark("not in the library", unfound & fields.unregistered)
        mark("stale field", unfound & fields.stale.any)
        mark("unknown field", unfound & fields.unknown.any)
        mark("not yet reached", unfound)
    heard = np.isin(who, _of(tables["awareness"], pid)["entity"].to_numpy())
    mark("never heard", ~heard)
    mark("heard but did not act", heard)
    wrong = fields.stale.where(fields.stale.any, fields.unknown)
    return pa.table(
        {
            "policy_id": pa.repeat(pa.scalar(pid, pa.string()), len(who)),
            "entity": who.astype(np.int64),
            "reason": _NAMES.take(pa.array(reason)),
            "fields": wrong,
            "eligible_since": since.astype(np.float64),
        },
        schema=MISSED,
    )


_CODE = {name: i for i, name in enumerate(REASONS)}
_NAMES = pa.array(list(REASONS), pa.string())


class _Names:
    """Per entity, which of a policy's fields hit (recorded wrongly, or not known): as a
    combination code, and the combinations as comma-separated names - a few combinations for
    thousands of entities, so each string is built once."""

    def __init__(self, who: np.ndarray, entities: _Hits, fields: list[str]):
        names, none = sorted(fields), np.zeros(0, np.int64)
        hits = np.column_stack(
            [_among(who, entities.get(f, none)) for f in names] or [np.zeros(len(who), bool)]
        )
        combos, self._code = _combinations(hits)
        text = [", ".join(n for n, h in zip(names, c, strict=False) if h) or None for c in combos]
        self._text = pa.array(text, pa.string())
        self.any = hits.any(axis=1)

    def where(self, mask: np.ndarray, other: _Names) -> pa.Array:
        """These names where ``mask`` holds, ``other``'s elsewhere (null for none)."""
        mine = self._text.take(pa.array(self._code))
        theirs = other._text.take(pa.array(other._code))
        return pc.if_else(pa.array(mask, pa.bool_()), mine, theirs)


def _combinations(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``hits`` (entities x fields), and each entity's among them: as
    np.unique(axis=0) finds them, through one integer per row while the fields fit in one."""
    k = hits.shape[1]
    if k > 62:
        combos, code = np.unique(hits, axis=0, return_inverse=True)
        return combos, code.reshape(-1)
    bits = hits.astype(np.int64) @ (np.int64(1) << np.arange(k, dtype=np.int64))
    found, code = np.unique(bits, return_inverse=True)
    return ((found[:, None] >> np.arange(k)) & 1) == 1, code.reshape(-1)


class _Fields:
    """Per entity: no record at all, and the policy's fields recorded wrongly or not known."""

    def __init__(self, unregistered: np.ndarray, stale: _Names, unknown: _Names) -> None:
        self.unregistered, self.stale, self.unknown = unregistered, stale, unknown


def _wrong_fields(records: pa.Table, policy: dict, who: np.ndarray) -> _Fields:
    target = policy["target"]
    stale, unknown, absent = of_table(f"records {target}", records,
                                      lambda r: _by_field(r, target))  # fmt: skip
    read = list(policy["fields"] or [])
    return _Fields(_among(who, absent), _Names(who, stale, read), _Names(who, unknown, read))


def _by_field(records: pa.Table, target: str) -> tuple[_Hits, _Hits, np.ndarray]:
    """The target's records split once by field - per field, the entities recorded wrongly
    and those not known - and the entities it has no record of, each sorted and unique: the
    same for every policy of the target, so computed once."""
    theirs = records.filter(pc.equal(records["target"], target))
    entity = theirs["entity"].to_numpy()
    name = theirs["field"].to_numpy(zero_copy_only=False)
    recorded = theirs["recorded"].to_numpy(zero_copy_only=False)
    known = theirs["recorded"].is_valid().to_numpy(zero_copy_only=False)
    stale = known & (recorded != theirs["truth"].to_numpy())
    fields = np.unique(name).tolist()
    return (
        {f: np.unique(entity[(name == f) & stale]) for f in fields},
        {f: np.unique(entity[(name == f) & ~known]) for f in fields},
        np.unique(entity[~theirs["registered"].to_numpy(zero_copy_only=False)]),
    )


def _among(who: np.ndarray, entities: np.ndarray) -> np.ndarray:
    """Whether each of ``who`` is one of ``entities`` (sorted, unique): np.isin without
    sorting the same thousands of entities again for every policy."""
    if not len(entities):
        return np.zeros(len(who), bool)
    at = np.minimum(np.searchsorted(entities, who), len(entities) - 1)
    return entities[at] == who


def _of(table: pa.Table, policy_id: str) -> pa.Table:
    return policy_rows(table, policy_id)


def _entities(table: pa.Table, where: np.ndarray) -> np.ndarray:
    return table["entity"].to_numpy()[where]


def _has(who: np.ndarray, table: pa.Table, where: np.ndarray) -> np.ndarray:
    """Whether each of ``who`` has a row of ``table`` where ``where`` holds."""
    return np.isin(who, _entities(table, where))
