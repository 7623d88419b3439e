"""Named, independent random streams from one root seed (numpy SeedSequence)."""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """One root seed; one stream per subsystem name.

    A stream's key is a stable hash of its name, so adding a subsystem never reshuffles another's
    draws, and two scenarios with the same seed share each stream (common random numbers).
    """

    def __init__(self, seed: int, run_key: tuple[int, ...] = ()) -> None:
        self.seed = int(seed)
        self.run_key = tuple(run_key)

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        key = (*self.run_key, zlib.crc32(name.encode("utf-8")))
        return np.random.SeedSequence(self.seed, spawn_key=key)

    def generator(self, name: str) -> np.random.Generator:
        """A fresh generator for the named subsystem; the same name always gives the same draws."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))


def run_seed(root: int, replication: int) -> int:
    """The scenario seed of a replication: from the root seed and the replication alone, so
    replication r of every design point or variant shares its random streams (common random
    numbers) and differences between them are not noise."""
    state = np.random.SeedSequence(root, spawn_key=(replication,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))  # a non-negative 63-bit integer
