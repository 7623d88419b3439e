"""What one visit to the platform is, and how many each step of a beneficiary's way takes: the
scenario's ``visits`` section. The seed counts visits (37.77 million by 2022-06-18) the way a web
platform does - sessions - so the twin counts the sessions its agents' steps imply
(docs/reach.md). Every weight is an assumption to calibrate and a lever."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from datafiles import Strict

PerStep = Annotated[float, Field(ge=0.0, le=100.0)]  # visits per step


class Visits(Strict):
    """Sessions on the platform per step of a beneficiary's way (visits per step)."""

    per_query: PerStep = 1.0  # looking up a policy one has just heard of
    per_confirm: PerStep = 1.0  # opening a push and confirming it
    per_application: PerStep = 2.0  # filling in the form, then uploading the evidence
    per_evidence: PerStep = 0.0  # gathering evidence happens off the platform
    per_payment: PerStep = 1.0  # checking that the money arrived
    per_consultation: PerStep = 1.0  # a question to the desk, asked on the platform

    def weight(self, step: str) -> float:
        """Visits one ``step`` takes: query, confirm, application, evidence, payment or
        consultation (twin/scoring/reach.py counts each from the run's tables)."""
        return getattr(self, f"per_{step}")
