"""What a run report says, gathered from a run folder alone into plain sections of readable
cells and figures; the templates (twin/report/templates) only lay them out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from datafiles import UserError
from twin.core.folders import require_manifest
from twin.report.groups import groups
from twin.report.meanings import meaning
from twin.runs.compare import SENSING, VARIANTS
from twin.runs.provenance import read_provenance
from twin.runs.readable import SHARE, readable
from twin.runs.replications import Replicated
from twin.runs.results import LISTED_POLICIES, summary_rows
from twin.scoring.by_policy import rows as policy_rows
from twin.scoring.folder import read_run
from twin.scoring.missed import REASONS, missed
from twin.scoring.reach import FIGURES, SEED, SEED_ON, UNITS, at_ningbo, reach

SHOWN_POLICIES = 100  # rows of a catalogue's policy table


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    id: str = ""


@dataclass(frozen=True)
class Picture:
    title: str
    file: str  # relative to the run folder
    png: bytes
    id: str = ""


@dataclass
class Section:
    title: str
    intro: str = ""
    blocks: list[Table | Picture] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    title: str
    question: str
    sections: list[Section]


@dataclass(frozen=True)
class Variant:
    """One variant's folder (replication 0), read once."""

    name: str
    folder: Path
    scenario: object
    tables: dict[str, pa.Table]
    summary: dict


def gather(folder: Path) -> Report:
    """The report of a run folder: a comparison of variants or a single run."""
    folder = Path(folder)
    variants = _variants(folder)
    first = variants[0].scenario
    question = _question(folder, first)
    sections = [
        _levers(folder, variants),
        _headline(folder, variants),
        _reach(variants[0]),
        _every_policy(variants[0]),
        *(_policy(v_policy, variants) for v_policy in _detailed(variants[0].summary)),
    ]
    if first.sensing.enabled:
        sections.append(_sensing(variants))
    sections.append(_provenance(folder, variants))
    return Report(f"{first.name}: run report", question, [s for s in sections if s.blocks])


def _variants(folder: Path) -> list[Variant]:
    if (folder / "comparison.json").is_file():
        require_manifest(folder)
        about = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
        names = about.get("variant_order") or sorted(
            p.name for p in folder.iterdir() if (p / "summary.json").is_file()
        )
        return [_variant(name, folder / name) for name in names]
    if (folder / "summary.json").is_file():
        return [_variant("", folder)]
    raise UserError.one(
        "not a run folder: it has neither summary.json nor comparison.json",
        file=str(folder),
        hint="a run folder is what 'twin run --out FOLDER' writes",
    )


def _variant(name: str, folder: Path) -> Variant:
    scenario, tables = read_run(folder)
    if "records" not in tables:
        raise UserError.one(
            "no records.parquet, which the report's 'who is missed' reads",
            file=str(folder),
            hint="the run was written by an older citytwin; run it again",
        )
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    file = folder / "missed.parquet"
    tables["missed"] = pq.read_table(file) if file.is_file() else missed(tables)
    file = folder / "reach.parquet"
    tables["reach"] = pq.read_table(file) if file.is_file() else reach(tables, scenario)
    return Variant(name or scenario.name, folder, scenario, tables, summary)


def _question(folder: Path, scenario) -> str:
    file = folder / VARIANTS
    if file.is_file():
        text = yaml.safe_load(file.read_text(encoding="utf-8")).get("description") or ""
        if text:
            return text
    return scenario.description or "(the scenario has no description)"


def _levers(folder: Path, variants: list[Variant]) -> Section:
    file = folder / VARIANTS
    if not file.is_file() or len(variants) < 2:
        return Section("What differs between the variants")
    levers = yaml.safe_load(file.read_text(encoding="utf-8")).get("variants") or {}
    rows = [
        [name, "; ".join(f"{k} = {_lever(v)}" for k, v in levers.get(name, {}).items()) or "-"]
        for name in (v.name for v in variants)
    ]
    intro = (
        f"Each variant is the scenario with these settings changed; '{variants[0].name}' is "
        "the baseline the others are compared with. Every variant runs the same synthetic "
        "city with the same random draws, so differences come from the settings alone."
    )
    return Section(
        "What differs between the variants",
        intro,
        [Table("Levers", ["variant", "settings"], rows, id="levers")],
    )


def _lever(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_lever(v)}" for k, v in value.items())
    return str(value)


def _headline(folder: Path, variants: list[Variant]) -> Section:
    blocks: list[Table | Picture] = []
    if (folder / "replications.parquet").is_file():
        rep = Replicated.read(folder)
        cells = rep.cells()
        n = len(rep.seeds)
        note = (
            f"Means over {n} replications with their {rep.confidence:.0%} confidence "
            "intervals in brackets; 'Δ vs' rows are the paired difference to the baseline "
            "(≈: the interval covers zero, no clear difference)."
            if n > 1
            else "One replication: no intervals (run with --replications N for them)."
        )
        header = ["figure", *cells[0][1:]]
        rows = [[_label(c[0]), *c[1:]] for c in cells[1:]]
        blocks.append(Table("Headline results", header, rows, note, id="headline"))
        blocks.append(_glossary([c[0] for c in cells[1:]]))
        png = folder / "comparison.png"
        if png.is_file():
            blocks.append(
                Picture("The variants compared", "comparison.png", png.read_bytes(), "comparison")
            )
    else:
        v = variants[0]
        rows = [[_label(k), value, unit] for k, value, unit in summary_rows(v.summary)]
        blocks.append(Table("Headline results", ["figure", "value", "unit"], rows, id="headline"))
        blocks.append(_glossary([r[0] for r in rows]))
    for v in variants:
        png = v.folder / "overview.png"
        if png.is_file():
            rel = str(png.relative_to(folder))
            blocks.append(Picture(f"Overview: {v.name}", rel, png.read_bytes()))
    return Section("Headline results", "", blocks)


def _label(text: str) -> str:
    return text.replace("_", " ")


def _reach(v: Variant) -> Section:
    """The seed's five figures month by month, and beside the seed's own where the run reaches
    the seed's day (docs/reach.md)."""
    table = v.tables.get("reach")
    if table is None or table.num_rows == 0:
        return Section("Reach")
    header = ["month end", *(_label(k.removesuffix("_yuan")) for k in FIGURES)]
    months = table.to_pylist()
    rows = [[str(r["date"]), *(readable(r[k], UNITS[k]) for k in FIGURES)] for r in months]
    scale = v.scenario.city.scale
    blocks = [Table("Reach to date", header, rows, f"at the run's city.scale {scale:g}", "reach")]
    on_the_day = [r for r in months if r["date"] == SEED_ON]
    if on_the_day:
        on = on_the_day[0]
        ours = at_ningbo(on, scale)
        seed = [
            [_label(k.removesuffix("_yuan")), readable(ours[k], UNITS[k]),
             readable(SEED[k], UNITS[k]), _signed(ours[k] / SEED[k] - 1)]
            for k in FIGURES
        ]  # fmt: skip
        note = f"the run's figures on {on['date']}, people, money and visits divided by {scale:g}"
        blocks.append(Table("Beside the seed's figures of 2022-06-18",
                            ["figure", "the twin, at Ningbo's size", "seed", "difference"],
                            seed, note, "seed"))  # fmt: skip
    intro = (
        "Policies put online, distinct enterprises and persons paid, money paid and visits, "
        "counted as the seed counts them (docs/reach.md)."
    )
    return Section("Reach, as the seed counts it", intro, blocks)


def _signed(share: float) -> str:
    return ("+" if share > 0 else "") + readable(share, SHARE)


def _detailed(summary: dict) -> list[str]:
    """The policies that get a section of their own: all of a few; of a catalogue, those that
    paid the most money."""
    policies = summary["policies"]
    if len(policies) <= LISTED_POLICIES:
        return list(policies)
    return _by_money(policies)[:LISTED_POLICIES]


def _by_money(policies: dict) -> list[str]:
    """Policy ids, the one that paid the most first."""
    return sorted(policies, key=lambda pid: -(policies[pid]["amount_paid"]["value"] or 0.0))


def _every_policy(v: Variant) -> Section:
    """A catalogue's policies in one table, most money first (runs of a few policies have a
    section per policy instead)."""
    policies = v.summary["policies"]
    if len(policies) <= LISTED_POLICIES:
        return Section("Every policy")
    keys = ("eligible", "paid", "coverage", "amount_paid", "time_to_money_from_eligible_p50")
    ranked = _by_money(policies)
    rows = [
        [pid, *(readable(policies[pid][k]["value"], policies[pid][k]["unit"]) for k in keys)]
        for pid in ranked[:SHOWN_POLICIES]
    ]
    note = (
        f"{len(policies):,} policies ran; the {min(SHOWN_POLICIES, len(policies))} that paid the "
        f"most are listed, and the first {LISTED_POLICIES} have a section of their own below. "
        "Every policy's figures are in summary.json."
    )
    table = Table("Policies by money paid", ["policy", *(_label(k) for k in keys)], rows, note)
    return Section("Every policy", "", [table])


def _glossary(labels: list[str]) -> Table:
    keys = dict.fromkeys(
        label.split(": ")[-1] for label in labels if not label.strip().startswith("Δ")
    )
    rows = [[_label(k), meaning(k)] for k in keys]
    return Table("What the figures measure", ["figure", "what it measures"], rows)


def policy_tables(scenario, tables: dict[str, pa.Table], summary: dict, policy_id: str):
    """The report's tables of one policy - the funnel, coverage by group, who is missed and
    why - for a run in memory (the rehearsal page's run so far)."""
    variant = Variant(scenario.name, Path("."), scenario, tables, summary)
    return [b for b in _policy(policy_id, [variant]).blocks if isinstance(b, Table)]


def _policy(policy_id: str, variants: list[Variant]) -> Section:
    """The funnel, coverage by group and who is missed, for one policy."""
    facts = [_facts(v, policy_id) for v in variants]
    names = [v.name for v in variants]
    blocks: list[Table | Picture] = [_funnel(facts, names)]
    for dim in facts[0]["groups"]:
        blocks.append(_coverage(facts, names, dim))
    blocks.append(_reasons(facts, names))
    dim = next(iter(facts[0]["groups"]))
    blocks.append(_reasons_by(facts, names, dim))
    intro = (
        f"Everyone truly eligible for {policy_id} during the run, followed from eligibility to "
        "money, then broken down by group; the people missed are counted by the stage where "
        "they dropped out."
    )
    return Section(f"Policy {policy_id}", intro, blocks)


def _facts(v: Variant, policy_id: str) -> dict:
    t = v.tables
    policy = _rows(t["policies"], policy_id).to_pylist()[0]
    eligible = np.unique(_rows(t["truth"], policy_id)["entity"].to_numpy())
    pay = _rows(t["payments"], policy_id)
    paid = pay.filter(pc.equal(pay["status"], "paid"))["entity"].to_numpy()
    aware = _rows(t["awareness"], policy_id)["entity"].to_numpy()
    acted = _rows(t["actions"], policy_id)["entity"].to_numpy()
    matched = _rows(t["matches"], policy_id)["entity"].to_numpy()
    gone = _rows(t["missed"], policy_id)
    return {
        "delivery": policy["delivery"],
        "eligible": eligible,
        "aware": eligible[np.isin(eligible, aware) | np.isin(eligible, paid)],
        "acted": eligible[np.isin(eligible, acted)],
        "matched": eligible[np.isin(eligible, matched)],
        "paid": eligible[np.isin(eligible, paid)],
        "missed": gone["entity"].to_numpy(),
        "reason": np.asarray(gone["reason"].to_pylist(), dtype=object),
        "groups": groups(t, policy["target"], v.scenario.start),
    }


def _funnel(facts: list[dict], names: list[str]) -> Table:
    stages = (
        ("truly eligible", "eligible"),
        ("aware of it", "aware"),
        ("acted (confirmed or applied)", "acted"),
        ("matched by the platform", "matched"),
        ("paid", "paid"),
    )
    rows = []
    for label, key in stages:
        row = [label]
        for f in facts:
            n, of = len(f[key]), len(f["eligible"])
            if key == "acted" and f["delivery"] == "auto":
                row.append("nothing asked (auto)")
            else:
                row.append(f"{n:,} ({readable(n / of, SHARE)})" if of else f"{n:,}")
        rows.append(row)
    note = (
        "Counts of the truly eligible at each stage, and their share of all truly eligible. "
        "Under push the platform matches before people act; under apply after."
    )
    return Table("From eligibility to money", ["stage", *names], rows, note)


def _coverage(facts: list[dict], names: list[str], dim: str) -> Table:
    rows = []
    for label in _labels(facts, dim):
        row = [str(label)]
        for f in facts:
            g = f["groups"][dim]
            n = int(np.sum(g[f["eligible"]] == label))
            hit = int(np.sum(g[f["paid"]] == label))
            row.append(f"{readable(hit / n, SHARE)} of {n:,}" if n else "-")
        rows.append(row)
    note = "Share of the truly eligible in each group who were paid (coverage), of how many."
    return Table(f"Coverage by {dim}", [dim, *names], rows, note)


def _reasons(facts: list[dict], names: list[str]) -> Table:
    rows = []
    for reason, what in REASONS.items():
        counts = [int(np.sum(f["reason"] == reason)) for f in facts]
        if not any(counts):
            continue
        cells = [
            f"{c:,} ({readable(c / len(f['eligible']), SHARE)})" if c else "-"
            for c, f in zip(counts, facts, strict=True)
        ]
        rows.append([reason, *cells, what])
    total = [f"{len(f['missed']):,}" for f in facts]
    rows.append(["all missed", *total, "truly eligible and not paid when the run ended"])
    note = "How many of the truly eligible were missed for each reason (share of all eligible)."
    return Table("Who is missed, and why", ["reason", *names, "meaning"], rows, note, "missed")


def _reasons_by(facts: list[dict], names: list[str], dim: str) -> Table:
    rows = []
    for label in _labels(facts, dim):
        row = [str(label)]
        for f in facts:
            g = f["groups"][dim]
            n = int(np.sum(g[f["eligible"]] == label))
            mine = f["reason"][g[f["missed"]] == label]
            if not n or not len(mine):
                row.append("-" if not n else f"none of {n:,}")
                continue
            top, count = np.unique(mine, return_counts=True)
            i = int(np.argmax(count))
            row.append(
                f"{len(mine):,} of {n:,}; mostly {top[i]} ({readable(count[i] / len(mine), SHARE)})"
            )
        rows.append(row)
    note = f"Per {dim}: how many truly eligible were missed, and the commonest reason."
    return Table(f"Who is missed, by {dim}", [dim, *names], rows, note)


def _labels(facts: list[dict], dim: str) -> list:
    """The groups of a dimension that hold anyone truly eligible, in their natural order."""
    found = {g for f in facts for g in f["groups"][dim][f["eligible"]].tolist() if g is not None}
    return sorted(found, key=_order)


def _order(label) -> tuple:
    """Age bands and size classes in their natural order, other labels alphabetically."""
    text = str(label)
    digits = "".join(ch for ch in text.split("-")[0] if ch.isdigit())
    if text.startswith("under"):
        return (0, 0, text)
    return (1, int(digits), text) if digits else (2, 0, text)


def _sensing(variants: list[Variant]) -> Section:
    keys = [k for k in SENSING if k in variants[0].summary["metrics"]]
    rows = []
    for k in keys:
        cells = []
        for v in variants:
            m = v.summary["metrics"].get(k)
            cells.append("-" if m is None else readable(m["value"], m["unit"]))
        rows.append([_label(k), *cells, meaning(k)])
    hardest = [v.summary["metrics"].get("hardest_hit_township") for v in variants]
    if any(hardest):
        where = [str(h["value"]) if h else "-" for h in hardest]
        what = "the township whose on-duty workers carried the most events"
        rows.append(["hardest-hit township", *where, what])
    intro = (
        "The sensing network against the incidents that really happened: what the alerts "
        "caught, how late, how many false alarms, and the load on grid workers (the overview "
        "figures above plot incidents against alerts over time)."
    )
    names = [v.name for v in variants]
    table = Table("Sensing and response", ["figure", *names, "what it measures"], rows)
    return Section("Sensing and response", intro, [table] if rows else [])


def _provenance(folder: Path, variants: list[Variant]) -> Section:
    about = read_provenance(folder) or {}
    s = variants[0].scenario
    rows = [
        ["citytwin version", about.get("citytwin", "not recorded")],
        ["scenario file", about.get("scenario_file", "not recorded")],
        ["scenario file SHA-256", about.get("scenario_sha256", "not recorded")],
        ["seed", f"{s.seed}"],
        ["city.scale", f"{s.city.scale:g}"],
        ["simulated", f"{s.days} days from {s.start:%Y-%m-%d}"],
        ["replications", str(about.get("replications", 1))],
        ["variants", ", ".join(v.name for v in variants)],
        ["run folder", str(folder)],
    ]
    return Section(
        "Provenance",
        "Enough to run it again: the same file, seed and settings give the same bytes.",
        [Table("Provenance", ["", ""], rows, id="provenance")],
    )


def _rows(table: pa.Table, policy_id: str) -> pa.Table:
    return policy_rows(table, policy_id)
