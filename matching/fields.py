"""The typed field registry: what each column of a library means, its type, unit and codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from datafiles import Strict, read_yaml, validate

EPOCH = dt.date(1970, 1, 1)  # date fields count days from here
LAST_YEAR = "@last_year"  # a history field's value at the end of last year, as a column
FieldType = Literal["int", "float", "bool", "code", "date"]
DTYPES: dict[str, np.dtype] = {
    "int": np.dtype(np.int64),
    "float": np.dtype(np.float64),
    "bool": np.dtype(np.bool_),
    "code": np.dtype(np.int16),
    "date": np.dtype(np.int32),  # days since 1970-01-01
}


class FieldSpec(Strict):
    """One attribute of an entity; a code field stores the index of its value in ``codes``."""

    type: FieldType
    unit: str = ""
    description: str = ""
    codes: tuple[str, ...] = ()
    source: str = ""  # the department that shares this field with the platform
    history: bool = False  # the library also keeps its value at the end of last year

    @model_validator(mode="after")
    def _codes_match_type(self) -> FieldSpec:
        if (self.type == "code") != bool(self.codes):
            raise ValueError("a field has codes if and only if its type is 'code'")
        return self

    def code(self, label: str) -> int:
        """The code number of a label of this coded field."""
        return self.codes.index(label)

    @property
    def dtype(self) -> np.dtype:
        """How a library stores this field's values."""
        return DTYPES[self.type]

    def label(self, value: float) -> str:
        """A stored value as an officer reads it: a code's label, a date, yes/no, a number
        with its unit."""
        if self.type == "code":
            return self.codes[int(value)]
        if self.type == "date":
            return (EPOCH + dt.timedelta(days=int(value))).isoformat()
        if self.type == "bool":
            return "yes" if value else "no"
        return f"{value:g} {self.unit}".strip()


class Registry(Strict):
    """All fields of one entity kind (enterprise or person), shared by libraries and populations."""

    entity: Annotated[str, Field(pattern=r"^(enterprise|person)$")]
    fields: dict[str, FieldSpec]

    def __getitem__(self, name: str) -> FieldSpec:
        if not name.endswith(LAST_YEAR):
            return self.fields[name]
        spec = self.fields[name.removesuffix(LAST_YEAR)]
        if not spec.history:
            raise KeyError(name)
        return spec

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.columns

    @property
    def columns(self) -> list[str]:
        """Every column a library of this entity holds: each field, and ``FIELD@last_year``
        for a field with history (what ``last_year(FIELD)`` reads)."""
        return [*self.fields, *(f"{n}{LAST_YEAR}" for n, f in self.fields.items() if f.history)]


def load_registry(path: str | Path) -> Registry:
    """Read a registry file; a UserError names any fault by file, line and key."""
    data, origins = read_yaml(Path(path))
    return validate(Registry, data, origins, str(path))
