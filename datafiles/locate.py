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
    try:
        found = path.is_file()
        stat = path.stat() if found else None
    except OSError as exc:  # a name too long, a loop of links, no permission
        raise UserError.one(
            f"cannot read the file: {exc.strerror}", file=str(path)[:200], hint="check the path"
        ) from None
    if stat is None:
        hint = "check the path; relative paths are taken from the file that names them"
        raise UserError.one("file not found", file=str(path), hint=hint)
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
    except _UNREADABLE as exc:  # a value its tag cannot be: 2022-02-30, !!int abc
        raise _bad_scalar(node, text, str(path), exc) from None


_UNREADABLE = (ValueError, TypeError, OverflowError, AttributeError)
_LOOKS = {"timestamp": "a date", "int": "a whole number", "float": "a number", "bool": "yes or no"}


def _bad_scalar(node: yaml.Node, text: str, file: str, exc: Exception) -> UserError:
    """The first scalar that cannot be read as what it looks like (a date that does not exist,
    ``!!int abc``), located by its line and key."""
    loader = yaml.SafeLoader(text)
    for key, scalar in _scalars(node, ()):
        try:
            loader.construct_object(scalar, deep=True)
        except _UNREADABLE:
            kind = scalar.tag.split(":")[-1]
            date = kind == "timestamp"
            return UserError.one(
                f"'{scalar.value}' is not {_LOOKS.get(kind, kind)}",
                file=file,
                line=scalar.start_mark.line + 1,
                column=scalar.start_mark.column + 1,
                key=format_key(key),
                expected="a date that exists, as YYYY-MM-DD" if date else _LOOKS.get(kind, kind),
                hint="quote a value meant as text" + ("" if date else "; drop the !!tag"),
            )
    return UserError.one(f"not plain data: {exc}", file=file)


def _scalars(node: yaml.Node, key: KeyPath):
    if isinstance(node, yaml.ScalarNode):
        yield key, node
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _scalars(v, (*key, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            yield from _scalars(v, (*key, i))


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
        names: set[str] = set()
        for k, v in node.value:
            _check_key(k, key, file, names)
            child = (*key, k.value)
            _walk_marks(v, child, file, out, seen)
            out[(*child, "<value>")] = out[child]
            out[child] = (file, k.start_mark.line + 1, k.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _walk_marks(v, (*key, i), file, out, seen)


def _check_key(k: yaml.Node, key: KeyPath, file: str, names: set[str]) -> None:
    """A mapping key is plain text (or a number), and appears once: YAML would silently keep
    the last of two."""
    where = {"file": file, "line": k.start_mark.line + 1, "column": k.start_mark.column + 1}
    if not isinstance(k, yaml.ScalarNode):
        raise UserError.one(
            "a key must be plain text, not a list or mapping",
            key=format_key(key),
            hint="write 'name: value'",
            **where,
        )
    if k.value in names:
        raise UserError.one(
            f"the key '{k.value}' appears twice in the same mapping",
            key=format_key((*key, k.value)),
            hint="YAML would keep only the last; remove or rename one",
            **where,
        )
    names.add(k.value)
