"""Replications of a comparison: their seeds, each figure's mean and interval per variant, the
paired difference to the baseline variant, and the files and table that report them.

Replication 0 runs at the scenario's own seed - one replication is the comparison as it always
was - and replication r > 0 at ``run_seed(seed, r)``, the seed a sweep's replication r has.
Within a replication every variant has the same seed (common random numbers), so differences
are paired replication by replication: what the variants share cancels, and the difference's
interval is tighter than the variants' own.
"""

from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from twin.core.atomic import write_bytes_atomic, write_text_atomic
from twin.core.rng import run_seed
from twin.runs.intervals import Estimate, mean_interval, paired_difference
from twin.runs.plots import comparison
from twin.runs.readable import readable, readable_difference, readable_estimate

ABOUT_ZERO = "≈"  # the paired difference's interval covers 0: no clear difference
IDENTICAL = "identical"  # the difference is 0 in every replication: the variant does not touch it


def replication_seed(seed: int, replication: int) -> int:
    """Replication 0 is the scenario as written; the others draw their own seed from it."""
    return seed if replication == 0 else run_seed(seed, replication)


@dataclass(frozen=True)
class Figure:
    """One row of a comparison: a figure's value per variant, one per replication (None where
    the run left it undefined), in one unit."""

    label: str
    unit: str | None
    values: dict[str, list[float | None]]

    def estimate(self, variant: str, confidence: float) -> Estimate:
        return mean_interval(self.values[variant], confidence, figure=True)

    def difference(self, variant: str, baseline: str, confidence: float) -> Estimate:
        return paired_difference(self.values[baseline], self.values[variant], confidence)


@dataclass(frozen=True)
class Replicated:
    """What a replicated comparison reports: its figures, seeds and confidence level; the
    first variant is the baseline every other is compared with."""

    name: str
    figures: list[Figure]
    seeds: tuple[int, ...]  # per replication, from the scenario's seed
    run_seeds: dict[str, tuple[int, ...]]  # per variant and replication: the seed it ran at
    confidence: float

    @property
    def variants(self) -> list[str]:
        return list(self.run_seeds)

    @property
    def baseline(self) -> str:
        return self.variants[0]

    def to_json(self) -> dict:
        """comparison.json: per figure and variant, replication 0's value, the mean and its
        interval, and for every variant but the baseline the paired difference."""
        return {
            "scenario": self.name,
            "replications": len(self.seeds),
            "seeds": list(self.seeds),
            "confidence": self.confidence,
            "baseline": self.baseline,
            "variant_order": self.variants,
            "figures": {f.label: self._figure_json(f) for f in self.figures},
        }

    def tidy(self) -> pa.Table:
        """replications.parquet: one row per variant, replication and figure."""
        rows = [
            {
                "variant": v,
                "replication": r,
                "seed": self.run_seeds[v][r],
                "figure": f.label,
                "value": None if value is None else float(value),
                "unit": f.unit,
            }
            for f in self.figures
            for v, values in f.values.items()
            for r, value in enumerate(values)
        ]
        return pa.Table.from_pylist(rows, TIDY)

    def write(self, out: Path) -> None:
        """Write comparison.json, replications.parquet and comparison.png (the variants on their
        share indicators) into ``out``, each whole or not at all."""
        text = json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        write_text_atomic(out / "comparison.json", text)
        sink = pa.BufferOutputStream()
        pq.write_table(self.tidy(), sink)
        write_bytes_atomic(out / "replications.parquet", sink.getvalue().to_pybytes())
        fig = comparison(self)
        if fig is not None:
            png = io.BytesIO()
            fig.savefig(png, format="png", dpi=100, metadata={"Software": None})
            write_bytes_atomic(out / "comparison.png", png.getvalue())

    @classmethod
    def read(cls, folder: Path) -> Replicated:
        """The comparison a folder holds (comparison.json and replications.parquet)."""
        about = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
        tidy = pq.read_table(folder / "replications.parquet").to_pylist()
        values: dict[str, dict[str, list]] = {}
        run_seeds: dict[str, dict[int, int]] = {}
        for row in tidy:
            per = values.setdefault(row["figure"], {}).setdefault(row["variant"], [])
            per.append(row["value"])
            run_seeds.setdefault(row["variant"], {})[row["replication"]] = row["seed"]
        figures = [Figure(label, f["unit"], values[label]) for label, f in about["figures"].items()]
        seeds = {v: tuple(s[r] for r in sorted(s)) for v, s in run_seeds.items()}
        ordered = {v: seeds[v] for v in about.get("variant_order", seeds)}
        return cls(about["scenario"], figures, tuple(about["seeds"]), ordered, about["confidence"])

    def estimate(self, label: str, variant: str) -> Estimate:
        """A figure's mean over the replications of one variant, with its interval."""
        return self._figure_named(label).estimate(variant, self.confidence)

    def readable(self, label: str, variant: str) -> str:
        """A figure's mean (and interval) for one variant as a reader reads it."""
        f = self._figure_named(label)
        return readable_estimate(f.estimate(variant, self.confidence), f.unit)

    def frame(self):
        """The comparison as a pandas table of readable cells (figures down, variants across)."""
        import pandas as pd

        header, *rows = self.cells()
        index = pd.Index([r[0].replace("_", " ") for r in rows], name="figure")
        return pd.DataFrame([r[1:] for r in rows], index=index, columns=header[1:])

    def _figure_named(self, label: str) -> Figure:
        for f in self.figures:
            if f.label == label:
                return f
        raise KeyError(
            f"no figure '{label}'; the comparison has: {[f.label for f in self.figures]}"
        )

    def cells(self) -> list[list[str]]:
        """The comparison as rows of readable cells, a header first: per figure a row of means
        (with intervals from two replications on) and a row of paired differences."""
        rows = [["", *self.variants]]
        for f in self.figures:
            rows += self._rows(f)
        return rows

    def table(self) -> str:
        """The printed comparison: per figure a line of means (with intervals from two
        replications on) and a line of paired differences to the baseline."""
        rows = self.cells()
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [_line(r, widths) for r in rows]
        rule = "-" * max(_width(line) for line in lines)
        return "\n".join([*self._heading(), "", lines[0], rule, *lines[1:]])

    def _figure_json(self, f: Figure) -> dict:
        variants = {}
        for v, values in f.values.items():
            variants[v] = {"value": values[0], **f.estimate(v, self.confidence).to_json()}
            if v != self.baseline:
                d = f.difference(v, self.baseline, self.confidence)
                variants[v]["difference"] = {**d.to_json(), "covers_zero": d.covers_zero}
        return {"unit": f.unit, "variants": variants}

    def _heading(self) -> list[str]:
        n, level = len(self.seeds), f"{self.confidence:.0%}"
        same = "every variant at the same seed (common random numbers)"
        if n == 1:
            at = f"seed {self.seeds[0]}" + (f", {same}" if len(self.variants) > 1 else "")
            return [f"{self.name}: N = 1 replication ({at}); no intervals: --replications N"]
        lines = [
            f"{self.name}: N = {n} replications"
            + (f", each with {same}" if len(self.variants) > 1 else ""),
            f"mean [{level} confidence interval, Student t] over the replications",
        ]
        if len(self.variants) > 1:
            lines += [
                f"Δ vs {self.baseline}: mean paired difference [{level} interval]; "
                f"{ABOUT_ZERO}: the interval covers 0 (no clear difference); "
                f"{IDENTICAL}: 0 in every replication",
            ]
        return lines

    def _rows(self, f: Figure) -> list[list[str]]:
        if len(self.seeds) == 1:
            return [[f.label, *(readable(f.values[v][0], f.unit) for v in self.variants)]]
        means = [self._mean_cell(f, v) for v in self.variants]
        if len(self.variants) == 1:
            return [[f.label, *means]]
        differences = [self._difference_cell(f, v) for v in self.variants[1:]]
        return [[f.label, *means], [f"  Δ vs {self.baseline}", "", *differences]]

    def _mean_cell(self, f: Figure, variant: str) -> str:
        est = f.estimate(variant, self.confidence)
        return _with_n(readable_estimate(est, f.unit), est, len(self.seeds))

    def _difference_cell(self, f: Figure, variant: str) -> str:
        d = f.difference(variant, self.baseline, self.confidence)
        if d.mean == 0 and d.low in (None, 0) and d.high in (None, 0):
            return _with_n(IDENTICAL, d, len(self.seeds))
        text = _with_n(readable_difference(d, f.unit), d, len(self.seeds))
        return f"{text} {ABOUT_ZERO}" if d.covers_zero else text


TIDY = pa.schema(
    [
        ("variant", pa.string()),
        ("replication", pa.int32()),
        ("seed", pa.int64()),
        ("figure", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ]
)


def figure_of(summary: dict, key: str, policy: str | None = None) -> dict | None:
    """A summary's {value, unit} of a figure; None when the summary has no such figure."""
    block = summary["policies"].get(policy, {}) if policy else summary["metrics"]
    return block.get(key)


def _with_n(text: str, est: Estimate, replications: int) -> str:
    """Say so when a figure was undefined in some replications."""
    return text if est.n in (0, replications) else f"{text} (n={est.n})"


def _line(row: list[str], widths: list[int]) -> str:
    cells = [row[0] + " " * (widths[0] - _width(row[0]))]
    cells += [" " * (w - _width(c)) + c for c, w in zip(row[1:], widths[1:], strict=True)]
    return "  ".join(cells).rstrip()


def _width(text: str) -> int:
    """Columns on a terminal: 万 and 元 take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
