"""How the platform pushes a matched policy: a first push, reminders to those who have not
confirmed, and the channels that reach people without a smartphone (scenario section
``pushes``; docs/population.md). Each value is a stated assumption to calibrate.

A smartphone owner reads a push with the chance of their digital literacy. A person without
one hears of it through the channels that exist for them, each independently: the SMS every
push also sends (``sms_read``), a family member's phone (``family_relay``), or a visit from
the community's worker (``visit``), so a push reaches them with chance
1 - (1 - sms_read)(1 - family_relay)(1 - visit).
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field

from datafiles import Duration, Strict
from datafiles.types import Share
from twin.core.units import DAY


class PushSchedule(Strict):
    """The first push on the day of the match, then ``reminders`` more, ``reminder_every``
    apart, to those who have not confirmed."""

    reminders: Annotated[int, Field(ge=0, le=20)] = 2
    reminder_every: Duration = 7 * DAY


class Pushes(PushSchedule):
    """The push schedule every pushed policy follows unless ``policies`` gives it its own,
    and the channels to people without a smartphone."""

    sms_read: Share = 0.3  # an SMS read on a basic phone (assumption)
    family_relay: Share = 0.25  # a family member's smartphone passes it on (assumption)
    visit: Share = 0.05  # the community worker visits with it (assumption, per push)
    policies: dict[str, PushSchedule] = {}

    def schedule(self, policy_id: str) -> PushSchedule:
        return self.policies.get(policy_id, self)

    def offline_reach(self) -> float:
        """The chance one push reaches a person without a smartphone."""
        return 1.0 - (1.0 - self.sms_read) * (1.0 - self.family_relay) * (1.0 - self.visit)


def reach(literacy: np.ndarray, smartphone: np.ndarray, pushes: Pushes) -> np.ndarray:
    """Per member, the chance one push reaches them: their literacy on a smartphone, the
    offline channels otherwise."""
    return np.where(smartphone, literacy, pushes.offline_reach())
