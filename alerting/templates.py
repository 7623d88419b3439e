"""Label and annotation templates: ``{{ $labels.name }}`` and ``{{ $value }}``, nothing else.

``{{ $value }}`` prints as Go prints a float64, so that alerts read the same as Prometheus's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
_TEMPLATE_PART = re.compile(r"^\s*\$(value|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*$")


def check_template(text: str) -> str:
    """Only ``{{ $labels.name }}`` and ``{{ $value }}`` may appear in labels and annotations."""
    for inner in _TEMPLATE.findall(text):
        if not _TEMPLATE_PART.match(inner):
            raise ValueError(
                f"template {{{{{inner}}}}} is not supported: use {{{{ $labels.name }}}} or "
                "{{ $value }}"
            )
    return text


def _check_all(values: dict[str, str]) -> dict[str, str]:
    for v in values.values():
        check_template(v)
    return values


Templates = Annotated[dict[str, str], AfterValidator(_check_all)]
"""Labels or annotations whose values may hold templates (checked when a file is read)."""


def render(template: str, ctx: Mapping[str, Any]) -> str:
    """Expand ``{{ $labels.x }}`` and ``{{ $value }}`` (checked at load)."""

    def one(m: re.Match) -> str:
        part = _TEMPLATE_PART.match(m.group(1))
        assert part is not None
        if part.group(2):
            return ctx["labels"].get(part.group(2), "")
        return go_float(ctx["value"])

    return _TEMPLATE.sub(one, template)


def go_float(x: float) -> str:
    """A float64 as Go's fmt prints it with %v: shortest digits; exponent form below 1e-4 and
    from 1e6 up (strconv's %g with shortest precision decides with precision 6)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    digits, exp = _shortest(x)
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        sign = "-" if x < 0 else ""
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return _plain(x)


def _shortest(x: float) -> tuple[str, int]:
    """Shortest round-trip digits and decimal exponent of |x| (as in d.ddd x 10^exp)."""
    text = repr(abs(float(x)))
    if "e" in text:
        m, _, e = text.partition("e")
        digits = m.replace(".", "").rstrip("0") or "0"
        return digits, int(e)
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if whole != "0":
        return (whole + frac).rstrip("0") or "0", len(whole) - 1
    stripped = frac.lstrip("0")
    return stripped, -(len(frac) - len(stripped)) - 1


def _plain(x: float) -> str:
    digits, exp = _shortest(x)
    sign = "-" if x < 0 else ""
    if exp >= 0:
        whole = digits[: exp + 1].ljust(exp + 1, "0")
        frac = digits[exp + 1 :]
    else:
        whole, frac = "0", "0" * (-exp - 1) + digits
    return sign + whole + ("." + frac if frac else "")
