"""The one base of every model read from a data file: unknown keys are errors, values frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Rejects keys it does not know (with a did-you-mean, see ``validate``) and cannot be
    changed once read; fields with an alias (``from``, ``continue``) take it by either name.
    Numbers are finite: ``.inf`` and ``.nan`` mean nothing a department can write down."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )
