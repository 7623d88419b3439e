"""How a parameter value is shown, in the report's tables and the figure's axes."""

from __future__ import annotations

import math


def number(v: float) -> str:
    """A parameter value with three significant digits, never in scientific notation."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    decimals = max(0, 2 - math.floor(math.log10(abs(v))))
    return f"{v:,.{decimals}f}"
