"""Rules across policies, declared in a package file: one policy of several (``exclusive``),
the highest of several (``highest_of``), a cap the package's policies share per beneficiary
(``cap``, over a day, a calendar year, N years or ever), and netting one award against others
(``net``). Applied by the platform to each day's decisions, on its own record of what it has
granted (``Grants``); docs/policy-language.md says exactly how.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from datafiles import AtKey, Problem, Strict, did_you_mean, read_yaml, validate
from datafiles.kinds import expect_kind
from matching.policy import ID_PATTERN, Source

_YEARS = re.compile(r"^([1-9]\d?)y$")
WINDOW_EXPECTED = (
    "'day' (one day's decisions), 'year' (the calendar year), 'Ny' (N years) or 'ever'"
)
PolicyId = Annotated[str, Field(pattern=ID_PATTERN)]
Members = Annotated[list[PolicyId], Field(min_length=2, max_length=200)]


def _window(text: str) -> str:
    if text in ("day", "year", "ever") or _YEARS.match(text):
        return text
    raise ValueError(f"a window: {WINDOW_EXPECTED}")


class Exclusive(Strict):
    """A beneficiary gets one of these: the one already granted, else the first listed that
    finds it eligible."""

    exclusive: Members


class HighestOf(Strict):
    """A beneficiary gets one of these: the one already granted, else the one with the highest
    amount (ties: the first listed)."""

    highest_of: Members


class Cap(Strict):
    """What the listed policies (all of the package's by default) grant one beneficiary within
    the window adds up to at most ``cap`` yuan; later-listed policies are cut first."""

    cap: Annotated[float, Field(gt=0, le=1e9)]
    over: str = "day"
    policies: Members | None = None

    @field_validator("over")
    @classmethod
    def _over(cls, text: str) -> str:
        return _window(text)


class Net(Strict):
    """``net``'s amount is reduced by what the ``of`` policies granted the same beneficiary
    within the window (and decide today), down to 0."""

    net: PolicyId
    of: Annotated[list[PolicyId], Field(min_length=1, max_length=200)]
    over: str = "year"

    @field_validator("over")
    @classmethod
    def _over(cls, text: str) -> str:
        return _window(text)


RULE_KINDS = ("exclusive", "highest_of", "cap", "net")


def _rule_kind(value: object) -> str | None:
    """Which rule a mapping is, by the key that names it."""
    if isinstance(value, Exclusive | HighestOf | Cap | Net):
        return type(value).__name__.lower().replace("highestof", "highest_of")
    if isinstance(value, dict):
        return next((k for k in RULE_KINDS if k in value), None)
    return None


PackageRule = Annotated[
    Annotated[Exclusive, Tag("exclusive")]
    | Annotated[HighestOf, Tag("highest_of")]
    | Annotated[Cap, Tag("cap")]
    | Annotated[Net, Tag("net")],
    Discriminator(
        _rule_kind,
        custom_error_type="rule_kind",
        custom_error_message="a rule names one of exclusive, highest_of, cap or net",
    ),
]


class PackageSpec(Strict):
    """A package of policies and the rules across them, in the order they apply."""

    package: Annotated[str, Field(pattern=ID_PATTERN)]
    title: str
    department: str = ""
    source: Source
    policies: Members
    rules: Annotated[list[PackageRule], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _members_named(self) -> PackageSpec:
        if len(set(self.policies)) != len(self.policies):
            raise ValueError("policies lists a policy twice")
        for i, rule in enumerate(self.rules):
            if isinstance(rule, Net) and rule.net in rule.of:
                raise AtKey(f"'{rule.net}' nets a policy against itself", "rules", i, "of",
                            hint="list the other awards under of")  # fmt: skip
            for name, ids in _named(rule):
                if len(set(ids)) != len(ids):
                    raise AtKey(f"rule {i + 1} names a policy twice", "rules", i, name)
                for pid in ids:
                    if pid not in self.policies:
                        raise AtKey(
                            f"'{pid}' is not one of the package's policies",
                            "rules", i, name,
                            hint=did_you_mean(pid, self.policies)
                            or "list it under 'policies' first",
                        )  # fmt: skip
        return self

    def members(self, rule: PackageRule) -> list[str]:
        """The policies a rule reads, in the package's order."""
        if isinstance(rule, Exclusive):
            return rule.exclusive
        if isinstance(rule, HighestOf):
            return rule.highest_of
        if isinstance(rule, Cap):
            return [p for p in self.policies if p in (rule.policies or self.policies)]
        return [rule.net, *rule.of]


def _named(rule: PackageRule) -> list[tuple[str, list[str]]]:
    if isinstance(rule, Exclusive):
        return [("exclusive", rule.exclusive)]
    if isinstance(rule, HighestOf):
        return [("highest_of", rule.highest_of)]
    if isinstance(rule, Cap):
        return [("policies", rule.policies or [])]
    return [("net", [rule.net]), ("of", rule.of)]


def since(over: str, on: dt.date) -> dt.date | None:
    """The first day a window reaching ``on`` covers (None: ever; ``on`` itself for a day)."""
    if over == "ever":
        return None
    if over == "day":
        return on
    if over == "year":
        return dt.date(on.year, 1, 1)
    years = int(over[:-1])
    try:
        return on.replace(year=on.year - years) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        return dt.date(on.year - years, 3, 1)


def load_package(path: str | Path) -> tuple[PackageSpec, dict]:
    """Read and validate a package file; a UserError locates every fault. Returns the package
    and the origins of its keys, for ``member_problems``."""
    data, origins = read_yaml(Path(path))
    expect_kind(path, data, "package")
    return validate(PackageSpec, data, origins, str(path)), origins


def member_problems(
    spec: PackageSpec, file: str, origins: dict, targets: Mapping[str, str]
) -> list[Problem]:
    """A package names policies the scenario (or the check) has, all of one target."""
    out = []
    for i, pid in enumerate(spec.policies):
        if pid not in targets:
            out.append(Problem(
                f"package {spec.package}: no policy has the id '{pid}'",
                file=file, line=origins.get(("policies", i), (None, None))[1],
                key=f"policies[{i}]",
                hint="; ".join(filter(None, [did_you_mean(pid, targets),
                                             "or name the policy's file beside the package"])),
            ))  # fmt: skip
    kinds = {targets[p] for p in spec.policies if p in targets}
    if len(kinds) > 1:
        out.append(Problem(
            f"package {spec.package} mixes enterprise and person policies",
            file=file, line=origins.get(("policies",), (None, None))[1], key="policies",
            hint="a package's rules compare what one beneficiary gets: one target per package",
        ))  # fmt: skip
    return out
