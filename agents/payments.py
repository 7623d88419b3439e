"""Settling a batch of payment instructions against a bank that may be down, idempotently.

An instruction is identified by (policy, period, beneficiary): settling it twice - a retry
after an outage, a batch replayed after a crash, a duplicated message - moves money once.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.ledger import APPROPRIATION, SUSPENSE, Ledger

PAID, RETURNED, RETRY, DUPLICATE = "paid", "returned", "retry", "duplicate"


class Crash(RuntimeError):
    """The payment process died mid-batch (fault injection)."""


@dataclass(frozen=True, slots=True)
class Instruction:
    policy_id: str
    period: str
    beneficiary: str  # e.g. "person:123"
    amount_fen: int
    account_valid: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.policy_id, self.period, self.beneficiary)


@functools.cache
def quota(policy_id: str) -> str:
    return f"quota:{policy_id}"


def account(beneficiary: str) -> str:
    return f"bank:{beneficiary}"


def release(
    ledger: Ledger,
    policy_id: str,
    amount_fen: int,
    via: Sequence[str],
    *,
    at: float,
    ref: object = None,
    key: object = None,
) -> None:
    """Money from the appropriation down to the policy's quota, through each account of
    ``via`` in turn (city treasury, department, district treasury on the layered route), as
    one transaction."""
    ledger.transact(release_postings(policy_id, amount_fen, via), at=at, ref=ref, key=key)


def release_postings(policy_id: str, amount_fen: int, via: Sequence[str]) -> list:
    """The postings of a release: one on the direct route, one per hop on the layered."""
    chain = [APPROPRIATION, *via, quota(policy_id)]
    return [(src, dst, amount_fen) for src, dst in itertools.pairwise(chain)]


def settle(
    ledger: Ledger, ins: Instruction, *, at: float, fund: bool = False, via: Sequence[str] = ()
) -> str:
    """Pay one instruction from the policy's quota (``fund``: released from the appropriation
    first, through ``via``, for policies without a set budget); an invalid account sends it
    back to the suspense account. One transaction, idempotent on the instruction's key."""
    ref = ins.key
    key = ("paid", ref)
    if ledger.seen(key):
        return DUPLICATE
    postings = release_postings(ins.policy_id, ins.amount_fen, via) if fund else []
    bank = account(ins.beneficiary)
    postings.append((quota(ins.policy_id), bank, ins.amount_fen))
    if not ins.account_valid:
        postings.append((bank, SUSPENSE, ins.amount_fen))
    ledger.transact(postings, at=at, ref=ref, key=key)
    return PAID if ins.account_valid else RETURNED


def settle_batch(
    ledger: Ledger,
    batch: Sequence[Instruction],
    *,
    at: float,
    bank_up: Callable[[], bool] = lambda: True,
    crash_after: int | None = None,
) -> list[str]:
    """Settle a batch in order; while the bank is down an instruction is left to retry. A
    crash (``crash_after`` instructions in) loses the process, not the postings already made."""
    out = []
    for i, ins in enumerate(batch):
        if crash_after is not None and i == crash_after:
            raise Crash(f"payment process crashed after {i} of {len(batch)} instructions")
        out.append(settle(ledger, ins, at=at) if bank_up() else RETRY)
    return out
