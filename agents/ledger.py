"""The treasury's books: double entry, in fen, with idempotency keys.

Every posting moves an amount from one account to another (credit the source, debit the
destination), so the sum of all balances never changes: money is conserved to the fen. Funds
enter from ``appropriation``, an account that goes negative by what the budget released. A
transaction - the postings of one payment - is made whole or not at all, and may carry an
idempotency key; a second transaction with the same key is refused and counted, so a retried
or duplicated message can never move money twice, and a crash never leaves half a payment.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

APPROPRIATION = "appropriation"
SUSPENSE = "suspense"
_WHOLE = (int, np.integer)


class LedgerError(ValueError):
    """A posting the books cannot take (unknown account, non-positive amount, overdraft)."""


@dataclass
class Journal:
    """Every posting, in order, by column."""

    debit: list[int] = field(default_factory=list)
    credit: list[int] = field(default_factory=list)
    amount: list[int] = field(default_factory=list)
    at: list[float] = field(default_factory=list)
    ref: list[Hashable] = field(default_factory=list)


class Ledger:
    """Accounts with balances in fen; postings recorded in a journal."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._balance: list[int] = []
        self.journal = Journal()
        self._keys: set[Hashable] = set()
        self.refused_duplicates = 0
        self.open(APPROPRIATION)
        self.open(SUSPENSE)

    def open(self, name: str) -> int:
        """The account's number, opening it at zero if new."""
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
            self._balance.append(0)
        return self.index[name]

    def post(
        self,
        source: str,
        destination: str,
        amount_fen: int,
        *,
        at: float,
        ref: Hashable = None,
        key: Hashable = None,
        allow_negative: bool = False,
    ) -> bool:
        """Move ``amount_fen`` from source to destination; False if ``key`` was seen before."""
        return self.transact(
            [(source, destination, amount_fen)],
            at=at,
            ref=ref,
            key=key,
            allow_negative=allow_negative,
        )

    def transact(
        self,
        postings: Sequence[tuple[str, str, int]],
        *,
        at: float,
        ref: Hashable = None,
        key: Hashable = None,
        allow_negative: bool = False,
    ) -> bool:
        """Make every posting of one transaction, or none: each is checked against the balances
        the earlier ones leave before any balance moves. False if ``key`` was seen before."""
        canonical = None if key is None else _canonical(key)
        if canonical is not None and canonical in self._keys:
            self.refused_duplicates += 1
            return False
        moves = [self._checked(*p) for p in postings]
        if not allow_negative:
            self._check_overdraft(moves)
        balance, j = self._balance, self.journal
        for s, d, amount in moves:  # nothing below can fail: the transaction is whole
            balance[s] -= amount
            balance[d] += amount
            j.debit.append(d)
            j.credit.append(s)
            j.amount.append(amount)
            j.at.append(at)
            j.ref.append(ref)
        if canonical is not None:
            self._keys.add(canonical)
        return True

    def _checked(self, source: str, destination: str, amount_fen: int) -> tuple[int, int, int]:
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, _WHOLE) or amount_fen <= 0:
            raise LedgerError(f"amounts are positive whole fen, found {amount_fen!r}")
        if source == destination:
            raise LedgerError(f"a posting needs two accounts, found {source} twice")
        return self.open(source), self.open(destination), int(amount_fen)

    def _check_overdraft(self, moves: list[tuple[int, int, int]]) -> None:
        """No account but the appropriation (number 0) goes below zero at any posting."""
        after: dict[int, int] = {}
        for s, d, amount in moves:
            held = after.get(s, self._balance[s])
            if s and held < amount:
                raise LedgerError(f"{self.names[s]} holds {held} fen, cannot pay {amount}")
            after[s] = held - amount
            after[d] = after.get(d, self._balance[d]) + amount

    def balance(self, name: str) -> int:
        return self._balance[self.index[name]] if name in self.index else 0

    def total(self) -> int:
        """Sum of every balance: zero, always (the conservation of money)."""
        return sum(self._balance)

    def entries(self, ref: Hashable) -> list[tuple[str, str, int]]:
        """(from, to, fen) of every posting about ``ref``, in order: the trace of a payment."""
        j = self.journal
        return [
            (self.names[c], self.names[d], a)
            for d, c, a, r in zip(j.debit, j.credit, j.amount, j.ref, strict=True)
            if r == ref
        ]

    def seen(self, key: Hashable) -> bool:
        return _canonical(key) in self._keys


def _canonical(key: Hashable) -> str:
    """One form per key: 1, True and 1.0 are three keys, not one (Python hashes them equal)."""
    return repr(key)
