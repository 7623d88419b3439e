"""Validate data against a pydantic model, turning its errors into located Problems."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from datafiles.errors import AtKey, Problem, UserError, did_you_mean
from datafiles.locate import KeyPath, Origin, format_key


def validate[M: BaseModel](
    model: type[M], data: Any, origins: dict[KeyPath, Origin], file: str
) -> M:
    """``model.model_validate(data)``, or a UserError naming file, line and key of each fault."""
    try:
        return model.model_validate(data, context={"data_file": file})
    except ValidationError as exc:
        problems = [_problem(err, origins, model, file) for err in exc.errors()]
        raise UserError(problems) from None


def _problem(
    err: Mapping[str, Any], origins: dict[KeyPath, Origin], model: type[BaseModel], top: str
) -> Problem:
    loc: KeyPath = tuple(err["loc"])
    at = (err.get("ctx") or {}).get("error")
    if isinstance(at, AtKey):  # a fault a validator located below its model
        found = _dig(err.get("input"), at.path)
        loc = (*loc, *at.path)
        err = {**err, "input": found, "msg": str(at), "hint": at.hint}
    file, line, col = _origin_of(loc, origins, top)
    where = {"file": file, "line": line, "column": col, "key": format_key(loc) or None}
    if err["type"] == "extra_forbidden":
        allowed = fields_at(model, loc[:-1])
        return Problem(
            "unknown key",
            **where,
            expected="one of: " + ", ".join(allowed) if allowed else None,
            hint=did_you_mean(str(loc[-1]), allowed) or "remove the key or check its spelling",
        )
    if err["type"] == "missing":
        parent = format_key(loc[:-1]) or "the top level"
        return Problem("required key is missing", **where, hint=f"add '{loc[-1]}:' under {parent}")
    value_at = origins.get((*loc, "<value>"))
    if value_at:
        where.update(file=value_at[0], line=value_at[1], column=value_at[2])
    return Problem(
        "invalid value",
        **where,
        expected=err["msg"].removeprefix("Value error, "),
        found=_short(err.get("input")),
        hint=_hint(err),
    )


def _origin_of(loc: KeyPath, origins: dict[KeyPath, Origin], top: str) -> Origin:
    for i in range(len(loc), -1, -1):
        if loc[:i] in origins:
            return origins[loc[:i]]
    return (top, None, None)


def fields_at(model: Any, loc: KeyPath) -> list[str]:
    """The field names a model accepts at a key path (for 'did you mean')."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = field.annotation
        for arg in getattr(model, "__args__", ()):  # list[Model], Model | None
            if hasattr(arg, "model_fields"):
                model = arg
    return list(getattr(model, "model_fields", {}))


def _dig(value: Any, path: KeyPath) -> Any:
    """The value at ``path`` inside ``value`` (a validator's input), None if absent."""
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _hint(err: Mapping[str, Any]) -> str | None:
    if err.get("hint"):
        return err["hint"]
    if err["type"].startswith("date"):
        return "write dates as YYYY-MM-DD, e.g. 2022-06-01"
    if "at most 100 years" in err["msg"]:
        return "no setting of the twin lasts longer than a century"
    if "duration" in err["msg"]:
        return "durations need a unit: s, m, h, d or w"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
