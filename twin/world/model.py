"""The city model: truth -> observe -> decide (systems under test) -> act, on one clock."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa

from agents.life_events import MonthReport, live_a_month
from agents.population import Population, spare_rows
from sensors.world import Households
from twin.core.city import build_city
from twin.core.clock import Clock
from twin.core.eventlog import EventLog
from twin.core.rng import Streams
from twin.core.units import DAY
from twin.scenario.inputs import Inputs
from twin.scenario.schema import Scenario
from twin.world.policy_side import PolicySide
from twin.world.sensing import CitySensing
from twin.world.tables import (
    ACTIONS,
    APPLICATIONS,
    DECISIONS,
    MATCHES,
    PAYMENTS,
    REVIEW_QUEUE,
    REVIEWS,
    TRUTH,
    staffing_table,
)


class CityModel(mesa.Model):
    """A synthetic Ningbo running one scenario.

    Each day the libraries catch up with truth, the matching engine decides on the libraries
    alone, and policy offices act on its decisions. Every sensing tick the devices' readings
    arrive, the alert pipeline evaluates, and townships send grid workers to what reaches them.
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
        self.clock = Clock(scenario.start)
        g = self.streams.generator
        c = scenario.city
        self.city = build_city(
            scale=c.scale,
            residents=c.residents,
            enterprises=c.enterprises,
            communities=c.communities,
            rng=g("city"),
        )
        self.population = Population(
            self.city,
            scenario.start,
            spare=spare_rows(self.city, scenario.life, scenario.days),
            streams=g,
        )
        for target, share in scenario.faults.invalid_accounts.items():  # a scheduled fault
            accounts = self.population[target].bank_account_valid
            accounts[:] = g(f"invalid_accounts:{target}").random(len(accounts)) >= share
        self.logs = {
            "matches": EventLog(MATCHES),
            "payments": EventLog(PAYMENTS),
            "reviews": EventLog(REVIEWS),
            "applications": EventLog(APPLICATIONS),
            "decisions": EventLog(DECISIONS),
            "review_queue": EventLog(REVIEW_QUEUE),
            "actions": EventLog(ACTIONS),
            "truth": EventLog(TRUTH),
        }
        self.life_reports: list = []
        self.policies = PolicySide(self, scenario, inputs, self.population, self.logs, self.streams)
        persons = self.population.persons
        self.sensing = CitySensing(
            scenario,
            self.city,
            inputs.rules,
            inputs.catalogue,
            inputs.routing,
            self,
            self.streams,
            households=Households(
                persons.community, persons.birth_date, persons.alive & persons.living_alone
            ),
        )
        self.logs.update(self.sensing.logs)
        totals = self.policies.totals
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "aware": lambda m: totals(m.clock.today)["aware"],
                "acted": lambda m: totals(m.clock.today)["acted"],
                "pushed": lambda m: totals(m.clock.today)["pushed"],
            }
        )
        self.clock.env.process(self.calendar())
        if scenario.sensing.enabled:
            self.clock.env.process(self.sensing.sensing_network())
            self.clock.env.process(self.sensing.residents_reporting())

    # -- the daily recipe ------------------------------------------------------------------------

    def step(self) -> None:
        """One day: on the first of a month life happens; libraries catch up, the matching
        engine decides, policy offices act, recurring policies pay the period that began,
        beneficiaries hear of policies and act on them."""
        today = self.clock.today
        lived = self.steps > 1 and today.day == 1 and self.params.life.enabled
        if self.steps > 1 and today.month == 1 and today.day == 1:
            self.population.close_year()
            self.policies.people_changed()
        if lived:
            report = self.live_a_month()
            self.policies.people_changed()
            if self.params.matching.on_events:
                self.policies.take_notice(report.persons, report.enterprises)
        if self.steps > 1:  # who is eligible today: ages and dates move daily, life monthly
            self.policies.update_truth(today, self.clock.now, lived=lived)
            self.policies.refresh_libraries(days=1.0)
        self.policies.match_and_deliver(today)
        self.policies.pay_periods(today)
        self.policies.behave(today)
        self.datacollector.collect(self)

    def live_a_month(self) -> MonthReport:
        """Deaths, moves, graduations, births, arrivals, firms founded, growing and closing,
        jobs lost and found, homes bought, households changing."""
        life, today = self.params.life, self.clock.today
        report = live_a_month(
            self.population.persons,
            self.population.enterprises,
            self.city.community_weight,
            self.city.community_district,
            today,
            life,
            rng=self.streams.generator(f"life/{today:%Y-%m}"),
            reserve=self.population.reserve,
            registers=self.streams.generator(f"life/{today:%Y-%m}/households"),
        )
        empty = np.zeros(0, np.int64)  # the month's counts are kept, not its rows
        self.life_reports.append(dataclasses.replace(report, persons=empty, enterprises=empty))
        return report

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

    # -- looking inside ---------------------------------------------------------------------------

    @property
    def offices(self):
        return self.policies.offices

    @property
    def matcher(self):
        return self.policies.matcher

    @property
    def ledger(self):
        return self.policies.ledger

    @property
    def libraries(self):
        return self.policies.libraries

    @property
    def reserve(self):
        return self.population.reserve

    def sample(self, target: str, n: int = 10, *, seed: int = 0) -> pd.DataFrame:
        """A random sample of the true population, one row per entity, for inspection."""
        pop = self.population[target]
        rows = np.random.default_rng(seed).choice(pop.size, size=min(n, pop.size), replace=False)
        cols = {
            f.name: getattr(pop, f.name)[rows]
            for f in dataclasses.fields(pop)
            if isinstance(getattr(pop, f.name), np.ndarray)
        }
        cols |= {f"{k}@last_year": v[rows] for k, v in pop.last_year.items()}
        return pd.DataFrame(cols, index=pd.Index(rows, name=target))

    def sample_agents(self, target: str, n: int = 10, *, seed: int = 0) -> list[mesa.Agent]:
        """The same sample as Mesa agents, each carrying its entity's attributes."""
        frame = self.sample(target, n, seed=seed)
        return [EntityView(self, target, int(row), frame.loc[row].to_dict()) for row in frame.index]

    def tables(self) -> dict[str, pa.Table]:
        """Every table of the run: the event logs, truth and the world's make-up."""
        tables = {name: log.to_arrow() for name, log in self.logs.items()}
        calls = self.policies.desk.log
        tables["calls"] = pa.table(
            {
                "arrived": pa.array(calls.arrived, pa.float64()),
                "answered": pa.array(calls.answered, pa.float64()),
                "finished": pa.array(calls.finished, pa.float64()),
                "outcome": pa.array(calls.outcome, pa.string()),
                "topic": pa.array(calls.topic, pa.string()),
            }
        )
        staff = self.policies.staffing
        if self.params.sensing.enabled:
            staff = staff + self.sensing.staffing
        tables["staffing"] = staffing_table(staff)
        return {**tables, **self.policies.tables(), **self.sensing.tables()}


class EntityView(mesa.Agent):
    """One resident or enterprise, lifted out of the columnar population to be looked at."""

    def __init__(self, model: mesa.Model, target: str, row: int, attributes: dict) -> None:
        super().__init__(model)
        self.target, self.row = target, row
        for name, value in attributes.items():
            setattr(self, name, value)
