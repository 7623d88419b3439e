"""Load scenario files: YAML with line numbers, ``extends:``, ``--set`` overrides, clear errors."""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from datafiles import KeyPath, Origin, UserError, format_key, read_yaml, validate
from datafiles.kinds import expect_kind
from datafiles.roots import confined, data_roots
from datafiles.types import IS_PATH
from twin.scenario.schema import MAX_TICKS, Scenario
from twin.scenario.variants import check_variants


def load_scenario(path: str | Path, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """Read, merge (extends), override and validate a scenario; raise UserError on bad input."""
    roots = data_roots(path)
    data, origins = _load_with_extends(Path(path), chain=(), roots=roots)
    _resolve_paths(data, origins, Scenario, (), roots)
    _resolve_variant_paths(data, origins, roots)
    for key, value, origin in _parse_overrides(overrides):
        _set_key(data, origins, key, value, origin)
        _resolve_paths(data, origins, Scenario, (), roots)
    scenario = validate(Scenario, data, origins, str(path))
    _within_budget(scenario, origins, str(path))
    check_variants(scenario, origins)
    return scenario


def _within_budget(scenario: Scenario, origins: dict, file: str) -> None:
    """Work a run would do, bounded before it starts (docs/robustness.md)."""
    ticks = scenario.duration / scenario.sensing.tick
    if scenario.sensing.enabled and ticks > MAX_TICKS:
        where = origins.get(("sensing", "tick")) or origins.get(("duration",)) or (file, None, None)
        raise UserError.one(
            f"sensing would evaluate {ticks:,.0f} ticks (duration / sensing.tick), more than "
            f"the budget of {MAX_TICKS:,}",
            file=where[0],
            line=where[1],
            key="sensing.tick",
            hint="a longer sensing.tick, a shorter duration, or sensing.enabled: false",
        )


# -- reading files ---------------------------------------------------------------------------


def _load_with_extends(
    path: Path, chain: tuple[Path, ...], roots: tuple[Path, ...]
) -> tuple[dict, dict[KeyPath, Origin]]:
    if path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path.resolve()))
        raise UserError.one("extends forms a cycle", file=str(path), found=cycle)
    data, origins = read_yaml(path)
    if data is None:
        data = {}
    expect_kind(path, data, "scenario")
    if not isinstance(data, dict):
        raise UserError.one(
            "a scenario file must be a mapping of keys to values",
            file=str(path),
            line=1,
            found=type(data).__name__,
            hint="start the file with 'name: my-scenario'",
        )
    base = data.pop("extends", None)
    if base is None:
        return data, origins
    if not isinstance(base, str):
        file, line, col = origins[("extends",)]
        raise UserError.one(
            "extends must name one scenario file",
            file=file,
            line=line,
            column=col,
            key="extends",
            expected="a path",
            found=repr(base),
        )
    file, line, _ = origins[("extends",)]
    base_path = confined(path.parent / base, roots, file=file, line=line, key="extends")
    base_data, base_origins = _load_with_extends(base_path, (*chain, path.resolve()), roots)
    origins.pop(("extends",), None)
    return _merge(base_data, data), {**base_origins, **origins}


def _merge(base: dict, over: dict) -> dict:
    """Deep merge: mappings merge key by key; anything else in ``over`` replaces ``base``."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# -- overrides -------------------------------------------------------------------------------


def _parse_overrides(
    overrides: Iterable[str] | Mapping[str, Any],
) -> list[tuple[KeyPath, Any, Origin]]:
    if isinstance(overrides, Mapping):
        return [
            (tuple(k.split(".")), v, (f"override {k}", None, None)) for k, v in overrides.items()
        ]
    out = []
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UserError.one(
                "an override must look like key.path=value",
                file="--set",
                found=item,
                hint="for example --set city.scale=0.01",
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        except (ValueError, TypeError, OverflowError, AttributeError):  # 2022-02-30
            raise UserError.one(
                f"'{raw}' cannot be read: it looks like a date or number that does not exist",
                file=f"--set {item}",
                key=key.strip(),
                expected="a date that exists (YYYY-MM-DD), a number, or text",
                hint="quote it to mean text: --set 'key=\"value\"'",
            ) from None
        out.append((tuple(key.strip().split(".")), value, (f"--set {item}", None, None)))
    return out


def _set_key(data: dict, origins: dict, key: KeyPath, value: Any, origin: Origin) -> None:
    node = data
    for i, part in enumerate(key[:-1]):
        child = node.get(part)
        if not isinstance(child, dict):
            if child is not None:
                raise UserError.one(
                    "cannot set a key inside a value that is not a mapping",
                    file=origin[0],
                    key=format_key(key[: i + 1]),
                    found=repr(child),
                )
            # a mapping the file does not write starts from its default: setting one share of
            # catalogue.delivery_from_version_2 keeps the others
            child = node[part] = _default_mapping(key[: i + 1])
        node = child
    node[key[-1]] = value
    for k in [k for k in origins if k[: len(key)] == key]:
        del origins[k]
    origins[key] = origin


def _default_mapping(key: KeyPath) -> dict:
    """The schema's default at ``key`` when it is a mapping with entries (a copy), else {}."""
    model: Any = Scenario
    field = None
    for part in key:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return {}
        fields = model.model_fields
        field = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if field is None:
            return {}
        model = field.annotation
    default = None if field is None else field.get_default(call_default_factory=True)
    return copy.deepcopy(default) if isinstance(default, dict) else {}


# -- paths -----------------------------------------------------------------------------------


def _resolve_paths(
    data: Any, origins: dict, model: type[BaseModel], key: KeyPath, roots: tuple[Path, ...]
) -> None:
    """Make every path field relative to the directory of the file (or cwd) that wrote it,
    and confine the ones a file wrote to the data roots."""
    if not isinstance(data, dict):
        return
    for name, field in model.model_fields.items():
        if name not in data:
            continue
        ann, meta = field.annotation, field.metadata
        sub = (*key, name)
        union = typing.get_origin(ann) in (typing.Union, types.UnionType)
        optional = [a for a in typing.get_args(ann) if a is not type(None)] if union else []
        if IS_PATH in meta or (len(optional) == 1 and _is_path(optional[0])):
            data[name] = _resolved(data[name], origins.get(sub), sub, roots)
        elif typing.get_origin(ann) is list and _is_path(typing.get_args(ann)[0]):
            if isinstance(data[name], list):
                data[name] = [
                    _resolved(v, origins.get((*sub, i), origins.get(sub)), (*sub, i), roots)
                    for i, v in enumerate(data[name])
                ]
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            _resolve_paths(data[name], origins, ann, sub, roots)


def _path_keys(model: type[BaseModel] = Scenario, prefix: str = "") -> set[str]:
    """Dotted keys of single path fields, e.g. ``sensing.rules``."""
    out = set()
    for name, field in model.model_fields.items():
        ann = field.annotation
        union = typing.get_origin(ann) in (typing.Union, types.UnionType)
        optional = [a for a in typing.get_args(ann) if a is not type(None)] if union else []
        if IS_PATH in field.metadata or (len(optional) == 1 and _is_path(optional[0])):
            out.add(prefix + name)
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            out |= _path_keys(ann, f"{prefix}{name}.")
    return out


def _resolve_variant_paths(data: Any, origins: dict, roots: tuple[Path, ...]) -> None:
    """A variant that names a file (``sensing.rules: rules/strict.yaml``) names it relative to
    the scenario file that wrote the variant, like every other path."""
    variants = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(variants, dict):
        return
    keys = _path_keys()
    for name, overrides in variants.items():
        if not isinstance(overrides, dict):
            continue
        for key, value in overrides.items():
            if key in keys:
                where = ("variants", name, key)
                overrides[key] = _resolved(value, origins.get(where), where, roots)


def _is_path(ann: Any) -> bool:
    return IS_PATH in getattr(ann, "__metadata__", ())


def _resolved(value: Any, origin: Origin | None, key: KeyPath, roots: tuple[Path, ...]) -> Any:
    """The path made absolute; confined unless the user typed it (``--set``) at the shell."""
    if not isinstance(value, str):
        return value
    file, line, _ = origin or ("<scenario>", None, None)
    typed = file.startswith(("--set", "override"))
    base = Path() if typed or file == "<scenario>" else Path(file).parent
    if typed:
        return str((base / value).resolve())
    return str(confined(base / value, roots, file=file, line=line, key=format_key(key)))
