"""The treasury's books: double entry, in fen, with idempotency keys.

Every posting moves an amount from one account to another (credit the source, debit the
destination), so the sum of all balances never changes: money is conserved to the fen. Funds
enter from ``appropriation``, an account that goes negative by what the budget released. A
posting may carry an idempotency key; a second posting with the same key is refused and
counted, so a retried or duplicated message can never move money twice.
"""

from __future__ import annotations

from collections.abc import Hashable
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
        if key is not None and key in self._keys:
            self.refused_duplicates += 1
            return False
        if not isinstance(amount_fen, _WHOLE) or amount_fen <= 0:
            raise LedgerError(f"amounts are positive whole fen, found {amount_fen!r}")
        index = self.index
        s = index[source] if source in index else self.open(source)
        d = index[destination] if destination in index else self.open(destination)
        if s == d:
            raise LedgerError(f"a posting needs two accounts, found {source} twice")
        amount = int(amount_fen)
        balance = self._balance
        if not allow_negative and s and balance[s] < amount:  # account 0 is the appropriation
            raise LedgerError(f"{source} holds {balance[s]} fen, cannot pay {amount}")
        balance[s] -= amount
        balance[d] += amount
        j = self.journal
        j.debit.append(d)
        j.credit.append(s)
        j.amount.append(amount)
        j.at.append(at)
        j.ref.append(ref)
        if key is not None:
            self._keys.add(key)
        return True

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
        return key in self._keys
