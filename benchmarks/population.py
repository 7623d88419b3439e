"""The whole city's population: generated, then one day of behaviour for 50 active policies.

``generate_full_s`` / ``generate_full_peak_mb``: 9.6 million residents and 1.15 million market
entities with every attribute. ``day_full_s``: one day of hearing (Bass diffusion with local
word of mouth) and deciding (benefit, effort, literacy, distrust, deadline) for 25 resident
policies and 25 enterprise policies, each over its audience of eligible entities. Baseline: the
same rules as Mesa agent objects on a 100,000-agent sample, scaled to the same audiences.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

# Without the script's own folder on the path, package names resolve to the packages.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import mesa  # noqa: E402

from agents.awareness import Awareness, hear_of_it  # noqa: E402
from agents.behaviour import Behaviour  # noqa: E402
from agents.decisions import act_rate, decide_to_act  # noqa: E402
from agents.enterprises import generate_enterprises  # noqa: E402
from agents.residents import generate_residents  # noqa: E402
from twin.bench.convention import Figure, parse_args, report  # noqa: E402
from twin.core.city import build_city  # noqa: E402
from twin.core.units import HOUR  # noqa: E402

START = dt.date(2022, 6, 1)
P, Q, LOCAL = 0.01, 0.15, 0.5
PARAMS = Behaviour()
AUDIENCE = {"person": 0.04, "enterprise": 0.10}  # share of the population each policy targets


def generate(scale: float) -> tuple:
    city = build_city(scale=scale, rng=np.random.default_rng(0))
    where = (city.community_weight, city.community_district)
    residents = generate_residents(city.residents, *where, START, rng=np.random.default_rng(1))
    enterprises = generate_enterprises(
        city.enterprises, *where, START, rng=np.random.default_rng(2)
    )
    return residents, enterprises


class Audience:
    """One policy's audience with what a day of behaviour needs."""

    def __init__(self, members, group, literacy, distrust, benefit, rng) -> None:
        self.awareness = Awareness(members, group)
        self.literacy, self.distrust, self.benefit = literacy, distrust, benefit
        self.acted = np.zeros(len(members), bool)
        self.rng = rng

    def day(self, today: float) -> int:
        hear_of_it(self.awareness, P, Q, LOCAL, today, 1.0, rng=self.rng)
        rows = np.flatnonzero(self.awareness.aware & ~self.acted)
        rate = act_rate(
            self.benefit[rows], 2 * HOUR, self.literacy[rows], self.distrust[rows], 30.0, PARAMS
        )
        acting = rows[decide_to_act(rate, 1.0, rng=self.rng)]
        self.acted[acting] = True
        return len(acting)


def audiences(residents, enterprises, rng) -> list[Audience]:
    out = []
    people = (residents.community, residents.digital_literacy, residents.distrust)
    firms = (
        enterprises.industry,
        np.where(enterprises.uses_platform, 0.85, 0.35),
        np.full(enterprises.size, 0.2),
    )
    for target, (group, literacy, distrust), n in (
        ("person", people, residents.size),
        ("enterprise", firms, enterprises.size),
    ):
        for _ in range(25):
            members = np.flatnonzero(rng.random(n) < AUDIENCE[target])
            benefit = rng.choice([300.0, 2000.0, 10000.0, 50000.0], len(members))
            out.append(
                Audience(
                    members, group[members], literacy[members], distrust[members], benefit, rng
                )
            )
    return out


class Member(mesa.Agent):
    """The same rule, one Python object per (entity, policy) membership."""

    def __init__(self, model, policy, group, literacy, distrust, benefit) -> None:
        super().__init__(model)
        self.policy, self.group = policy, group
        self.literacy, self.distrust, self.benefit = literacy, distrust, benefit
        self.aware = self.acted = False
        self.rate = float(
            act_rate(
                np.array([benefit]),
                2 * HOUR,
                np.array([literacy]),
                np.array([distrust]),
                30.0,
                PARAMS,
            )[0]
        )

    def step(self) -> None:
        m = self.model
        if not self.aware:
            share = m.share[self.policy]
            local = m.group_share[self.policy].get(self.group, 0.0)
            hazard = P + Q * ((1 - LOCAL) * share + LOCAL * local)
            self.aware = m.random.random() < 1 - math.exp(-hazard)
        elif not self.acted:
            rate = act_rate(
                np.array([self.benefit]),
                2 * HOUR,
                np.array([self.literacy]),
                np.array([self.distrust]),
                30.0,
                PARAMS,
            )[0]
            self.acted = m.random.random() < 1 - np.exp(-rate)


class MemberModel(mesa.Model):
    def __init__(self, audiences: list[Audience], sample: int) -> None:
        super().__init__(rng=1)
        total = sum(len(a.awareness.members) for a in audiences)
        for p, a in enumerate(audiences):
            k = max(1, round(sample * len(a.awareness.members) / total))
            for i in range(min(k, len(a.awareness.members))):
                Member(
                    self,
                    p,
                    int(a.awareness.group[i]),
                    float(a.literacy[i]),
                    float(a.distrust[i]),
                    float(a.benefit[i]),
                )
        self.share = [0.0] * len(audiences)
        self.group_share = [{} for _ in audiences]

    def step(self) -> None:
        """Aggregate shares in one pass over the agents, then every agent steps."""
        n = len(self.share)
        aware, total = [0] * n, [0] * n
        g_aware: list[dict] = [{} for _ in range(n)]
        g_total: list[dict] = [{} for _ in range(n)]
        for m in self.agents:
            total[m.policy] += 1
            aware[m.policy] += m.aware
            g_total[m.policy][m.group] = g_total[m.policy].get(m.group, 0) + 1
            g_aware[m.policy][m.group] = g_aware[m.policy].get(m.group, 0) + m.aware
        self.share = [a / max(t, 1) for a, t in zip(aware, total, strict=True)]
        self.group_share = [
            {g: ga[g] / gt[g] for g in gt} for ga, gt in zip(g_aware, g_total, strict=True)
        ]
        self.agents.shuffle_do("step")


def main() -> None:
    args = parse_args(__doc__)
    scale, sample = (1.0, 100_000) if not args.quick else (0.01, 5_000)
    tracemalloc.start()
    start = time.perf_counter()
    residents, enterprises = generate(scale)
    generate_s = time.perf_counter() - start
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    rng = np.random.default_rng(3)
    auds = audiences(residents, enterprises, rng)
    members = sum(len(a.awareness.members) for a in auds)
    days = []
    for d in range(5):
        t0 = time.perf_counter()
        for a in auds:
            a.day(float(d))
        days.append(time.perf_counter() - t0)
    day_s = float(np.min(days))  # the least disturbed day: the quick mode's take only ms

    model = MemberModel(auds, sample)
    model.step()
    t0 = time.perf_counter()  # one step after the first: later ones do less as agents hear
    model.step()
    base_s = (time.perf_counter() - t0) * members / len(model.agents)

    report(
        [
            Figure("generate_full_s", generate_s, "s"),
            Figure("generate_full_peak_mb", peak_mb, "MB"),
            Figure("day_full_s", day_s, "s", base_s, base_s / day_s),
            Figure("residents", float(residents.size), "count"),
            Figure("enterprises", float(enterprises.size), "count"),
            Figure("audience_memberships", float(members), "count"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
