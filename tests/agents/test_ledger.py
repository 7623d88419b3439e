"""Money is conserved to the fen and nobody is paid twice, whatever fails on the way."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.ledger import APPROPRIATION, SUSPENSE, Ledger, LedgerError
from agents.payments import (
    DUPLICATE,
    PAID,
    RETRY,
    RETURNED,
    Crash,
    Instruction,
    account,
    quota,
    settle_batch,
)


def test_double_entry_by_hand():
    ledger = Ledger()
    ledger.post(APPROPRIATION, "quota:p", 10_000, at=0.0)
    ledger.post("quota:p", "bank:person:1", 2_500, at=1.0, ref="x", key="k")
    assert ledger.balance("quota:p") == 7_500 and ledger.balance("bank:person:1") == 2_500
    assert ledger.total() == 0
    assert not ledger.post("quota:p", "bank:person:1", 2_500, at=2.0, key="k")
    assert ledger.refused_duplicates == 1 and ledger.balance("quota:p") == 7_500
    assert ledger.entries("x") == [("quota:p", "bank:person:1", 2_500)]


def test_bad_postings_are_refused():
    ledger = Ledger()
    with pytest.raises(LedgerError, match="positive whole fen"):
        ledger.post(APPROPRIATION, "a", 0, at=0.0)
    with pytest.raises(LedgerError, match="positive whole fen"):
        ledger.post(APPROPRIATION, "a", 1.5, at=0.0)  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match="cannot pay"):
        ledger.post("a", "b", 1, at=0.0)
    with pytest.raises(LedgerError, match="two accounts"):
        ledger.post("a", "a", 1, at=0.0)


instructions = st.lists(
    st.builds(
        Instruction,
        policy_id=st.sampled_from(["p1", "p2"]),
        period=st.sampled_from(["2022-06"]),
        beneficiary=st.sampled_from([f"person:{i}" for i in range(6)]),
        amount_fen=st.integers(1, 50_000),
        account_valid=st.booleans(),
    ),
    max_size=12,
    unique_by=lambda i: i.key,  # one instruction per key; the faults add the copies
)
faults = st.lists(
    st.tuples(st.sampled_from(["crash", "outage", "duplicate"]), st.integers(0, 30)), max_size=6
)


@settings(max_examples=300, deadline=None)
@given(instructions, faults, st.randoms(use_true_random=False))
def test_faults_never_lose_or_double_money(batch, fault_plan, random):
    """Bank outages, a crash mid-batch (the batch replayed) and duplicated messages: every
    instruction is settled exactly once and money is conserved to the fen."""
    ledger = Ledger()
    for p in ("p1", "p2"):
        ledger.post(APPROPRIATION, quota(p), 10_000_000, at=0.0)
    messages = list(batch)
    for kind, where in fault_plan:
        if kind == "duplicate" and messages:
            messages.insert(where % (len(messages) + 1), messages[where % len(messages)])
    crash_at = next((w for k, w in fault_plan if k == "crash"), None)
    outages = any(k == "outage" for k, _ in fault_plan)
    outcome: dict = {}
    pending = messages
    for attempt in range(40):  # retry until everything is settled

        def bank_up(down: bool = outages and attempt < 2) -> bool:
            return not down or random.random() < 0.5

        crash = crash_at if attempt == 0 and crash_at is not None else None
        try:
            statuses = settle_batch(
                ledger,
                pending,
                at=float(attempt),
                bank_up=bank_up,
                crash_after=crash if crash and crash < len(pending) else None,
            )
        except Crash:
            continue  # the process restarts and replays the whole batch
        for ins, status in zip(pending, statuses, strict=True):
            if status != RETRY:
                outcome.setdefault(ins.key, []).append(status)
        pending = [i for i, s in zip(pending, statuses, strict=True) if s == RETRY]
        if not pending:
            break
    assert not pending and ledger.total() == 0  # all settled; conserved to the fen
    for ins in batch:
        trace = ledger.entries(ins.key)
        assert trace[0] == (quota(ins.policy_id), account(ins.beneficiary), ins.amount_fen)
        assert len(trace) == (1 if ins.account_valid else 2)  # paid once, returned once
        # a crash may hide the first status; after it the key is only ever a duplicate
        assert sum(s in (PAID, RETURNED) for s in outcome[ins.key]) <= 1
        assert set(outcome[ins.key]) <= {PAID, RETURNED, DUPLICATE}
    held = sum(ledger.balance(account(b)) for b in {i.beneficiary for i in batch})
    assert held == sum(i.amount_fen for i in batch if i.account_valid)
    assert ledger.balance(SUSPENSE) == sum(i.amount_fen for i in batch if not i.account_valid)


def test_the_layered_route_passes_money_down_every_level():
    from agents.payments import release, settle

    ledger = Ledger()
    via = ("city_treasury", "department:Civil Affairs", "district_treasuries")
    ins = Instruction("p", "run", "person:1", 700, True)
    assert settle(ledger, ins, at=0.0, fund=True, via=via) == PAID
    assert [e[:2] for e in ledger.entries(ins.key)] == [
        ("appropriation", "city_treasury"),
        ("city_treasury", "department:Civil Affairs"),
        ("department:Civil Affairs", "district_treasuries"),
        ("district_treasuries", "quota:p"),
        ("quota:p", "bank:person:1"),
    ]
    assert all(ledger.balance(a) == 0 for a in via) and ledger.total() == 0
    release(ledger, "q", 500, via, at=1.0)
    assert ledger.balance("quota:q") == 500


def test_a_truth_value_is_no_amount_and_keys_keep_their_type():
    ledger = Ledger()
    with pytest.raises(LedgerError, match="positive whole fen"):
        ledger.post(APPROPRIATION, "a", True, at=0.0)  # type: ignore[arg-type]
    for key in (1, True, 1.0):  # equal hashes in Python, three keys in the books
        assert ledger.post(APPROPRIATION, "a", 5, at=0.0, key=key)
    assert ledger.balance("a") == 15 and ledger.refused_duplicates == 0


def test_a_transaction_that_cannot_be_made_whole_moves_nothing():
    ledger = Ledger()
    ledger.post(APPROPRIATION, "quota:p", 100, at=0.0)
    before = (ledger.balance("quota:p"), len(ledger.journal.amount))
    with pytest.raises(LedgerError, match="cannot pay"):  # the second posting overdraws
        ledger.transact(
            [("quota:p", "bank:1", 60), ("quota:p", "bank:2", 60)], at=1.0, key="payday"
        )
    assert (ledger.balance("quota:p"), len(ledger.journal.amount)) == before
    assert ledger.balance("bank:1") == 0 and not ledger.seen("payday")  # may be retried


@settings(max_examples=200, deadline=None)
@given(instructions, st.integers(0, 60), st.booleans())
def test_a_crash_at_any_posting_leaves_no_half_payment(batch, crash_at, layered):
    """The payment process dies while checking the n-th posting of the run (a settlement of an
    invalid account has two, a funded layered one five): nothing of the interrupted settlement
    is booked, and replaying the batch pays each instruction once, into the right account."""
    from agents.payments import settle

    via = ("city_treasury", "department:d", "district_treasuries") if layered else ()
    ledger, checked = Ledger(), [0]
    real = Ledger._checked

    def dying(self, *posting):
        checked[0] += 1
        if checked[0] == crash_at + 1:
            raise Crash("the payment process died mid-settlement")
        return real(self, *posting)

    try:
        Ledger._checked = dying  # type: ignore[method-assign]
        for ins in batch:
            settle(ledger, ins, at=0.0, fund=True, via=via)
    except Crash:
        pass
    finally:
        Ledger._checked = real  # type: ignore[method-assign]
    for ins in batch:  # the restart replays everything
        settle(ledger, ins, at=1.0, fund=True, via=via)
    assert ledger.total() == 0
    for ins in {i.key: i for i in batch}.values():
        trace = ledger.entries(ins.key)
        assert len(trace) == len(via) + 2 + (0 if ins.account_valid else 1)  # release, pay, back
    valid = {i.key: i for i in batch if i.account_valid}.values()
    returned = {i.key: i for i in batch if not i.account_valid}.values()
    held = sum(ledger.balance(account(b)) for b in {i.beneficiary for i in batch})
    assert held == sum(i.amount_fen for i in valid)
    assert ledger.balance(SUSPENSE) == sum(i.amount_fen for i in returned)
