"""Argument types the commands share."""

from __future__ import annotations

import argparse


def at_least_one(text: str) -> int:
    """A count on the command line: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return n
