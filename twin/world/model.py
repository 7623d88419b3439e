"""The city model: truth -> observe -> decide (systems under test) -> act, on one clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import mesa
import numpy as np
import pandas as pd

from agents.approval import ReviewParams
from agents.consultation import Desk, DeskParams
from agents.decisions import DecisionParams
from agents.enterprises import assign_employers, generate_enterprises
from agents.ledger import Ledger
from agents.libraries import DataQuality, Library
from agents.life_events import LifeRates, Reserve, live_a_month
from agents.payments import release
from agents.policy_office import Behaviour, Budget, Logs, People, PolicyOffice
from agents.residents import generate_residents
from agents.treasury import Route
from matching import Matcher, Policy, Table, evaluate_policy
from sensors.world import Households
from twin.core.city import build_city
from twin.core.clock import Clock
from twin.core.eventlog import EventLog
from twin.core.rng import Streams
from twin.core.units import DAY
from twin.scenario.inputs import Inputs
from twin.scenario.schema import LibraryQuality, Scenario
from twin.world.sensing import CitySensing
from twin.world.tables import APPLICATIONS, DECISIONS, MATCHES, PAYMENTS, REVIEWS


class CityModel(mesa.Model):
    """A synthetic Ningbo running one scenario.

    Each day the libraries catch up with truth, the matching engine decides on the libraries
    alone, and policy offices act on its decisions. Every sensing tick the devices' readings
    arrive, the alerting engine evaluates, and townships send grid workers to what reaches them.
    """

    def __init__(
        self,
        scenario: Scenario,
        inputs: Inputs,
        *,
        on_day: Callable[[int], None] | None = None,
    ) -> None:
        self.streams = Streams(scenario.seed)
        super().__init__(rng=self.streams.generator("mesa"))
        self.params, self.on_day = scenario, on_day  # `scenario` is taken by Mesa
        self.registries = dict(inputs.registries)
        policies = inputs.policies
        self.life_reports: list = []
        self.clock = Clock(scenario.start)
        self.logs = {
            "matches": EventLog(MATCHES),
            "payments": EventLog(PAYMENTS),
            "reviews": EventLog(REVIEWS),
            "applications": EventLog(APPLICATIONS),
            "decisions": EventLog(DECISIONS),
        }
        self._build_truth()
        self._build_platform(policies)
        self._build_responders()
        self.sensing = CitySensing(
            scenario,
            self.city,
            inputs.rules,
            inputs.catalogue,
            inputs.routing,
            self,
            self.streams,
            households=_households(self.population["person"]),
        )
        for name, log in self.sensing.logs.items():
            self.logs[name] = log
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "aware": lambda m: sum(int(o.awareness.aware.sum()) for o in m.offices.values()),
                "acted": lambda m: sum(int(o.acted.sum()) for o in m.offices.values()),
                "pushed": lambda m: sum(int(o.pushed.sum()) for o in m.offices.values()),
            }
        )
        self.clock.env.process(self.calendar())
        if scenario.sensing.enabled:
            self.clock.env.process(self.sensing.sensing_network())
            self.clock.env.process(self.sensing.residents_reporting())

    # -- set-up --------------------------------------------------------------------------

    def _build_truth(self) -> None:
        s, g = self.params, self.streams.generator
        self.city = build_city(
            scale=s.city.scale,
            residents=s.city.residents,
            enterprises=s.city.enterprises,
            communities=s.city.communities,
            rng=g("city"),
        )
        where = (self.city.community_weight, self.city.community_district)
        spare_people, spare_firms = self._reserve_sizes()
        self.population = {
            "person": generate_residents(
                self.city.residents + spare_people, *where, s.start, rng=g("residents")
            ),
            "enterprise": generate_enterprises(
                self.city.enterprises + spare_firms, *where, s.start, rng=g("enterprises")
            ),
        }
        # the reserve: rows for people and firms that do not exist yet
        self.population["person"].alive[self.city.residents :] = False
        self.population["enterprise"].active[self.city.enterprises :] = False
        self.reserve = Reserve(self.city.residents, self.city.enterprises)
        residents, enterprises = self.population["person"], self.population["enterprise"]
        residents.employed[~residents.alive] = False
        residents.employer[:] = assign_employers(
            residents.employed, enterprises.employees * enterprises.active, rng=g("employers")
        )

    def _build_platform(self, policies: Sequence[Policy]) -> None:
        g = self.streams.generator
        self._library_rng = g("libraries")
        self.libraries = {
            target: Library(
                self.population[target].library_columns(),
                self._field_quality(target),
                rng=self._library_rng,
                registered=self._living(target),
            )
            for target in ("person", "enterprise")
        }
        self.matcher = Matcher(policies)
        self.truth = {t: Table(p.library_columns()) for t, p in self.population.items()}

    def _build_responders(self) -> None:
        s, g = self.params, self.streams.generator

        def route(policy_id: str) -> Route:
            t = s.treasury
            return Route(
                t.routes.get(policy_id, t.route),
                t.direct_processing,
                t.layered_levels,
                t.layered_level_delay,
                tuple(t.bank_windows),
                t.layered_batch_every,
                t.bank_outage,
            )

        behaviour = _behaviour(s.behaviour)
        logs = Logs(
            self.logs["matches"],
            self.logs["payments"],
            self.logs["reviews"],
            self.logs["applications"],
            self.logs["decisions"],
        )
        people = {
            "person": _residents_as_people(self.population["person"]),
            "enterprise": _enterprises_as_people(self.population["enterprise"]),
        }
        self.ledger = Ledger()
        d = s.desk
        self.desk = Desk(
            self.clock.env,
            DeskParams(
                service_mean=d.service_time,
                patience_mean=d.patience,
                deflected=d.deflected,
                callback_share=d.callback_share,
                shifts=tuple((sh.from_, sh.operators) for sh in d.shifts),
            ),
            rng=g("desk"),
        )
        self._desk_rng = g("questions")
        a = s.approval
        review = ReviewParams(
            reviewers=a.reviewers_per_policy,
            review_minutes=a.review_time / 60.0,
            audit_share=a.audit_share,
            catch=a.catch,
            catch_audited=a.catch_audited,
        )
        self.offices = {}
        for policy in self.matcher.policies:
            target = policy.spec.target
            truth = evaluate_policy(
                policy, self.truth[target], max(s.start, policy.spec.valid_from)
            )
            self.offices[policy.id] = PolicyOffice(
                self,
                policy.id,
                s.policy_delivery.get(policy.id, policy.spec.delivery),
                policy.spec.valid_to,
                people=people[target],
                truly_eligible=truth.eligible,
                misreports=self._misreporters(target),
                true_amount=truth.amount,
                route=route(policy.id),
                behaviour=behaviour,
                rng=g(f"delivery/{policy.id}"),
                logs=logs,
                ledger=self.ledger,
                target=target,
                budget=self._budget(policy),
                via=self._via(policy),
                review=review,
                ask=self.questions,
            )

    # -- the daily recipe ----------------------------------------------------------------

    def step(self) -> None:
        """One day: on the first of a month life happens; libraries catch up, the matching
        engine decides, policy offices act, beneficiaries hear of policies and act on them."""
        if self.steps > 1 and self.clock.today.day == 1 and self.params.life.enabled:
            self.live_a_month()
        if self.steps > 1:
            self.refresh_libraries(days=1.0)
        self.match_and_deliver()
        self.beneficiaries_behave()
        self.datacollector.collect(self)

    def refresh_libraries(self, days: float) -> None:
        lag = self.params.life.registration_lag / DAY
        for target, library in self.libraries.items():
            library.refresh(
                self.population[target].library_columns(),
                days,
                rng=self._library_rng,
                exists=self._living(target),
                registration_lag_days=lag,
            )

    def match_and_deliver(self) -> None:
        """The platform decides on its records only: rows it has no record of are left out."""
        today = self.clock.today
        for target, library in self.libraries.items():
            table = Table(library.values, library.known)
            known = library.registered
            for match in self.matcher.evaluate(table, target, today):
                self.offices[match.policy_id].deliver(
                    match.eligible & known, match.amount, match.needs_review & known
                )

    def _field_quality(self, target: str) -> dict[str, DataQuality]:
        """Each library field gets the quality of the department that shares it."""
        lib: LibraryQuality = getattr(self.params.libraries, target)
        base = _quality(lib)
        registry = self.registries.get(target)
        out = {}
        for name in self.population[target].library_columns():
            source = registry[name].source if registry is not None and name in registry else ""
            out[name] = _quality(lib.sources[source], base) if source in lib.sources else base
        return out

    def sample(self, target: str, n: int = 10, *, seed: int = 0) -> pd.DataFrame:
        """A random sample of the true population, one row per entity, for inspection."""
        pop = self.population[target]
        rows = np.random.default_rng(seed).choice(pop.size, size=min(n, pop.size), replace=False)
        cols = {f.name: getattr(pop, f.name)[rows] for f in dataclasses.fields(pop)}
        return pd.DataFrame(cols, index=pd.Index(rows, name=target))

    def sample_agents(self, target: str, n: int = 10, *, seed: int = 0) -> list[mesa.Agent]:
        """The same sample as Mesa agents, each carrying its entity's attributes."""
        frame = self.sample(target, n, seed=seed)
        return [EntityView(self, target, int(row), frame.loc[row].to_dict()) for row in frame.index]

    def _misreporters(self, target: str) -> np.ndarray:
        pop = self.population[target]
        return getattr(pop, "misreports", np.zeros(pop.size, bool))

    def live_a_month(self) -> None:
        """Deaths, moves, graduations, births, arrivals, firms founded, growing and closing;
        then who is truly eligible now joins those who were (eligible at any time counts)."""
        life = self.params.life
        rates = LifeRates(
            move=life.move_per_month,
            graduating=life.graduating_share,
            firm_exit=life.firm_exit_per_month,
            births=life.births_per_year / 12,
            arriving_graduates=life.arriving_graduates_per_year / 12,
            firm_entry=life.firm_entry_per_year / 12,
        )
        report = live_a_month(
            self.population["person"],
            self.population["enterprise"],
            self.city.community_weight,
            self.city.community_district,
            self.clock.today,
            rates,
            rng=self.streams.generator(f"life/{self.clock.today:%Y-%m}"),
            reserve=self.reserve,
        )
        self.life_reports.append(report)
        for policy in self.matcher.policies:
            if not policy.in_force(self.clock.today):
                continue
            target = policy.spec.target
            now = evaluate_policy(policy, self.truth[target], self.clock.today)
            office = self.offices[policy.id]
            newly = now.eligible & self._living(target) & ~office.truly_eligible
            office.truly_eligible |= newly
            office.true_amount[newly] = now.amount[newly]
            office.widen_audience(np.flatnonzero(newly))

    def _via(self, policy: Policy) -> tuple[str, ...]:
        """Accounts between the appropriation and the quota: none on the direct route; the
        city treasury, the department and the district treasuries on the layered one."""
        t = self.params.treasury
        if t.routes.get(policy.id, t.route) != "layered":
            return ()
        return ("city_treasury", f"department:{policy.spec.department}", "district_treasuries")

    def _budget(self, policy: Policy) -> Budget | None:
        """A policy's budget, released into its quota account at the start (scaled to the
        city's scale: a thousandth of the city gets a thousandth of the money)."""
        b = policy.spec.budget
        if b is None:
            return None
        total = max(1, round(b.total * 100 * self.params.city.scale))
        release(self.ledger, policy.id, total, self._via(policy), at=0.0, ref=policy.id)
        return Budget(total, b.when_exhausted)

    def _reserve_sizes(self) -> tuple[int, int]:
        """Rows to set aside for births, arrivals and new firms over the run (with margin)."""
        life, months = self.params.life, self.params.days / 30.0 + 1
        if not life.enabled:
            return 0, 0
        people = self.city.residents * (life.births_per_year + life.arriving_graduates_per_year)
        firms = self.city.enterprises * life.firm_entry_per_year
        return (
            int(np.ceil(people * months / 12 * 1.5)) + 5,
            int(np.ceil(firms * months / 12 * 1.5)) + 5,
        )

    def _living(self, target: str) -> np.ndarray:
        pop = self.population[target]
        return pop.alive if target == "person" else pop.active

    def questions(self, people: int, why: str) -> None:
        """Some of the people just pushed to, or starting an application, call the desk within
        the next twelve hours."""
        d = self.params.desk
        share = d.questions_per_push if why == "push" else d.questions_per_application
        calls = int(self._desk_rng.binomial(people, share)) if people else 0
        for delay in self._desk_rng.uniform(0.0, 12 * 3600.0, calls).tolist():
            self.clock.env.process(self._call_later(delay))

    def _call_later(self, delay: float):
        yield self.clock.env.timeout(delay)
        yield self.clock.env.process(self.desk.caller())

    def beneficiaries_behave(self) -> None:
        today = self.clock.today
        for office in self.offices.values():
            office.behave(today)

    # -- processes on the clock ------------------------------------------------------------

    def calendar(self):
        """The day turns at midnight: the Mesa model takes one step per simulated day."""
        while True:
            self.step()
            if self.on_day is not None:
                self.on_day(self.steps)
            yield self.clock.env.timeout(DAY)

    def run(self) -> None:
        self.clock.env.run(until=self.params.duration)
        self.sensing.finish()


class EntityView(mesa.Agent):
    """One resident or enterprise, lifted out of the columnar population to be looked at."""

    def __init__(self, model: mesa.Model, target: str, row: int, attributes: dict) -> None:
        super().__init__(model)
        self.target, self.row = target, row
        for name, value in attributes.items():
            setattr(self, name, value)


def _behaviour(b) -> Behaviour:
    decisions = DecisionParams(
        base_per_day=b.act_per_day,
        literacy_weight=b.literacy_weight,
        distrust_weight=b.distrust_weight,
        evidence_days_median=b.evidence_days,
        dropout_per_day=b.dropout_per_day,
    )
    return Behaviour(
        b.media_per_day,
        b.word_of_mouth_per_day,
        b.local_share,
        b.push_effort / 3600.0,
        b.apply_effort / 3600.0,
        decisions,
    )


def _households(r) -> Households:
    """The residents a household deployment (sensors for older people living alone) draws on."""
    return Households(r.community, r.birth_date, r.alive & r.living_alone)


def _residents_as_people(r) -> People:
    return People(r.community, r.digital_literacy, r.distrust, r.bank_account_valid)


def _enterprises_as_people(e) -> People:
    """Enterprises mix within their industry; a platform account stands for literacy."""
    literacy = np.where(e.uses_platform, 0.85, 0.35).astype(np.float32)
    return People(e.industry, literacy, np.full(e.size, 0.2, np.float32), e.bank_account_valid)


def _quality(q, base: DataQuality | None = None) -> DataQuality:
    """A library's (or, over ``base``, a source's) data quality; unset keys keep ``base``."""
    base = base or DataQuality(0.0, 0.0, 1.0)
    return DataQuality(
        base.missing if q.missing is None else q.missing,
        base.stale if q.stale is None else q.stale,
        base.update_lag_days if q.update_lag is None else q.update_lag / DAY,
    )
