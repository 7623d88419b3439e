"""Settling a batch of payment instructions against a bank that may be down, idempotently.

An instruction is identified by (policy, period, beneficiary): settling it twice - a retry
after an outage, a batch replayed after a crash, a duplicated message - moves money once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agents.ledger import APPROPRIATION, SUSPENSE, Ledger

PAID, RETURNED, RETRY, DUPLICATE = "paid", "returned", "retry", "duplicate"


class Crash(RuntimeError):
    """The payment process died mid-batch (fault injection)."""


@dataclass(frozen=True)
class Instruction:
    policy_id: str
    period: str
    beneficiary: str  # e.g. "person:123"
    amount_fen: int
    account_valid: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.policy_id, self.period, self.beneficiary)


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
    ``via`` in turn (city treasury, department, district treasury on the layered route)."""
    chain = [APPROPRIATION, *via, quota(policy_id)]
    for i, (src, dst) in enumerate(itertools.pairwise(chain)):
        ledger.post(src, dst, amount_fen, at=at, ref=ref, key=None if key is None else (key, i))


def settle(
    ledger: Ledger, ins: Instruction, *, at: float, fund: bool = False, via: Sequence[str] = ()
) -> str:
    """Pay one instruction from the policy's quota (``fund``: released from the appropriation
    first, through ``via``, for policies without a set budget); an invalid account sends it
    back to the suspense account. Idempotent on the instruction's key."""
    if ledger.seen(("paid", ins.key)):
        return DUPLICATE
    if fund:
        release(
            ledger, ins.policy_id, ins.amount_fen, via, at=at, ref=ins.key, key=("funded", ins.key)
        )
    ledger.post(
        quota(ins.policy_id),
        account(ins.beneficiary),
        ins.amount_fen,
        at=at,
        ref=ins.key,
        key=("paid", ins.key),
    )
    if not ins.account_valid:
        ledger.post(
            account(ins.beneficiary),
            SUSPENSE,
            ins.amount_fen,
            at=at,
            ref=ins.key,
            key=("returned", ins.key),
        )
        return RETURNED
    return PAID


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
