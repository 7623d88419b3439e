"""Devices deployed over communities, as arrays indexed by device number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Devices:
    """Where each device is and what it measures."""

    device_type: np.ndarray  # str
    community: np.ndarray  # int32
    township: np.ndarray  # int16

    @property
    def size(self) -> int:
        return len(self.community)


def deploy(
    n: int,
    device_type: str,
    community_weight: np.ndarray,
    community_township: np.ndarray,
    *,
    rng: np.random.Generator,
) -> Devices:
    """Place n devices of one type in communities in proportion to their residents."""
    community = rng.choice(len(community_weight), size=n, p=community_weight).astype(np.int32)
    return Devices(
        device_type=np.full(n, device_type),
        community=community,
        township=community_township[community].astype(np.int16),
    )
