"""Field types of data files beside durations: shares, positive numbers, times of day, and
paths relative to the file that names them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, ValidationInfo

Share = Annotated[float, Field(ge=0.0, le=1.0)]
"""A share or probability in [0, 1]."""
Positive = Annotated[float, Field(gt=0.0)]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def _folder_name(name: str) -> str:
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(
            "a name of letters, digits, '.', '_' and '-' (at most 100), starting with a letter "
            "or digit: it names a folder"
        )
    return name


FolderName = Annotated[str, AfterValidator(_folder_name)]
"""A name that becomes a folder's (a run's, a sweep's): no path separators, no '..'."""


class _PathMarker:
    """Marks a field holding a file path; the loader resolves it against the file that wrote it."""


IS_PATH = _PathMarker()
FilePath = Annotated[Path, IS_PATH, PlainSerializer(str, return_type=str, when_used="json")]
"""A path, written relative to the file that names it."""


def _time_of_day(value: object, info: ValidationInfo) -> float:
    """In a data file, HH:MM; in code, a float is seconds since midnight."""
    if not (info.context and "data_file" in info.context) and isinstance(value, float):
        return value
    return _parse_time_of_day(value)


def _parse_time_of_day(value: object) -> float:
    # YAML 1.1 reads an unquoted 20:00 as the base-60 number 1200: minutes since midnight
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return value * 60.0
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("a time of day as HH:MM, e.g. 09:30")
    hours, minutes = value.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def hh_mm(seconds: float) -> str:
    """Seconds since midnight as HH:MM."""
    return f"{int(seconds // 3600):02d}:{int(seconds % 3600 // 60):02d}"


def time_of_day(value: object) -> float:
    """Seconds since midnight from HH:MM (or the number YAML 1.1 makes of it)."""
    return value if isinstance(value, float) else _parse_time_of_day(value)


TimeOfDay = Annotated[
    float, BeforeValidator(_time_of_day), PlainSerializer(hh_mm, return_type=str, when_used="json")
]
"""Seconds since midnight, written HH:MM."""


def _ordered(hours: tuple[float, float]) -> tuple[float, float]:
    if not hours[0] < hours[1]:
        raise ValueError("a span of the day that ends after it starts, e.g. [08:00, 18:00]")
    return hours


Hours = Annotated[tuple[TimeOfDay, TimeOfDay], AfterValidator(_ordered)]
"""A span of each day, [from, to] as HH:MM, ending after it starts (office hours, a shift)."""
