"""Hours of the day a rule's condition may hold: ``during: ["22:00-06:00"]``.

A span ``HH:MM-HH:MM`` starts at its first time (inclusive) and ends at its second (exclusive);
one whose end comes before its start runs over midnight, and ``00:00-24:00`` is the whole day.
Times are the local clock: the engine's ``day_start`` says which instant of its clock is a
local midnight (0 by default: the clock counts seconds from a midnight).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from datafiles.types import time_of_day

DAY = 86400.0
SPAN_EXPECTED = "hours of the day as 'HH:MM-HH:MM', e.g. '22:00-06:00' (over midnight)"


def parse_span(text: object) -> tuple[float, float]:
    """``HH:MM-HH:MM`` -> (start, end) in seconds after midnight, checked; the end may be
    ``24:00``."""
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) != 2:
        raise ValueError(SPAN_EXPECTED)
    try:
        start = time_of_day(parts[0].strip())
        end = DAY if parts[1].strip() == "24:00" else time_of_day(parts[1].strip())
    except ValueError:
        raise ValueError(
            f"{SPAN_EXPECTED}; hours 00-23 (24:00 as an end) and minutes 00-59"
        ) from None
    if start == end:
        raise ValueError(f"{SPAN_EXPECTED}; a span's start and end differ ('00:00-24:00': all day)")
    return start, end


def _spans(value: object) -> object:
    """One span or a list of them, as written."""
    return [value] if isinstance(value, str) else value


def _check(value: object) -> str:
    parse_span(value)
    return value  # type: ignore[return-value]


Span = Annotated[str, BeforeValidator(_check)]
Spans = Annotated[list[Span], BeforeValidator(_spans)]


def within(spans: list[str], now: float, day_start: float = 0.0) -> bool:
    """Whether the local time of ``now`` falls in one of the spans (none: always)."""
    if not spans:
        return True
    clock = (now - day_start) % DAY
    for text in spans:
        start, end = parse_span(text)
        if (start <= clock < end) if start < end else (clock >= start or clock < end):
            return True
    return False
