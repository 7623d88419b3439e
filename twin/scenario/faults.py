"""Faults as scenario events (scenario section ``faults``): what a planner schedules to go
wrong - the bank down for some hours, the payment platform crashing, accounts that bounce,
devices that stick, drift or go silent - each beside the code that suffers it."""

from __future__ import annotations

from typing import Literal

from agents.treasury import BankOutage, PlatformCrash
from datafiles import Strict
from datafiles.types import Share
from sensors.faults import DeviceFault


class Faults(Strict):
    """Times are since the run's start (``2d2h``: 02:00 on its third day); docs/scenarios.md."""

    bank_outages: list[BankOutage] = []
    platform_crashes: list[PlatformCrash] = []
    # the share of bank accounts that bounce a payment, per target, in place of the drawn ones
    invalid_accounts: dict[Literal["person", "enterprise"], Share] = {}
    devices: list[DeviceFault] = []
