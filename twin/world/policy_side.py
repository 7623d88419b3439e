"""The policy side of a run, wired: the platform's libraries of the population, the matching
engine under test deciding on them, one office per policy acting on its decisions, the
treasury's books, the consultation desk - and, apart from all of them, the truth of who is
owed what (``twin.world.truth``), logged as it changes.
"""

from __future__ import annotations

import datetime as dt

import mesa
import numpy as np
import pyarrow as pa

from agents.consultation import Callers, Desk
from agents.ledger import Ledger
from agents.libraries import OWN_STREAMS, DataQuality, Library, LibraryQuality
from agents.payments import release
from agents.platform_decision import PlatformDecision
from agents.policy_office import BudgetState, Logs, People, PolicyOffice
from agents.population import Population
from agents.pushes import reach
from agents.treasury import Downtime
from datafiles.types import hh_mm
from matching import Decision, Grants, Matcher, Policy, Table, apply_packages
from twin.core.capacity import staffed, staffing
from twin.core.eventlog import EventLog
from twin.core.rng import Streams
from twin.scenario.inputs import Inputs
from twin.scenario.schema import Scenario
from twin.world.truth import Memo, entitlement, moves_with_the_date, rules_key
from twin.world.truth_dated import DatedInputs, RowsOf, dated_inputs, rows_to_read
from twin.world.truth_packages import hold_to_packages


class PolicySide:
    """Libraries, the matcher, the offices, the ledger and the desk of one run."""

    def __init__(
        self,
        model: mesa.Model,
        scenario: Scenario,
        inputs: Inputs,
        population: Population,
        logs: dict[str, EventLog],
        streams: Streams,
    ) -> None:
        self.model, self.params, self.population = model, scenario, population
        self.registries, self.truth_log = dict(inputs.registries), logs["truth"]
        g, env = streams.generator, model.clock.env
        self._library_rng = g("libraries")
        self._history_rng = g("libraries/last_year")  # last year's columns: draws of their own
        self._own_rngs = {  # and a few columns each their own (agents.libraries.OWN_STREAMS)
            target: {name: g(f"libraries/{target}/{name}") for name in names}
            for target, names in OWN_STREAMS.items()
        }
        self.libraries = {
            target: Library(
                population[target].library_columns(),
                self._field_quality(target),
                rng=self._library_rng,
                registered=population.living(target),
                history_rng=self._history_rng,
                own_rngs=self._own_rngs[target],
            )
            for target in ("person", "enterprise")
        }
        self.matcher = Matcher(inputs.policies)
        self.packages = list(inputs.packages)
        packaged = {p for package in self.packages for p in package.policies}
        self.grants = Grants(packaged)  # the platform's record, for the packages' rules
        # a package's members are held to its rules together: their truth is re-read daily
        self._dated = {
            p.id: p.id in packaged or moves_with_the_date(p.spec) for p in self.matcher.policies
        }
        # between life events a dated policy is re-read only where its answer can move
        # (twin/world/truth_dated.py); a package's members are read whole, as are the rest
        self._inputs = {
            p.id: None if p.id in packaged else dated_inputs(p.spec)
            for p in self.matcher.policies
            if self._dated[p.id]
        }
        self._read: dict[str, tuple] = {}  # per policy: the day, people and rules truth read
        self._people_version = 0  # bumped whenever life or the year's end rewrites people
        self.ledger = Ledger()
        scale = scenario.city.scale
        self.desk = Desk(env, scenario.desk, scale=scale, rng=g("desk"))
        self.staffing = [
            staffing("desk.shifts.operators", f"from {hh_mm(s.from_)}", s.operators, scale)
            for s in scenario.desk.shifts
        ]
        self.staffing += [
            staffing("approval.reviewers", f"policy {p.id}", scenario.approval.reviewers, scale)
            for p in self.matcher.policies
        ]
        self.callers = Callers(env, self.desk, rng=g("questions"))
        office_logs = Logs(*(logs[k] for k in Logs.__dataclass_fields__))
        # one table of what each target's people are like, shared by its offices: a copy per
        # office was an array over the whole population per policy (about 44 GB at scale 1)
        self._people_of = {t: self._people(t) for t in ("person", "enterprise")}
        # copies of one template open alike: truth once per rules key and opening day
        self._opening: tuple[dt.date | None, dict[tuple, Owed], Memo] = (None, {}, Memo())
        self.offices = {
            p.id: self._office(p, office_logs, _substreams(streams, f"delivery/{p.id}"))
            for p in self.matcher.policies
        }
        self._opening = (None, {}, Memo())
        self._counts: dict[str, np.ndarray] = {}  # per office: aware, acted, pushed
        self._noticed: dict[str, np.ndarray] = {}  # per target: rows an event notice named
        self._totals_on: dt.date | None = None
        self._totals: dict[str, int] = {}

    # -- set-up ---------------------------------------------------------------------------------

    def _office(self, policy: Policy, logs: Logs, streams) -> PolicyOffice:
        s, target = self.params, policy.spec.target
        on = max(s.start, policy.spec.valid_from)
        day, owed_by_key, memo = self._opening
        if day != on:  # offices open in date order: keep one day's truths at a time
            day, owed_by_key, memo = self._opening = (on, {}, Memo())
        key = rules_key(policy.spec, on)
        if key not in owed_by_key:
            owed_by_key[key] = self._owed(policy, on, memo, living=False)
        owed = self._packaged_owed(policy, on, memo) or owed_by_key[key]
        n = self.population[target].size
        claims = streams("claims").random(n) < s.behaviour.false_claim_share
        self._log_truth(policy.id, *owed, 0.0)
        return PolicyOffice(
            self.model,
            policy.id,
            s.policy_delivery.get(policy.id, policy.spec.delivery),
            policy.spec.valid_to,
            people=self._people_of[target],
            owed=owed,
            false_claims=claims,
            treasury=s.treasury,
            route=s.treasury.route_of(policy.id),
            behaviour=s.behaviour,
            streams=streams,
            logs=logs,
            ledger=self.ledger,
            target=target,
            budget=self._budget(policy),
            via=self._via(policy),
            review=s.approval,
            reviewers=staffed(s.approval.reviewers, s.city.scale),
            pushes=s.pushes.schedule(policy.id),
            ask=self.callers,
            grant=self.grants.record if policy.id in self.grants.watched else None,
            hold=self._hold if policy.id in self.grants.watched else None,
            downtime=Downtime.of(s.faults.bank_outages, s.faults.platform_crashes),
            periods=policy.spec.schedule,
            stops=self._stops(policy),
            first_period=policy.spec.schedule.index(policy.spec.valid_from),
        )

    def _stops(self, policy: Policy):
        """The schedule's stop rule on the platform's records, as of the day it is checked:
        rows where it definitely holds (an unknown field stops nobody)."""
        if policy.spec.schedule.stop_when is None:
            return None
        library = self.libraries[policy.target]

        def stops(rows: np.ndarray, on: dt.date) -> np.ndarray:
            return self.matcher.stops(policy.id, Table(library.values, library.known), rows, on)

        return stops

    def _owed(self, policy: Policy, on: dt.date, memo: Memo, *, living: bool, rows=None) -> Owed:
        """The rows truly eligible on ``on`` (of the living alone, if ``living``), ascending,
        and the amount owed each; of ``rows`` alone (ascending, whole households), if given."""
        target = policy.spec.target
        columns = self.population[target].library_columns()
        if rows is not None:
            if not len(rows):
                return rows, np.zeros(0)
            columns = RowsOf(columns, rows)
        truth = entitlement(policy.spec, self.registries[target], columns, on, memo=memo)
        eligible = truth.eligible
        if living:
            alive = self.population.living(target)
            eligible = eligible & (alive if rows is None else alive[rows])
        found = np.flatnonzero(eligible)
        return (found if rows is None else rows[found]), truth.amount[found]

    def _hold(self, policy_id: str, row: int, yuan: float) -> float | None:
        """What the packages' rules still allow one payment about to be committed, on the
        grants so far: a beneficiary granted another member of an exclusive rule gets none, a
        cap what is left (None: nothing)."""
        today = self.model.clock.today
        one = {policy_id: Decision(np.array([row]), np.array([yuan]), np.zeros(0, np.int64))}
        every = {policy_id: self.matcher.by_id[policy_id].spec.schedule.every}
        held = apply_packages(self.packages, one, today, self.grants, every)[policy_id]
        return float(held.amount[0]) if len(held.eligible_rows) else None

    def _packaged_owed(self, policy: Policy, on: dt.date, memo: Memo) -> Owed | None:
        """What a package member truly owes on its opening day, held to its packages' rules
        with the other members in force that day (None: the policy is in no package)."""
        if policy.id not in self.grants.watched:
            return None
        members = {
            m.id: m
            for package in self.packages
            if policy.id in package.policies
            for m in self.matcher.policies
            if m.id in package.policies and m.in_force(on)
        }
        members[policy.id] = policy
        owed = {pid: self._owed(m, on, memo, living=False) for pid, m in members.items()}
        return hold_to_packages(self.packages, owed)[policy.id]

    def _log_truth(self, policy_id: str, rows: np.ndarray, amount: np.ndarray, at: float) -> None:
        self.truth_log.extend(
            policy_id=[policy_id] * len(rows),
            entity=rows,
            since=np.full(len(rows), at),
            amount_yuan=amount,
        )

    def _people(self, target: str) -> People:
        pushes = self.params.pushes
        if target == "person":
            r = self.population.persons
            reach_ = reach(r.digital_literacy, r.smartphone, pushes)
            return People(r.community, r.digital_literacy, r.distrust, r.bank_account_valid, reach_)
        e = self.population.enterprises
        b = self.params.behaviour
        literacy = np.where(
            e.uses_platform, b.firm_literacy_with_account, b.firm_literacy_without_account
        ).astype(np.float32)
        return People(
            e.industry,
            literacy,
            np.full(e.size, b.firm_distrust, np.float32),
            e.bank_account_valid,
            literacy,  # a firm's contact reads the push as the firm uses the platform
        )

    def _via(self, policy: Policy) -> tuple[str, ...]:
        """Accounts between the appropriation and the quota: none on the direct route; the
        city treasury, the department and the district treasuries on the layered one."""
        if self.params.treasury.route_of(policy.id) != "layered":
            return ()
        return ("city_treasury", f"department:{policy.spec.department}", "district_treasuries")

    def _budget(self, policy: Policy) -> BudgetState | None:
        """A policy's budget, released into its quota account at the start (scaled to the
        city's scale: a thousandth of the city gets a thousandth of the money)."""
        b = policy.spec.budget
        if b is None:
            return None
        total = max(1, round(b.total * 100 * self.params.city.scale))
        release(self.ledger, policy.id, total, self._via(policy), at=0.0, ref=policy.id)
        return BudgetState(total, b.when_exhausted)

    def _field_quality(self, target: str) -> dict[str, DataQuality]:
        """Each library field gets the quality of the department that shares it."""
        lib: LibraryQuality = getattr(self.params.libraries, target)
        registry = self.registries.get(target)
        return {
            name: lib.of_source(registry[name].source if registry and name in registry else "")
            for name in self.population[target].library_columns()
        }

    # -- each day -------------------------------------------------------------------------------

    def refresh_libraries(self, days: float) -> None:
        """The libraries catch up with truth at their departments' lags."""
        for target, library in self.libraries.items():
            library.refresh(
                self.population[target].library_columns(),
                days,
                rng=self._library_rng,
                exists=self.population.living(target),
                registration_lag=self.params.life.registration_lag,
                history_rng=self._history_rng,
            )

    def people_changed(self) -> None:
        """Life events rewrote some people's attributes (an arrival takes up a reserved row):
        the offices compute again what they kept of them."""
        for office in self.offices.values():
            office.forget_rates()
        self._people_version += 1

    def take_notice(self, persons: np.ndarray, enterprises: np.ndarray) -> None:
        """Departments notify the platform of the month's life events: those entities'
        records are updated at once, and (``matching.on_events``) decided today."""
        for target, rows in (("person", persons), ("enterprise", enterprises)):
            columns = self.population[target].library_columns()
            self.libraries[target].take_notice(columns, rows, self.population.living(target))
            self._noticed[target] = rows

    def match_and_deliver(self, today: dt.date) -> None:
        """The platform decides on its records only: rows it has no record of are left out.
        It sweeps the whole library every ``matching.sweep_every`` (and when a policy comes
        into force); in between it decides only the entities an event notice named, and its
        offices act on the decisions they hold."""
        sweep = (today - self.params.start).days % self.params.matching.sweep_days == 0
        for target, library in self.libraries.items():
            noticed = self._noticed.pop(target, None)
            offices = [self.offices[p.id] for p in self.matcher.in_force(target, today)]
            if sweep or any(o.library_view is None for o in offices):
                self._decide_rows(target, library, today, None)
            elif noticed is not None and len(noticed):
                self._decide_rows(target, library, today, noticed)
            else:
                for office in offices:
                    office.deliver(office.library_view)  # type: ignore[arg-type]

    def _decide_rows(self, target: str, library: Library, today: dt.date, rows) -> None:
        """Decide every row (``rows`` None) or only ``rows`` (sorted), on the rows the
        platform has records of, hold the decisions to the packages' rules, and deliver to
        each office its view: the new decision, or its last one with those rows decided again."""
        table = Table(library.values, library.known)
        if rows is not None:  # household values over the whole library, then the rows
            related = self.matcher.relate(table, target, today)
            if related is not table:  # a member's news moves the whole household's values
                rows = household_rows(rows, library.values["household"], library.known["household"])
            table = related.take(rows)
        known = library.registered if rows is None else library.registered[rows]
        decisions, mapped = {}, {}  # copies of one template share a decision
        for policy_id, d in self.matcher.decide(table, target, today):
            if id(d) not in mapped:
                ok, review = known[d.eligible_rows], d.review_rows[known[d.review_rows]]
                eligible = d.eligible_rows[ok]
                if rows is not None:  # back to the library's rows
                    eligible, review = rows[eligible], rows[review]
                mapped[id(d)] = Decision(eligible, d.amount[ok], review)
            decisions[policy_id] = mapped[id(d)]
        if self.packages:
            every = {p: self.matcher.by_id[p].spec.schedule.every for p in decisions}
            held = apply_packages(self.packages, decisions, today, self.grants, every)
            for policy_id, d in held.items():  # a review a rule took away is withdrawn
                if d is not decisions[policy_id]:
                    gone = np.setdiff1d(decisions[policy_id].review_rows, d.review_rows)
                    if len(gone):
                        self.offices[policy_id].withdraw(gone)
            decisions = held
        views: dict[int, PlatformDecision] = {}
        for policy_id, d in decisions.items():
            if id(d) not in views:
                views[id(d)] = PlatformDecision(d.eligible_rows, d.amount, d.review_rows)
            office, view = self.offices[policy_id], views[id(d)]
            if rows is not None and office.library_view is not None:
                view = office.library_view.replaced(rows, view)
            office.deliver(view)

    def pay_periods(self, today: dt.date) -> None:
        """Recurring policies in force pay the period that began (docs/policy-language.md)."""
        for policy in self.matcher.policies:
            if policy.spec.schedule.every != "once" and policy.in_force(today):
                self.offices[policy.id].pay_period(today)

    def behave(self, today: dt.date) -> None:
        """People hear of and act on the policies in force today: not on one yet to open, nor
        on one whose deadline has passed."""
        for policy in self.matcher.policies:
            if policy.in_force(today):
                self.offices[policy.id].behave(today)

    def totals(self, today: dt.date) -> dict[str, int]:
        """Entities aware of, acted on and pushed, summed over every office (the model's
        DataCollector); only an office in force can change, so the others' counts are kept."""
        if self._totals_on != today:
            for policy in self.matcher.policies:
                if policy.in_force(today) or policy.id not in self._counts:
                    o = self.offices[policy.id]
                    self._counts[policy.id] = np.array(
                        [o.awareness.aware.sum(), o.count("acted"), o.count("pushed")], np.int64
                    )
            total = np.sum([np.zeros(3, np.int64), *self._counts.values()], axis=0)
            self._totals = dict(zip(("aware", "acted", "pushed"), map(int, total), strict=True))
            self._totals_on = today
        return self._totals

    def update_truth(self, today: dt.date, now: float, *, lived: bool) -> None:
        """Who is truly eligible now joins those who were (eligible at any time counts), and
        can hear of the policy: every policy after life events (``lived``), otherwise only
        those whose answer moves with the date (ages, dated parameters)."""
        due = [
            (policy, rules_key(policy.spec, today))
            for policy in self.matcher.policies
            if policy.in_force(today) and (lived or self._dated[policy.id])
        ]
        first = {key: policy for policy, key in reversed(due)}  # copies of one template: once
        scopes = self._scopes(today, due)
        memos, owed = {}, {}
        for key in sorted(first, key=repr):  # a template beside its districts' copies
            rows = scopes[key]
            memo = memos.setdefault(None if rows is None else id(rows), Memo())
            owed[key] = self._owed(first[key], today, memo, living=True, rows=rows)
        held = hold_to_packages(self.packages, {p.id: owed[key] for p, key in due})
        for policy, _ in due:
            office = self.offices[policy.id]
            newly, amount = office.learn_truth(*held[policy.id])
            self._log_truth(policy.id, newly, amount, now)
            office.widen_audience(newly)

    def _scopes(self, today: dt.date, due: list[tuple[Policy, tuple]]) -> dict[tuple, object]:
        """Per rules key, the rows to read today: None (all) unless every policy with the key
        was read yesterday, under the same rules and on the same people, so that only rows an
        anniversary moved can answer differently (twin/world/truth_dated.py)."""
        yesterday = (today - dt.timedelta(days=1), self._people_version)
        whole = {key for p, key in due if self._read.get(p.id) != (*yesterday, key)}
        whole |= {key for p, key in due if self._inputs.get(p.id) is None}
        rows: dict[tuple[str, DatedInputs], np.ndarray] = {}
        scopes = {}
        for policy, key in due:
            self._read[policy.id] = (today, self._people_version, key)
            if key in whole:
                scopes[key] = None
                continue
            inputs, target = self._inputs[policy.id], policy.spec.target
            if (target, inputs) not in rows:
                columns = self.population[target].library_columns()
                rows[target, inputs] = rows_to_read(inputs, columns, today)  # type: ignore[arg-type]
            scopes[key] = rows[target, inputs]
        return scopes

    # -- the run's tables -----------------------------------------------------------------------

    def tables(self) -> dict[str, pa.Table]:
        """The policies as run, who heard of each, and the population's attributes."""
        rows, aware = [], []
        for policy in self.matcher.policies:
            office, spec = self.offices[policy.id], policy.spec
            b = office.budget
            rows.append(
                {
                    "policy_id": policy.id,
                    "target": spec.target,
                    "department": spec.department,
                    "delivery": office.delivery,
                    "valid_from": spec.valid_from,
                    "valid_to": spec.valid_to,
                    "budget_total_fen": None if b is None else b.total_fen,
                    "budget_committed_fen": None if b is None else b.committed,
                    "fields": sorted(policy.fields),
                }
            )
            aw = office.awareness
            heard = np.flatnonzero(aw.aware)
            aware.append(
                pa.table(
                    {
                        "policy_id": pa.array([policy.id] * len(heard), pa.string()),
                        "entity": aw.members[heard].astype(np.int64),
                        "aware_since_day": aw.aware_since[heard].astype(np.float64),
                    }
                )
            )
        codes = {
            t: {k: f.codes for k, f in r.fields.items() if f.type == "code"}
            for t, r in self.registries.items()
        }
        return {
            "policies": pa.Table.from_pylist(rows, schema=POLICIES),
            "awareness": pa.concat_tables(aware) if aware else _empty(AWARENESS),
            "persons": self.population.table("person", codes.get("person", {})),
            "enterprises": self.population.table("enterprise", codes.get("enterprise", {})),
            "records": pa.concat_tables([self._records(t) for t in self.libraries]),
        }

    def _records(self, target: str) -> pa.Table:
        """The platform's records at the end of the run of those truly eligible for one of the
        target's policies and not paid, in the fields its policies read, beside truth: what
        "who is missed, and why" reads. Values in the library's encoding (codes as their
        index, dates as days since 1970)."""
        missed = np.zeros(self.population[target].size, bool)
        read: set[str] = set()  # only the fields some policy of the target reads
        for policy in self.matcher.policies:
            office = self.offices[policy.id]
            if policy.target == target:
                c = office.state.columns
                missed[office.state.rows[c["truly_eligible"] & ~c["paid"]]] = True
                read |= policy.fields
        rows = np.flatnonzero(missed)
        library = self.libraries[target]
        columns = self.population[target].library_columns()
        truth = {name: columns[name] for name in sorted(read)}
        parts = [
            pa.table(
                {
                    "target": pa.array([target] * len(rows), pa.string()),
                    "entity": rows.astype(np.int64),
                    "field": pa.array([name] * len(rows), pa.string()),
                    "truth": column[rows].astype(np.float64),
                    "recorded": pa.array(
                        library.values[name][rows].astype(np.float64),
                        mask=~library.known[name][rows],
                    ),
                    "registered": library.registered[rows],
                }
            )
            for name, column in truth.items()
        ]
        return pa.concat_tables(parts) if parts else RECORDS.empty_table()


POLICIES = pa.schema(
    [
        ("policy_id", pa.string()),
        ("target", pa.string()),
        ("department", pa.string()),
        ("delivery", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("budget_total_fen", pa.int64()),
        ("budget_committed_fen", pa.int64()),
        ("fields", pa.list_(pa.string())),  # the library fields its conditions and amount read
    ]
)
RECORDS = pa.schema(
    [
        ("target", pa.string()),
        ("entity", pa.int64()),
        ("field", pa.string()),
        ("truth", pa.float64()),
        ("recorded", pa.float64()),  # null: the platform does not know it
        ("registered", pa.bool_()),  # false: the platform has no record of the entity
    ]
)
AWARENESS = pa.schema(
    [("policy_id", pa.string()), ("entity", pa.int64()), ("aware_since_day", pa.float64())]
)


Owed = tuple[np.ndarray, np.ndarray]  # rows truly eligible (ascending), the amount owed each


def _substreams(streams: Streams, prefix: str):
    """Named streams under a prefix: ``delivery/<policy>/awareness`` and so on."""
    return lambda name: streams.generator(f"{prefix}/{name}")


def _empty(schema: pa.Schema) -> pa.Table:
    return schema.empty_table()


def household_rows(rows: np.ndarray, household: np.ndarray, known: np.ndarray) -> np.ndarray:
    """``rows`` and every row the library has on their households' registers, ascending."""
    ids = household[rows][known[rows] & (household[rows] >= 0)]
    return np.union1d(rows, np.flatnonzero(known & np.isin(household, ids)))
