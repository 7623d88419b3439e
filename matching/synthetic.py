"""Synthetic policy libraries at the platform's scale (2,056 policies), for load and benchmarks.

Policies are drawn from a pool of conditions per field, so that, as in a real library, many
policies share conditions (the same age limits, the same size classes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import yaml

from matching.fields import FieldSpec, Registry
from matching.policy import PolicySpec
from matching.relations import HOUSEHOLD, RELATION

THRESHOLDS_PER_FIELD = 60  # distinct thresholds a numeric or date field is tested against
REGISTER = (HOUSEHOLD, RELATION)  # a register's id and relation: read through household values


def condition_pool(registry: Registry, *, rng: np.random.Generator, per_field: int = 40) -> dict:
    """For each field, the conditions policies may draw from."""
    pool: dict[str, list[str]] = {}
    for name, spec in registry.fields.items():
        if name not in REGISTER:
            pool[name] = _conditions(name, spec, per_field, rng=rng)
    return pool


def _conditions(name: str, spec: FieldSpec, k: int, *, rng: np.random.Generator) -> list[str]:
    if spec.type == "bool":
        return [name, f"not {name}"]
    if spec.type == "code":
        out = set()
        for _ in range(k * 3):
            size = int(rng.integers(1, max(2, len(spec.codes) // 2 + 1)))
            chosen = sorted(rng.choice(len(spec.codes), size=size, replace=False).tolist())
            labels = ", ".join(f'"{spec.codes[c]}"' for c in chosen)
            one = f'{name} == "{spec.codes[chosen[0]]}"'
            out.add(one if size == 1 else f"{name} in {{{labels}}}")
            if len(out) >= k:
                break
        return sorted(out)
    if spec.type == "date":
        helper, lo, hi = ("age", 16, 95) if "birth" in name else ("months_since", 1, 240)
        values = np.unique(np.linspace(lo, hi, THRESHOLDS_PER_FIELD).round().astype(int))
        term = f"{helper}({name})"
    else:
        lo, hi = {
            "year": (1990, 2023),
            "months": (1, 360),
            "yuan per month": (500, 40000),
            "persons": (1, 5000),
            "10k yuan": (10, 100000),
        }.get(spec.unit, (1, 1000))
        values = np.unique(np.geomspace(lo, hi, THRESHOLDS_PER_FIELD).round().astype(int))
        term = name
    return [f"{term} {op} {t}" for t in values.tolist() for op in (">=", "<")]


def synthetic_policies(
    registry: Registry, n: int, *, rng: np.random.Generator, prefix: str = "synthetic"
) -> list[PolicySpec]:
    """n policies of 3-6 conditions each, on distinct fields, with simple amounts."""
    pool = condition_pool(registry, rng=rng)
    fields = sorted(pool)
    numeric = [
        f for f, s in registry.fields.items() if s.type in ("int", "float") and f not in REGISTER
    ]
    specs = []
    for i in range(n):
        chosen = rng.choice(len(fields), size=int(rng.integers(3, 7)), replace=False)
        conditions = [pool[fields[c]][int(rng.integers(len(pool[fields[c]])))] for c in chosen]
        field = numeric[int(rng.integers(len(numeric)))]
        amount = rng.choice(
            [
                f"{int(rng.integers(1, 50)) * 100}",
                f"min({field} * {int(rng.integers(1, 10))}, {int(rng.integers(1, 100)) * 1000})",
            ]
        )
        specs.append(
            PolicySpec.model_validate(
                {
                    "id": f"{prefix}-{registry.entity}-{i:04d}",
                    "title": f"Synthetic {registry.entity} policy {i}",
                    "department": f"Department {int(rng.integers(1, 40))}",
                    "target": registry.entity,
                    "source": {"document": "Synthetic library", "article": f"Article {i}"},
                    "valid_from": dt.date(2022, 1, 1),
                    "eligible": " and ".join(conditions),
                    "amount": str(amount),
                    "delivery": str(rng.choice(["apply", "push", "auto"])),
                }
            )
        )
    return specs


def write_library(specs: list[PolicySpec], folder: str | Path) -> list[Path]:
    """One YAML file per policy, named for its id."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in specs:
        path = folder / f"{spec.id}.yaml"
        path.write_text(
            yaml.safe_dump(
                spec.model_dump(mode="json", exclude_defaults=True),
                sort_keys=False,
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        paths.append(path)
    return paths
