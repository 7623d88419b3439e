"""One entity and one policy after a run: the policy's conditions on the platform's records
beside truth, the clause that failed, and what happened to the entity in the run, in order.

Read from the run folder alone: its scenario names the policy files, ``records.parquet`` holds
the platform's records of everyone missed, the event tables say what happened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datafiles import UserError, did_you_mean
from matching import Grants, Matcher, Registry, Table, explain, explain_packages, related
from twin.runs.readable import YUAN, readable
from twin.scenario.inputs import load_inputs
from twin.scoring.folder import read_run
from twin.scoring.missed import REASONS, missed


@dataclass(frozen=True)
class Story:
    """What a run did to one (policy, entity): the lines a planner reads."""

    policy_id: str
    entity: int
    lines: list[str]

    def render(self) -> str:
        return "\n".join(self.lines)


def explain_in_run(folder: str | Path, policy_id: str, entity: int) -> Story:
    """The policy's conditions for the entity as the platform saw it at the run's end, and the
    entity's path through the run."""
    scenario, tables = read_run(folder)
    inputs = load_inputs(scenario)
    policy = _policy(inputs, policy_id, str(folder))
    target = policy.target
    _check_entity(entity, tables["persons" if target == "person" else "enterprises"].num_rows,
                  target, str(folder))  # fmt: skip
    last = scenario.start + dt.timedelta(days=scenario.days - 1)
    lines = [f"{policy_id}: {target} {entity}, in the run {folder}"]
    lines += _conditions(tables, inputs, policy, entity, last)
    lines += ["", "In the run:", *_events(tables, policy_id, entity, scenario.start)]
    return Story(policy_id, entity, lines)


def explain_in_scenario(scenario, policy_id: str, entity: int) -> Story:
    """The policy's conditions for the entity on the platform's records as a scenario starts,
    with truth beside: why someone is (or is not) eligible before anything has run."""
    from twin.runs.runner import build_model

    model = build_model(scenario)
    inputs = load_inputs(scenario)
    policy = _policy(inputs, policy_id, "--scenario")
    target = policy.target
    _check_entity(entity, model.population[target].size, target, "--scenario")
    library = model.libraries[target]
    truth = model.population[target].library_columns()
    registry = inputs.registries[target]
    on = max(scenario.start, policy.spec.valid_from)
    lines = [f"{policy_id}: {target} {entity}, in the scenario {scenario.name} on {on}"]
    if not library.registered[entity]:
        return Story(policy_id, entity, [*lines, f"  the platform has no record of this {target}"])
    names = sorted(policy.fields)
    table = Table(library.values, library.known)  # household values need the whole library
    labels = {n: registry[n].label(truth[n][entity]) for n in names}
    lines += _checks(policy, registry, table, labels, on, row=entity)
    lines += _packages(inputs, policy, library, entity, on)
    return Story(policy_id, entity, lines)


def _packages(inputs, policy, library, entity: int, on: dt.date) -> list[str]:
    """What the policy's packages do to the entity on ``on``, nothing granted yet: every
    member in force decided on the entity's record, then each rule that moved an amount."""
    packages = [p for p in inputs.packages if policy.id in p.policies]
    if not packages:
        return []
    ids = {m for p in packages for m in p.policies}
    members = [p for p in inputs.policies if p.id in ids and p.in_force(on)]
    matcher = Matcher(members)
    whole = matcher.relate(Table(library.values, library.known), policy.target, on)
    decisions = dict(matcher.decide(whole.take(np.array([entity])), policy.target, on))
    every = {m.id: m.spec.schedule.every for m in members}
    steps = explain_packages(packages, decisions, 0, on, Grants(ids), every)
    if not steps:
        return ["  its packages change nothing for this one on that day"]
    return ["  held to its packages (nothing granted yet):", *(s.render() for s in steps)]


def _policy(inputs, policy_id: str, where: str):
    policies = {p.id: p for p in inputs.policies}
    if policy_id not in policies:
        raise UserError.one(
            f"no policy '{policy_id}' here",
            file=where,
            key=policy_id,
            expected="one of: " + ", ".join(policies),
            hint=did_you_mean(policy_id, list(policies)) or "name a policy of the scenario",
        )
    return policies[policy_id]


def _check_entity(entity: int, size: int, target: str, where: str) -> None:
    if not 0 <= entity < size:
        raise UserError.one(
            f"there is no {target} {entity}",
            file=where,
            key="--entity",
            expected=f"a {target} id from 0 to {size - 1} (the 'entity' column of the tables)",
        )


def _conditions(tables, inputs, policy, entity: int, on: dt.date) -> list[str]:
    """Each condition on the platform's records as they stood on the run's last day."""
    records = tables["records"]
    mine = records.filter(
        pc.and_(pc.equal(records["target"], policy.target), pc.equal(records["entity"], entity))
    ).to_pylist()
    if not mine:
        return [
            "  (the run folder keeps the platform's records only of those truly eligible and "
            "not paid; the conditions of others are not recorded)"
        ]
    registry = inputs.registries[policy.target]
    if related([policy.eligible_node, policy.amount.node]):
        return [
            "  (the policy reads the entity's household, which the run folder does not keep: "
            "twin policy explain --scenario shows its conditions)"
        ]
    if not mine[0]["registered"]:
        return [f"  the platform has no record of this {policy.target} on {on}"]
    table, truth = _one_row(mine, registry)
    return _checks(policy, registry, table, truth, on)


def _checks(
    policy, registry: Registry, table: Table, truth: dict[str, str], on, row: int = 0
) -> list[str]:
    """Each condition on the entity's record (``row`` of ``table``), truth beside any value
    that differs."""
    told = explain(Matcher([policy]), registry, table, row, policy.id, on)
    lines = [f"  the platform's records on {on} say: {told.outcome}"]
    for c in told.checks:
        shown = [
            f"{k} = {v}" + ("" if truth.get(k, v) == v else f" (truth: {truth[k]})")
            for k, v in c.values.items()
        ]
        art = f"  [{c.article}]" if c.article else ""
        lines.append(f"    {c.outcome:<7}  {c.condition}   ({', '.join(shown)}){art}")
    failed = [c.condition for c in told.checks if c.outcome == "fail"]
    unknown = [c.condition for c in told.checks if c.outcome == "unknown"]
    if failed:
        lines.append("  the clause that failed: " + "; ".join(failed))
    if unknown:
        lines.append("  undecided (a field the platform does not know): " + "; ".join(unknown))
    return lines


def _one_row(rows: list[dict], registry: Registry) -> tuple[Table, dict[str, str]]:
    """The entity's record as a one-row table in the library's encoding, and truth as text."""
    columns, known, truth = {}, {}, {}
    for r in rows:
        name = r["field"]
        if name not in registry:
            continue
        spec, recorded = registry[name], r["recorded"]
        columns[name] = np.array([0 if recorded is None else recorded], dtype=spec.dtype)
        known[name] = np.array([recorded is not None])
        truth[name] = spec.label(r["truth"])
    return Table(columns, known), truth


def _events(tables: dict[str, pa.Table], policy_id: str, entity: int, start: dt.date) -> list[str]:
    """The entity's events for the policy, in time order, on calendar dates."""
    t0 = dt.datetime.combine(start, dt.time())

    def rows(name: str) -> list[dict]:
        table = tables[name]
        keep = pc.and_(pc.equal(table["policy_id"], policy_id), pc.equal(table["entity"], entity))
        return table.filter(keep).to_pylist()

    events: list[tuple[float, str]] = []
    for r in rows("truth"):
        owed = readable(r["amount_yuan"], YUAN)
        events.append((r["since"], f"truly eligible (owed {owed})"))
    for r in rows("awareness"):
        events.append((r["aware_since_day"] * 86400.0, "heard of the policy"))
    for r in rows("actions"):
        events.append((r["at"], f"{r['action']} (their own time: {r['effort_s'] / 3600:.1f} h)"))
    for r in rows("applications"):
        events.append((r["applied_at"], f"application: {r['outcome']}"))
    for r in rows("reviews"):
        events.append((r["queued_at"], "queued for a reviewer"))
    for r in rows("decisions"):
        events.append((r["decided_at"], f"reviewer decided: {r['outcome']}"))
    for r in rows("matches"):
        fen = readable(r["amount_fen"] / 100, YUAN)
        events.append((r["matched_at"], f"matched by the platform ({r['delivery']}, {fen})"))
    for r in rows("payments"):
        fen = readable(r["amount_fen"] / 100, YUAN)
        events.append((r["settled_at"], f"payment {r['status']} ({fen})"))
    if not events:
        return ["  nothing: never eligible, never heard of it, never matched"]
    lines = [
        f"  {t0 + dt.timedelta(seconds=float(at)):%Y-%m-%d %H:%M}  {what}"
        for at, what in sorted(events, key=lambda e: e[0])
    ]
    gone = missed({**tables, "policies": _of_policy(tables["policies"], policy_id)})
    for r in gone.filter(pc.equal(gone["entity"], entity)).to_pylist():
        why = r["reason"] + (f" ({r['fields']})" if r["fields"] else "")
        lines.append(f"  missed: {why} - {REASONS[r['reason']]}")
    return lines


def _of_policy(policies: pa.Table, policy_id: str) -> pa.Table:
    return policies.filter(pc.equal(policies["policy_id"], policy_id))
