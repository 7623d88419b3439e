"""Alert rule files: which devices, what condition, for how long, and what to say."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from datafiles import Duration, read_yaml, validate

_CONDITION = re.compile(r"^\s*value\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
OPERATORS: dict[str, Callable] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class Rule(BaseModel):
    """Devices of one type whose value meets ``condition`` for ``for_`` seconds fire."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    alert: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    device_type: str
    condition: str
    for_: Annotated[Duration, Field(alias="for")] = 0.0
    severity: Literal["info", "warning", "critical"] = "warning"
    summary: str = ""

    @field_validator("condition")
    @classmethod
    def _condition_form(cls, text: str) -> str:
        if not _CONDITION.match(text):
            raise ValueError("a condition of the form 'value OP number', e.g. 'value > 20'")
        return text

    @property
    def op(self) -> Callable:
        return OPERATORS[_CONDITION.match(self.condition).group(1)]  # type: ignore[union-attr]

    @property
    def threshold(self) -> float:
        return float(_CONDITION.match(self.condition).group(2))  # type: ignore[union-attr]


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: Annotated[list[Rule], Field(min_length=1)]


def load_rules(path: str | Path) -> list[Rule]:
    """Read a rule file; a UserError names any fault by file, line and key path."""
    data, origins = read_yaml(Path(path))
    return validate(RuleFile, data, origins, str(path)).rules
