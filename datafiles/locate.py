"""YAML with the file, line and column of every key, so errors can point at them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from datafiles.errors import UserError

KeyPath = tuple[str | int, ...]
Origin = tuple[str, int | None, int | None]  # file (or "--set ..."), line, column
MAX_FILE_BYTES = 1_000_000


def format_key(key: KeyPath) -> str:
    """``("policies", 1, "id")`` -> ``policies[1].id``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, dict[KeyPath, Origin]]:
    """Parse one YAML file; return its data and the line and column of every key.

    A file read before and unchanged since (same size and modification time) is not parsed
    again: a sweep's runs read the same policy and rule files thousands of times. Callers get
    their own copy to change.
    """
    if not path.is_file():
        hint = "check the path; relative paths are taken from the file that names them"
        raise UserError.one("file not found", file=str(path), hint=hint)
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, max_bytes)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = _read_yaml(path, stat.st_size, max_bytes)
    data, origins = _PARSED[key]
    return copy.deepcopy(data), dict(origins)


_PARSED: dict[tuple, tuple[Any, dict[KeyPath, Origin]]] = {}
_PARSED_MAX = 512


def _read_yaml(path: Path, size: int, max_bytes: int) -> tuple[Any, dict[KeyPath, Origin]]:
    if size > max_bytes:
        raise UserError.one(
            "file too large",
            file=str(path),
            expected=f"at most {max_bytes:,} bytes",
            found=f"{size:,} bytes",
            hint="split it into one file per policy or rule group",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserError.one("not UTF-8 text", file=str(path), found=str(exc)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise UserError.one(
            "YAML nested too deeply",
            file=str(path),
            hint="a data file needs only a few levels of nesting",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError.one(
            f"not valid YAML: {getattr(exc, 'problem', None) or type(exc).__name__}",
            file=str(path),
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="check indentation and that every 'key: value' has a space after the colon",
        ) from None
    origins: dict[KeyPath, Origin] = {}
    if node is None:
        return None, origins
    _walk_marks(node, (), str(path), origins, set())
    try:
        return yaml.SafeLoader(text).construct_document(node), origins
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError.one(
            f"not plain data: {getattr(exc, 'problem', None) or exc}",
            file=str(path),
            line=mark.line + 1 if mark else None,
            hint="data files hold text, numbers, dates, lists and mappings; tags like !!python "
            "are refused",
        ) from None


def _walk_marks(
    node: yaml.Node, key: KeyPath, file: str, out: dict[KeyPath, Origin], seen: set[int]
) -> None:
    if id(node) in seen:  # an alias: a second path to a node already read
        raise UserError.one(
            "YAML aliases (*name) are not allowed in data files",
            file=file,
            line=node.start_mark.line + 1,
            key=format_key(key),
            hint="write the value out in full",
        )
    seen.add(id(node))
    out[key] = (file, node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            child = (*key, k.value)
            _walk_marks(v, child, file, out, seen)
            out[(*child, "<value>")] = out[child]
            out[child] = (file, k.start_mark.line + 1, k.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _walk_marks(v, (*key, i), file, out, seen)
