"""The department running one policy, and the people it serves: pushes, applications, payments.

Each day the office receives the matching engine's decision and acts by the policy's delivery:
``auto`` pays every newly matched entity at once; ``push`` sends each a notice, and reminders
on a schedule, which those it reaches may confirm; under ``apply`` and ``push`` alike people
hear of the policy through media and word of mouth, and those it was not pushed to may decide
to apply and gather their evidence - the platform then checks the application against its
library. Everyone is served at most once. What each beneficiary spends - confirming, gathering
evidence, applying - is logged as an action.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import mesa
import numpy as np

from agents.approval import APPROVED, Approval, ReviewDesk
from agents.awareness import Awareness, hear_of_it, read_push
from agents.behaviour import Behaviour
from agents.decisions import act_denominator, decide_to_act, gather_evidence, rate_of
from agents.ledger import Ledger
from agents.payments import Instruction, settle
from agents.platform_decision import PlatformDecision
from agents.pushes import PushSchedule
from agents.row_state import RowState
from agents.treasury import NO_DOWNTIME, Downtime, Treasury, treasury_payment
from twin.core.eventlog import EventLog
from twin.core.units import DAY

# The office's random streams, one per process it runs.
STREAMS = ("awareness", "pushes", "decisions", "evidence", "review", "payments")
NEVER = np.inf
# What the office knows of each entity it has dealt with: (dtype, value for any other entity).
STATE = {
    "truly_eligible": (bool, False),  # truth, for scoring and the applicant's evidence
    "true_amount": (np.float64, 0.0),  # yuan owed under truth (0 if not eligible)
    "false_claim": (bool, False),  # would claim it without being owed it
    "served": (bool, False),  # matched (auto, push) or applied: never twice
    "queued": (bool, False),  # sent to human review
    "pushed": (bool, False),
    "pushes_sent": (np.int16, 0),
    "next_push": (np.float64, NEVER),  # the day of the next reminder
    "offer_fen": (np.int64, 0),  # the amount a push offered
    "acted": (bool, False),
    "paid": (bool, False),  # money landed in their account
    "last_period": (np.int64, -1),  # the last period paid, -1 for none
    "periods_paid": (np.int32, 0),
    "stopped": (bool, False),  # the schedule's stop rule held: never paid again
    "withdrawn": (bool, False),  # a package gave them another policy: a queued review pays not
}


@dataclass(frozen=True)
class People:
    """What the office's population is like, per entity (truth the platform does not see).
    The office keeps rates computed from them: whoever changes them calls ``forget_rates``."""

    group: np.ndarray  # mixing group: community or industry
    literacy: np.ndarray  # float in [0, 1]
    distrust: np.ndarray  # float in [0, 1]
    account_valid: np.ndarray  # bool
    push_reach: np.ndarray  # float in [0, 1]: the chance one push reaches them


@dataclass
class BudgetState:
    """Money set aside for a policy and the rule when it runs out; ``factor`` scales every
    amount under ``pro_rata`` (budget over the need estimated on the first day)."""

    total_fen: int
    rule: str  # first_come, pro_rata or waitlist
    committed: int = 0
    factor: float = 1.0
    estimated: bool = False


class Periods(Protocol):
    """A policy's payment schedule as the office reads it (matching.policy.Schedule)."""

    every: str  # once, month or year
    periods: int | None  # payments per beneficiary at most; None while in force
    back_pay: bool  # the first payment also pays the periods since the policy's first

    def index(self, on: dt.date) -> int: ...
    def label(self, on: dt.date) -> str: ...
    def label_of(self, index: int) -> str: ...


class _Once:
    every, periods, back_pay = "once", 1, False

    def index(self, on: dt.date) -> int:
        return 0

    def label(self, on: dt.date) -> str:
        return "run"

    def label_of(self, index: int) -> str:
        return "run"


# rows due a period's payment and that day -> where the schedule's stop rule definitely holds
Stops = Callable[[np.ndarray, dt.date], np.ndarray]


@dataclass(frozen=True)
class Logs:
    matches: EventLog
    payments: EventLog
    reviews: EventLog
    applications: EventLog
    decisions: EventLog
    review_queue: EventLog
    actions: EventLog


class PolicyOffice(mesa.Agent):
    """Delivers one policy: matches, pushes and applications in, payments out (once each)."""

    def __init__(
        self,
        model: mesa.Model,
        policy_id: str,
        delivery: str,
        valid_to: dt.date | None,
        *,
        people: People,
        owed: tuple[np.ndarray, np.ndarray],
        false_claims: np.ndarray,
        treasury: Treasury,
        route: str,
        behaviour: Behaviour,
        streams: Callable[[str], np.random.Generator],
        logs: Logs,
        ledger: Ledger,
        target: str,
        budget: BudgetState | None = None,
        review: Approval | None = None,
        reviewers: int = 1,
        pushes: PushSchedule | None = None,
        ask: Callable[[int, str, str], None] | None = None,
        grant: Callable[[str, int, float, dt.date], None] | None = None,
        hold: Callable[[str, int, float], float | None] | None = None,
        via: tuple[str, ...] = (),
        downtime: Downtime = NO_DOWNTIME,
        periods: Periods | None = None,
        stops: Stops | None = None,
        first_period: int = 0,
    ) -> None:
        super().__init__(model)
        self.policy_id, self.delivery, self.valid_to = policy_id, delivery, valid_to
        self.people = people
        self.treasury, self.route = treasury, route  # the route this policy's money takes
        self.behaviour, self.logs = behaviour, logs
        # one stream per process, so that a change to one (more reviewers, another route)
        # leaves the others' draws - who hears of the policy, who acts - as they were
        self.rngs = {name: streams(name) for name in STREAMS}
        self.ledger, self.target, self.budget = ledger, target, budget
        self.via = via  # accounts the money passes through on its way to the quota
        self.downtime = downtime  # planned bank outages and platform crashes
        self.desk = ReviewDesk(
            model.clock.env,
            review or Approval(),
            staff=reviewers,
            rng=self.rngs["review"],
            observe=self._observe_queue,
            on_demand=True,  # most of a catalogue's desks are idle on most days
        )
        self.ask = ask  # (how many, why, policy): people with questions call the desk
        self.grant = grant  # (policy, row, yuan, day): what the platform commits, for packages
        # (policy, row, yuan) -> the yuan the packages' rules still allow now, None for none
        self.hold = hold
        self.schedule = pushes or PushSchedule()
        self.periods = periods or _Once()  # once, or each month or year while eligible
        self.stops = stops  # the schedule's stop rule, on the platform's records
        self.first_period = first_period  # the policy's first period: where back pay starts
        # only the entities the office deals with are held (agents/row_state.py)
        self.state = RowState(len(people.group), STATE)
        eligible, amount = owed  # the rows truly eligible on opening day, and what each is owed
        claims = np.setdiff1d(np.flatnonzero(false_claims), eligible)
        self.state.set("truly_eligible", eligible, True)
        self.state.set("true_amount", eligible, amount)
        self.state.set("false_claim", claims, True)
        self._typical: float | None = None  # the median amount owed, while truth holds still
        # who hears of it by media and word of mouth: the truly eligible and those who would
        # claim it without being owed it; a push adds whoever it is sent to
        members = np.union1d(eligible, claims)
        self.awareness = Awareness(members, people.group[members])
        self._at, self._at_key = np.zeros(0, np.int64), (-1, -1)  # see _audience_at
        self._benefits = 0  # how often what someone is owed changed (see _denominator)
        self._denominators: dict[float, tuple[tuple[int, int], np.ndarray]] = {}
        self.library_view: PlatformDecision | None = None

    def _observe_queue(self, at: float, waiting: int) -> None:
        self.logs.review_queue.append(policy_id=self.policy_id, at=at, waiting=waiting)

    def learn_truth(
        self, rows: np.ndarray, amount_yuan: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Of ``rows`` truly eligible today (ascending; ``amount_yuan`` owed each), those newly
        so and their amounts, now recorded: eligible once, eligible for good."""
        new = ~self.state.get("truly_eligible", rows)
        newly, owed = rows[new], amount_yuan[new]
        if len(newly):
            self.state.set("truly_eligible", newly, True)
            self.state.set("true_amount", newly, owed)
            self._typical, self._benefits = None, self._benefits + 1
        return newly, owed

    def count(self, name: str) -> int:
        """How many entities have a true flag (acted, pushed, paid ...)."""
        return int(self.state.columns[name].sum())

    def widen_audience(self, rows: np.ndarray) -> None:
        """Entities that became eligible (newcomers, graduates) or were pushed to can now hear
        of the policy."""
        if len(rows):
            self.awareness.add(rows, self.people.group[rows])

    # -- the platform's decision ------------------------------------------------------------

    def deliver(self, decision: PlatformDecision) -> int:
        """Act on today's decision: pay (auto) or push to (push) the newly matched, queue the
        undecidable for human review; for ``apply``, remember the decision for applicants."""
        self.library_view = decision
        self._estimate_need(decision)
        if self.delivery == "apply":
            return 0
        env, st = self.model.clock.env, self.state
        review = decision.review_rows
        review = review[~st.get("queued", review) & ~st.get("served", review)]
        self._queue_reviews(review, env.now)
        rows, amount = decision.eligible_rows, decision.amount_yuan
        new = ~st.get("served", rows) & np.isfinite(amount)
        rows, amount = rows[new], amount[new]
        st.set("served", rows, True)
        fens = np.zeros(len(rows), np.int64)
        for i, (row, yuan) in enumerate(zip(rows.tolist(), amount.tolist(), strict=True)):
            fens[i] = self._match(row, yuan, env.now, self.delivery)
            if self.delivery == "auto":
                self._pay(row, int(fens[i]), env.now)
        st.set("offer_fen", rows, fens)
        if self.delivery == "push":
            self._push(rows, env.now / DAY)
            self._remind(env.now / DAY)
        return len(rows)

    def _push(self, rows: np.ndarray, day: float) -> None:
        """Send the push (first or reminder): those it reaches become aware."""
        if not len(rows):
            return
        st = self.state
        first = rows[~st.get("pushed", rows)]
        st.set("pushed", rows, True)
        self.widen_audience(first)
        st.set("pushes_sent", rows, st.get("pushes_sent", rows) + 1)
        st.set("next_push", rows, day + self.schedule.reminder_every / DAY)
        aw = self.awareness
        sent = np.zeros(len(aw.members), bool)
        sent[aw.position(rows)] = True
        read = read_push(aw, sent, self.people.push_reach[aw.members], day, rng=self.rngs["pushes"])
        if self.ask is not None:
            self.ask(len(read), "push", self.policy_id)

    def _remind(self, day: float) -> None:
        """A reminder to everyone pushed who has not confirmed, up to the schedule's cap."""
        c = self.state.columns
        due = c["pushed"] & ~c["acted"] & (c["next_push"] <= day + 1e-9)
        due &= c["pushes_sent"] <= self.schedule.reminders
        self._push(self.state.rows_where(due), day)

    def _estimate_need(self, decision: PlatformDecision) -> None:
        """Pro rata: on the first day, scale amounts so the budget covers everyone matched."""
        b = self.budget
        if b is None or b.estimated or b.rule != "pro_rata":
            return
        need = float(np.nansum(decision.amount_yuan)) * 100
        b.factor = min(1.0, b.total_fen / need) if need > 0 else 1.0
        b.estimated = True

    # -- the people's response --------------------------------------------------------------

    def behave(self, today: dt.date) -> None:
        """One day of hearing, deciding and acting, for push and apply policies: those pushed
        to may confirm, those who know of it otherwise may apply."""
        if self.delivery == "auto":
            return
        b, aw = self.behaviour, self.awareness
        hear_of_it(
            aw,
            b.media_per_day,
            b.word_of_mouth_per_day,
            b.local_share,
            self.model.clock.env.now / DAY,
            1.0,
            rng=self.rngs["awareness"],
        )
        c, at = self.state.columns, self._audience_at()
        waiting = np.flatnonzero(aw.aware & ~c["acted"][at])  # positions in the audience
        to_deadline = (self.valid_to - today).days if self.valid_to else 3650.0
        pushed, served = c["pushed"][at[waiting]], c["served"][at[waiting]]
        push, apply_ = waiting[pushed], waiting[~pushed & ~served]
        self._confirm(self._deciding(push, b.push_effort, to_deadline))
        self._start_applications(self._deciding(apply_, b.apply_effort, to_deadline))

    def _audience_at(self) -> np.ndarray:
        """Where each member of the audience sits in the office's state (every member is held),
        found again only when either has grown: rows join both and never leave."""
        key = (len(self.awareness.members), len(self.state))
        if key != self._at_key:
            self._at, self._at_key = self.state.positions(self.awareness.members), key
        return self._at

    def _deciding(self, members: np.ndarray, effort: float, to_deadline: float) -> np.ndarray:
        """The entities at ``members`` (positions in the audience) who act today."""
        rows = self.awareness.members[members]
        if not len(members):
            return rows
        rate = rate_of(self._denominator(effort)[members], to_deadline, self.behaviour)
        return rows[decide_to_act(rate, 1.0, rng=self.rngs["decisions"])]

    def forget_rates(self) -> None:
        """The people's literacy or distrust changed: compute the rates of acting again."""
        self._denominators.clear()

    def _denominator(self, effort: float) -> np.ndarray:
        """Each audience member's part of the rate of acting at ``effort`` (agents/decisions.py),
        computed again only when the audience grew or what someone is owed changed."""
        key = (len(self.awareness.members), self._benefits)
        if effort not in self._denominators or self._denominators[effort][0] != key:
            # a false claimant expects what an eligible entity typically gets
            c, at, rows = self.state.columns, self._audience_at(), self.awareness.members
            benefit = np.where(c["false_claim"][at], self._typical_amount(), c["true_amount"][at])
            p = self.people
            d = act_denominator(benefit, effort, p.literacy[rows], p.distrust[rows], self.behaviour)
            self._denominators[effort] = (key, d)
        return self._denominators[effort][1]

    def _confirm(self, rows: np.ndarray) -> None:
        """Confirming a push pays the amount it offered."""
        now = self.model.clock.env.now
        self.state.set("acted", rows, True)
        for row, fen in zip(rows.tolist(), self.state.get("offer_fen", rows).tolist(), strict=True):
            self._act(row, "confirm", self.behaviour.push_effort)
            self._pay(row, fen, now)

    def _start_applications(self, rows: np.ndarray) -> None:
        """Applicants gather their evidence (some give up), then apply."""
        if not len(rows):
            return
        b, env = self.behaviour, self.model.clock.env
        self.state.set("acted", rows, True)
        if self.ask is not None:
            self.ask(len(rows), "apply", self.policy_id)
        days, gives_up = gather_evidence(self.people.literacy[rows], b, rng=self.rngs["evidence"])
        for row, quits in zip(rows.tolist(), gives_up.tolist(), strict=True):
            self._act(row, "gave up" if quits else "evidence", b.evidence_effort)
        for row, wait in zip(rows[~gives_up].tolist(), days[~gives_up].tolist(), strict=True):
            env.process(self._applicant(row, wait * DAY))

    def _act(self, row: int, action: str, effort: float) -> None:
        self.logs.actions.append(
            policy_id=self.policy_id,
            entity=row,
            at=self.model.clock.env.now,
            action=action,
            effort_s=effort,
        )

    def _applicant(self, row: int, evidence_seconds: float):
        """An applicant gathers evidence, then applies; the platform checks its library."""
        env = self.model.clock.env
        yield env.timeout(evidence_seconds)
        view, st, one = self.library_view, self.state, np.array([row])
        if st.one("served", row):
            return
        self._act(row, "apply", self.behaviour.apply_effort)
        if view.payable(one)[0]:  # type: ignore[union-attr]
            outcome = "paid"
            st.put("served", row, True)
            amount = float(view.amount(one)[0])  # type: ignore[union-attr]
            self._pay(row, self._match(row, amount, env.now, "apply"), env.now)
        elif view.needs_review(one)[0]:  # type: ignore[union-attr]
            outcome = "review"
            if not st.one("queued", row):
                self._queue_reviews(one, env.now)
        else:
            outcome = "rejected"
        self.logs.applications.append(
            policy_id=self.policy_id,
            entity=row,
            applied_at=env.now,
            outcome=outcome,
        )

    def _match(self, row: int, amount_yuan: float, at: float, how: str) -> int:
        """Record that the platform decided to pay ``row``; return the amount in fen."""
        fen = round(float(amount_yuan) * 100)
        self.logs.matches.append(
            policy_id=self.policy_id,
            entity=row,
            matched_at=at,
            delivery=how,
            amount_fen=fen,
        )
        return fen

    def _queue_reviews(self, rows: np.ndarray, now: float) -> None:
        """The cases join the reviewers' queue in the order given; approved ones are paid."""
        if not len(rows):
            return
        st = self.state
        st.set("queued", rows, True)  # held at once, not one insertion per case
        truly, false_claim = st.get("truly_eligible", rows), st.get("false_claim", rows)
        self.logs.reviews.extend(
            policy_id=[self.policy_id] * len(rows), entity=rows, queued_at=[now] * len(rows)
        )
        cases = zip(rows.tolist(), truly.tolist(), false_claim.tolist(), strict=True)
        for row, truly_eligible, claim in cases:
            decided = self._decided(row, now, truly_eligible)
            self.model.clock.env.process(
                self.desk.review(truly_eligible, decided, false_claim=claim)
            )

    def _decided(self, row: int, now: float, truly: bool):
        """What follows the reviewer's decision on ``row``'s case, queued at ``now``."""
        st = self.state

        def decided(at: float, outcome: str) -> None:
            self.logs.decisions.append(
                policy_id=self.policy_id,
                entity=row,
                queued_at=now,
                decided_at=at,
                outcome=outcome,
            )
            if outcome != APPROVED or st.one("served", row) or st.one("withdrawn", row):
                return
            st.put("served", row, True)
            # the evidence shows the amount owed; a false claim asks for the typical amount
            owed = st.one("true_amount", row) if truly else self._typical_amount()
            if not np.isfinite(owed):
                return  # an amount nobody can work out is not paid
            self._pay(row, self._match(row, owed, at, "review"), at)

        return decided

    def withdraw(self, rows: np.ndarray) -> None:
        """A package's rule gave these beneficiaries another policy: reviews of theirs still
        queued here are withdrawn (an approval no longer pays)."""
        self.state.set("withdrawn", rows, True)

    def pay_period(self, today: dt.date) -> None:
        """A recurring policy pays, for the period ``today`` falls in, everyone already paid
        for an earlier period whom today's decision still finds eligible, up to its limit of
        periods: leaving the city, a home bought or a death stop the payments as they stop
        the eligibility."""
        if self.periods.every == "once" or self.library_view is None:
            return
        view, st, k = self.library_view, self.state, self.periods.index(today)
        last = st.columns["last_period"]
        due = (last >= 0) & (last < k) & ~st.columns["stopped"]
        if self.periods.periods is not None:
            due &= st.columns["periods_paid"] < self.periods.periods
        rows = st.rows_where(due)
        if self.stops is not None and len(rows):
            ended = self.stops(rows, today)
            st.set("stopped", rows[ended], True)  # for good: eligible again is not enough
            rows = rows[~ended]
        rows = rows[view.payable(rows)]
        now = self.model.clock.env.now
        for row, amount in zip(rows.tolist(), view.amount(rows).tolist(), strict=True):
            self._pay(row, self._match(row, amount, now, "period"), now, on=today)

    def _typical_amount(self) -> float:
        """The median amount truly owed (what a false claimant expects)."""
        if self._typical is None:
            c = self.state.columns
            amounts = c["true_amount"][c["truly_eligible"]]
            amounts = amounts[np.isfinite(amounts)]
            self._typical = float(np.median(amounts)) if len(amounts) else 0.0
        return self._typical

    def _pay(self, row: int, fen: int, matched_at: float, on: dt.date | None = None) -> None:
        """Pay ``row`` for the period ``on`` falls in - and, under back pay, on its first
        payment for each period since the policy's first, earliest first, within ``periods``."""
        today = on or self.model.clock.today
        k = self.periods.index(today)
        owed, first = [k], False
        if self.stops is not None or self.periods.back_pay:
            first = self.state.one("periods_paid", row) == 0
        if first and self.stops is not None and self.stops(np.array([row]), today)[0]:
            self.state.put("stopped", row, True)  # stopped before its first payment
            return
        if first and self.periods.back_pay:
            owed = list(range(min(self.first_period, k), k + 1))
            if self.periods.periods is not None:
                owed = owed[: self.periods.periods]
        for period in owed:
            self._send(row, fen, matched_at, period)

    def _send(self, row: int, fen: int, matched_at: float, period: int) -> None:
        """Commit one period's amount against the policy's budget, send it by the treasury
        route, and book it when it lands (or comes back from an invalid account)."""
        env, budget = self.model.clock.env, self.budget
        started = env.now
        if budget is not None and budget.rule == "pro_rata":
            fen = int(fen * budget.factor)
        if fen <= 0:
            return  # nothing due: an amount of zero moves no money
        if self.hold is not None:  # every commit is held to the packages, whatever its route
            allowed = self.hold(self.policy_id, row, fen / 100)
            if allowed is None or allowed <= 0:
                return
            fen = min(fen, round(allowed * 100))
        if budget is not None:
            if budget.committed + fen > budget.total_fen:
                status = "waitlisted" if budget.rule == "waitlist" else "budget_exhausted"
                self._log_payment(row, fen, matched_at, started, env.now, status)
                return
            budget.committed += fen
        if self.grant is not None:  # the platform's record: each period committed, as paid
            self.grant(self.policy_id, row, fen / 100, self.model.clock.today)
        st = self.state
        st.put("last_period", row, max(period, st.one("last_period", row)))
        st.put("periods_paid", row, st.one("periods_paid", row) + 1)
        ins = Instruction(
            self.policy_id,
            self.periods.label_of(period),
            f"{self.target}:{row}",
            fen,
            bool(self.people.account_valid[row]),
        )

        def land(at: float, _status: str) -> None:
            status = settle(self.ledger, ins, at=at, fund=budget is None, via=self.via)
            self._log_payment(row, fen, matched_at, started, at, status)

        env.process(
            treasury_payment(
                env,
                self.treasury,
                self.route,
                ins.account_valid,
                rng=self.rngs["payments"],
                settle=land,
                downtime=self.downtime,
            )
        )

    def _log_payment(
        self, row: int, fen: int, matched_at: float, started: float, at: float, status: str
    ) -> None:
        if status == "paid":
            self.state.put("paid", row, True)
        self.logs.payments.append(
            policy_id=self.policy_id,
            entity=row,
            amount_fen=fen,
            matched_at=matched_at,
            started_at=started,
            settled_at=at,
            status=status,
        )
