"""Money at scale: a million automatic payments by the direct route, end to end.

``payments_1m_s``: 1,000,000 payments - each a SimPy process on the twin's clock (bank
processing, then settlement in the double-entry ledger with its idempotency key) - from the
first to the last landing. ``events_per_s``: SimPy events per second in that run, against bare
SimPy running the same processes (one per payment, all in flight at once, the same delays)
measured in the same run: the ratio is the share of the time that is SimPy's own, so
1 - ratio is the cost of the twin's bookkeeping. ``mmc_events_per_s``: a bare SimPy M/M/10
queue, for scale: with a handful of events in its heap it runs 2-4x faster per event than any
model with a million processes in flight (a deeper heap, a million live generators for the
garbage collector to walk).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import simpy

# Without the script's own folder on the path, package names resolve to the packages.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from agents.ledger import Ledger  # noqa: E402
from agents.payments import PAID, RETURNED, Instruction, settle  # noqa: E402
from agents.treasury import Treasury, treasury_payment  # noqa: E402
from twin.bench.convention import Figure, parse_args, report  # noqa: E402


def payments(n: int) -> tuple[float, int, Ledger]:
    env = CountingEnvironment()
    ledger = Ledger()
    rng = np.random.default_rng(0)
    treasury = Treasury(direct_processing=600.0)
    amounts = rng.integers(100, 5_000_000, n)
    valid = rng.random(n) < 0.98
    landed = [0]

    def pay(i: int) -> None:
        ins = Instruction("relief", "2022-06", f"enterprise:{i}", int(amounts[i]), bool(valid[i]))

        def land(at: float, _status: str) -> None:
            status = settle(ledger, ins, at=at, fund=True)
            landed[0] += status in (PAID, RETURNED)

        env.process(
            treasury_payment(env, treasury, "direct", ins.account_valid, rng=rng, settle=land)
        )

    start = time.perf_counter()
    for i in range(n):  # matched in one day, paid as they land
        pay(i)
    env.run()
    elapsed = time.perf_counter() - start
    assert landed[0] == n and ledger.total() == 0
    return elapsed, scheduled(env), ledger


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it schedules."""

    scheduled = 0

    def schedule(self, event, priority=simpy.core.NORMAL, delay=0) -> None:
        self.scheduled += 1
        super().schedule(event, priority, delay)


def scheduled(env: CountingEnvironment) -> int:
    return env.scheduled


def bare_payments(n: int) -> float:
    """Events per second of bare SimPy with the benchmark's structure: n processes in flight
    at once, each waiting its processing time (drawn beforehand) and ending."""
    env = CountingEnvironment()
    delays = np.random.default_rng(0).exponential(600.0, n).tolist()

    def payment(delay: float):
        yield env.timeout(delay)

    start = time.perf_counter()
    for delay in delays:
        env.process(payment(delay))
    env.run()
    return scheduled(env) / (time.perf_counter() - start)


def bare_mmc(customers: int) -> float:
    """Events per second of a plain SimPy M/M/10 queue at rho = 0.9."""
    env = CountingEnvironment()
    rng = np.random.default_rng(1)
    servers = simpy.Resource(env, capacity=10)

    def customer():
        with servers.request() as req:
            yield req
            yield env.timeout(rng.exponential(1.0))

    def source():
        for _ in range(customers):
            yield env.timeout(rng.exponential(1 / 9.0))
            env.process(customer())

    env.process(source())
    start = time.perf_counter()
    env.run()
    return scheduled(env) / (time.perf_counter() - start)


def main() -> None:
    args = parse_args(__doc__)
    n = 1_000_000 if not args.quick else 20_000
    elapsed, events, ledger = payments(n)
    del ledger  # its million postings would slow the baselines' garbage collection
    bare = bare_payments(n)
    mmc = bare_mmc(100_000 if not args.quick else 10_000)
    rate = events / elapsed
    report(
        [
            Figure("payments_1m_s", elapsed * 1_000_000 / n, "s"),
            Figure("events_per_s", rate, "events/s", bare, rate / bare),
            Figure("mmc_events_per_s", mmc, "events/s"),
            Figure("payments", float(n), "count"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
