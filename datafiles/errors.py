"""User-facing errors: each names where (file, line, key path), what was expected, and a hint."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located precisely enough to fix it."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    key: str | None = None
    expected: str | None = None
    found: str | None = None
    hint: str | None = None

    def render(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        head = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        lines = [f"error: {head}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.found is not None:
            lines.append(f"  found:    {self.found}")
        if self.hint:
            lines.append(f"  hint:     {self.hint}")
        return "\n".join(lines)


@dataclass
class UserError(Exception):
    """Bad input from a user; the CLI prints it and exits 2, without a traceback."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.render() for p in self.problems)

    @classmethod
    def one(cls, message: str, **where: object) -> UserError:
        return cls([Problem(message, **where)])  # type: ignore[arg-type]


class AtKey(ValueError):
    """A model validator's fault at a key path below the model it checks (``("combined", 0,
    "all_of")``), so the message names that key and line, not the whole file."""

    def __init__(self, message: str, *path: str | int, hint: str | None = None) -> None:
        super().__init__(message)
        self.path, self.hint = tuple(path), hint


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a misspelt name, or None when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
