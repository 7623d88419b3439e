"""A policy file: one policy, one id, its legal source, validity dates and rules as data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datafiles import Problem, UserError, read_yaml, validate
from matching.expression import Expr, ExpressionError, compile_expression
from matching.fields import Registry


class Source(BaseModel):
    """The document and article a policy (or condition) comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str
    article: str = ""


class PolicySpec(BaseModel):
    """The policy as written in its file, before its expressions are compiled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{2,80}$")]
    title: str
    department: str
    target: Literal["enterprise", "person"]
    source: Source
    valid_from: dt.date
    valid_to: dt.date | None = None
    eligible: str
    amount: str
    delivery: Literal["apply", "push", "auto"] = "push"

    @model_validator(mode="after")
    def _dates_in_order(self) -> PolicySpec:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


@dataclass(frozen=True)
class Policy:
    """A policy ready to evaluate: its spec plus compiled eligibility and amount (yuan)."""

    spec: PolicySpec
    eligible: Expr
    amount: Expr
    file: str

    @property
    def id(self) -> str:
        return self.spec.id

    def in_force(self, on: dt.date) -> bool:
        return self.spec.valid_from <= on and (
            self.spec.valid_to is None or on <= self.spec.valid_to
        )


def load_policy(path: str | Path, registries: Mapping[str, Registry]) -> Policy:
    """Read, validate and compile one policy file; a UserError locates every fault."""
    data, origins = read_yaml(Path(path))
    spec = validate(PolicySpec, data, origins, str(path))
    registry = registries[spec.target]
    compiled, problems = {}, []
    for key, kind in (("eligible", "bool"), ("amount", "number")):
        try:
            compiled[key] = compile_expression(getattr(spec, key), registry, kind=kind)
        except ExpressionError as exc:
            file, line, col = origins.get((key, "<value>"), (str(path), None, None))
            inline = col is not None and exc.column is not None and "\n" not in getattr(spec, key)
            problems.append(
                Problem(
                    str(exc),
                    file=file,
                    line=line,
                    column=col + exc.column - 1 if inline else col,
                    key=key,
                    hint=exc.hint,
                )
            )
    if problems:
        raise UserError(problems)
    return Policy(spec, compiled["eligible"], compiled["amount"], str(path))
