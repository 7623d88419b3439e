"""Durations with units, as written in files: ``90s``, ``15m``, ``2h``, ``30d``, ``1h30m``."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, ValidationInfo

SECONDS_PER_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_WHOLE = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*[smhdw]\s*)+")
DURATION_EXPECTED = "a duration with a unit, e.g. 90s, 15m, 2h, 30d or 1h30m"
MAX_DURATION = 100 * 365 * 86400  # a century: no setting of the twin means more


def parse_duration(text: str) -> float:
    """Seconds in a duration string; raises ValueError naming the accepted forms."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"{DURATION_EXPECTED} (a bare number has no unit)")
    if not _WHOLE.fullmatch(text):
        raise ValueError(DURATION_EXPECTED)
    seconds = float(sum(float(n) * SECONDS_PER_UNIT[u] for n, u in _PART.findall(text)))
    if seconds > MAX_DURATION:
        raise ValueError(f"{DURATION_EXPECTED}, at most 100 years")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact duration string for a number of seconds (inverse of parse_duration)."""
    if seconds == 0:
        return "0s"
    out, rest = [], float(seconds)
    for unit in ("d", "h", "m"):
        n, rest = divmod(rest, SECONDS_PER_UNIT[unit])
        if n:
            out.append(f"{int(n)}{unit}")
    if rest:
        out.append(f"{rest:g}s")
    return "".join(out)


def _duration(value: object, info: ValidationInfo) -> float:
    """In a data file a duration needs its unit; in code, a number is seconds."""
    from_file = bool(info.context and "data_file" in info.context)
    if not from_file and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return parse_duration(value)  # type: ignore[arg-type]


Duration = Annotated[
    float,
    BeforeValidator(_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
"""A pydantic field type: seconds, written in files with a unit (90s, 15m, 2h, 30d); code
that builds a model directly may give seconds as a number."""
