"""Ground truth at the city's scale: every shipped policy over the whole true population.

``truth_city_s``: who is owed what under each of the shipped policies, for the whole city's
9.6 million residents and 1.15 million enterprises, by the interpreter that shares no code with
the engine (twin/world/truth.py) - the work a run does at set-up and each month. Baseline: the
matching engine's own per-policy evaluation of the same policies on the same population in the
same run (the ratio is how much the independence costs: above 1, truth is faster).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]

from agents.enterprises import generate_enterprises  # noqa: E402
from agents.residents import generate_residents  # noqa: E402
from agents.year_end import keep_last_year  # noqa: E402
from matching import Table, evaluate_policy, load_policy, load_registry  # noqa: E402
from twin.bench.convention import Figure, parse_args, report  # noqa: E402
from twin.core.city import build_city  # noqa: E402
from twin.world.truth import entitlement  # noqa: E402

ROOT = HERE.parent
ON = dt.date(2022, 6, 1)


def main() -> None:
    args = parse_args(__doc__)
    scale = 1.0 if not args.quick else 0.01
    registries = {
        t: load_registry(ROOT / f"scenarios/fields/{t}.yaml") for t in ("person", "enterprise")
    }
    policies = [
        load_policy(p, registries) for p in sorted((ROOT / "scenarios/policies").glob("*.yaml"))
    ]
    city = build_city(scale=scale, rng=np.random.default_rng(1))
    where = (city.community_weight, city.community_district)
    history = np.random.default_rng(4)  # last year's values, as the population keeps them
    columns = {
        "person": keep_last_year(
            generate_residents(city.residents, *where, ON, rng=np.random.default_rng(2)),
            "person",
            rng=history,
        ).library_columns(),
        "enterprise": keep_last_year(
            generate_enterprises(city.enterprises, *where, ON, rng=np.random.default_rng(3)),
            "enterprise",
            rng=history,
        ).library_columns(),
    }
    start = time.perf_counter()
    owed = 0
    for p in policies:
        on = max(ON, p.spec.valid_from)
        owed += int(entitlement(p.spec, registries[p.target], columns[p.target], on).eligible.sum())
    truth_s = time.perf_counter() - start
    tables = {t: Table(c) for t, c in columns.items()}
    start = time.perf_counter()
    matched = 0
    for p in policies:
        on = max(ON, p.spec.valid_from)
        matched += evaluate_policy(p, tables[p.target], on).eligible_count
    engine_s = time.perf_counter() - start
    assert owed == matched  # the two agree on the whole city
    report(
        [
            Figure("truth_city_s", truth_s, "s", engine_s, engine_s / truth_s),
            Figure("policies", float(len(policies)), "count"),
            Figure("residents", float(city.residents), "count"),
            Figure("enterprises", float(city.enterprises), "count"),
            Figure("entitlements", float(owed), "count"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
