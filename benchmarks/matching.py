"""Policy matching at the platform's scale: 2,056 policies over 1M and 10M library rows.

Both cores work (two forked processes share the row blocks). At 10M rows, ``match_10m_s``
streams: it keeps counts per policy, not the 5 GB of bitmaps; ``match_10m_bitmaps_s`` keeps
them all. ``match_10m_peak_mb`` is the peak resident memory of this process plus the largest
worker, the 10M-row library included.

Baseline: the same policies evaluated one policy at a time in plain numpy (each policy's
conditions computed on its own, as a per-policy formula engine does), measured on a sample of
policies in the same run and scaled to the whole library.

``match_household_1m_s``: household means tests (a district's or a township's copy of four
templates reading ``household.sum``, ``household.size``, ``household.any``, ``spouse.FIELD``)
over 1M residents on their household registers, against the same per-policy baseline (each
policy groups the library by household on its own).
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
from pathlib import Path

import numpy as np

# Without the script's own folder on the path, `matching` is the package, not this file.
HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]


from agents.households import form_households  # noqa: E402
from agents.libraries import DataQuality, Library  # noqa: E402
from agents.residents import EPOCH, generate_residents  # noqa: E402
from matching import (  # noqa: E402
    Matcher,
    Table,
    compile_policy,
    estimate,
    evaluate_policy,
    explain_entity,
    load_registry,
    synthetic_policies,
)
from twin.bench.convention import Figure, best_of, parse_args, report  # noqa: E402
from twin.core.city import build_city  # noqa: E402
from twin.core.units import DAY  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ON = dt.date(2022, 6, 1)
DRAFT = (
    'age(birth_date) >= 67 and income < 3100 and not smartphone and district in {"Cixi", "Yuyao"}'
)


def library(n: int, registry) -> Table:
    """A person library of n rows: synthetic residents seen with 5% unknown, 5% stale cells."""
    city = build_city(scale=0.001, rng=np.random.default_rng(1))
    people = generate_residents(
        n, city.community_weight, city.community_district, ON, rng=np.random.default_rng(2)
    )
    form_households(people, (ON - EPOCH).days, rng=np.random.default_rng(6))
    lib = Library(
        people.library_columns(), DataQuality(0.05, 0.05, 30 * DAY), rng=np.random.default_rng(3)
    )
    return Table(lib.values, lib.known)


def tile(table: Table, times: int) -> Table:
    return Table(
        {k: np.tile(v, times) for k, v in table.columns.items()},
        {k: np.tile(v, times) for k, v in table.known.items()},
    )


HOUSEHOLD_TEMPLATES = (
    ("household.sum(income) / household.size < {line} and district == {d!r}",
     "tiers(household.size, {1: 600, 3: 900, 5: 1200})"),
    ("household.any(age(birth_date) >= 80) and household.sum(income) / household.size < {line}"
     " and district == {d!r}", "1000"),
    ("not owns_home and not spouse.owns_home and age(birth_date) < 35 and district == {d!r}",
     "5000"),
    ("household.count(disability != 'none') >= 1 and household.size >= {k} and district == {d!r}",
     "800"),
)  # fmt: skip


def household_policies(registry, n: int) -> list:
    """``n`` copies of the household templates, by district, with their own thresholds."""
    from matching import PolicySpec

    districts = registry.fields["district"].codes
    specs = []
    for i in range(n):
        eligible, amount = HOUSEHOLD_TEMPLATES[i % len(HOUSEHOLD_TEMPLATES)]
        d = districts[(i // len(HOUSEHOLD_TEMPLATES)) % len(districts)]
        text = eligible.format(line=900 + 10 * (i % 20), d=d, k=2 + i % 3)
        specs.append(PolicySpec.model_validate({
            "id": f"household-test-{i:04d}", "title": "household test", "department": "d",
            "target": "person", "source": {"document": "benchmark"}, "valid_from": "2022-01-01",
            "eligible": text, "amount": amount,
        }))  # fmt: skip
    return [compile_policy(s, registry) for s in specs]


def household_figure(table: Table, registry, n_policies: int, sample: int) -> Figure:
    """Household means tests over the library, against the per-policy baseline."""
    policies = household_policies(registry, n_policies)
    matcher = Matcher(policies)
    match_s = best_of(lambda: matcher.match(table, "person", ON, keep_leaves=False), 3)
    picked = policies[:: max(1, n_policies // sample)][:sample]
    base_s = best_of(lambda: [evaluate_policy(p, table, ON).eligible.sum() for p in picked], 1)
    base_s *= n_policies / len(picked)
    return Figure("match_household_1m_s", match_s, "s", base_s, base_s / match_s)


def main() -> None:
    args = parse_args(__doc__)
    n_policies, n_rows, sample = (2056, 1_000_000, 128) if not args.quick else (256, 50_000, 32)
    registry = load_registry(ROOT / "scenarios/fields/person.yaml")
    policies = [
        compile_policy(s, registry)
        for s in synthetic_policies(registry, n_policies, rng=np.random.default_rng(4))
    ]
    matcher = Matcher(policies)
    table = library(n_rows, registry)
    catalogue = matcher.catalogue("person", ON)

    def match(t: Table, **options) -> object:
        return matcher.match(t, "person", ON, keep_leaves=False, **options)

    match_s = best_of(lambda: match(table), 3)  # one process: four blocks are too few to share
    picked = policies[:: max(1, n_policies // sample)][:sample]
    base_s = best_of(lambda: [evaluate_policy(p, table, ON).eligible.sum() for p in picked], 1)
    base_s *= n_policies / len(picked)

    found = matcher.match(table, "person", ON, keep_leaves=True)
    draft = compile_policy(
        synthetic_policies(registry, 1, rng=np.random.default_rng(5))[0].model_copy(
            update={"id": "draft-policy", "eligible": DRAFT}
        ),
        registry,
    )
    estimate_s = best_of(lambda: estimate(catalogue, found, draft, table, registry, ON), 5)
    explain_s = best_of(lambda: explain_entity(catalogue, found, n_rows // 2), 20)

    household = household_figure(table, registry, 160 if not args.quick else 40, 16)
    big = tile(table, 10)
    match10_s = best_of(lambda: match(big, keep_bitmaps=False, workers=2), 1)
    peak_mb = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    with_bitmaps = (
        []
        if args.quick
        else [Figure("match_10m_bitmaps_s", best_of(lambda: match(big, workers=2), 1), "s")]
    )
    report(
        [
            Figure("match_1m_s", match_s, "s", base_s, base_s / match_s),
            household,
            Figure("match_10m_s", match10_s, "s"),
            Figure("match_10m_peak_mb", peak_mb, "MB"),
            Figure("estimate_ms", estimate_s * 1e3, "ms"),
            Figure("explain_ms", explain_s * 1e3, "ms"),
            Figure("distinct_conditions", float(len(catalogue.leaves)), "count"),
            Figure("policies", float(n_policies), "count"),
            Figure("rows", float(n_rows), "count"),
            *with_bitmaps,
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
