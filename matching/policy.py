"""A policy file: one policy, one id, its legal source, validity dates and rules as data."""

from __future__ import annotations

import ast
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from datafiles import Origin, Problem, Strict, UserError, read_yaml, validate
from datafiles.kinds import expect_kind
from matching.expression import Expr, ExpressionError, compile_expression
from matching.fields import Registry
from matching.nodes import Const, Logic, Node, Tiers, bind

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,80}$"
HEAD_ONLY = 'relation == "head"'  # the condition ``pay_to: household_head`` adds


class Source(Strict):
    """The document and article a policy comes from."""

    document: str
    article: str = ""


class Parameter(Strict):
    """A named amount or threshold whose value changes by date (old values stay)."""

    unit: str = ""
    source: str = ""
    values: Annotated[dict[dt.date, float], Field(min_length=1)]

    def value_on(self, on: dt.date) -> float | None:
        """The value in force on a date: the latest dated value on or before it."""
        past = [d for d in self.values if d <= on]
        return self.values[max(past)] if past else None


class Condition(Strict):
    """One condition of eligibility, with the article that states it."""

    when: str
    article: str = ""


class Budget(Strict):
    """Money set aside for the policy and what happens when it runs out."""

    total: Annotated[float, Field(gt=0)]  # yuan
    when_exhausted: Literal["first_come", "pro_rata", "waitlist"] = "first_come"


class Schedule(Strict):
    """How often the policy pays one beneficiary: once, or in each month or year (from its
    first day) while the platform still finds them eligible, up to ``periods`` payments;
    ``stop_when`` ends a beneficiary's payments for good, ``back_pay`` pays the periods since
    the policy's first when a beneficiary is first paid (docs/policy-language.md)."""

    every: Literal["once", "month", "year"] = "once"
    periods: Annotated[int, Field(ge=1, le=1200)] | None = None  # at most; None: while in force
    stop_when: str | None = None  # a condition, as eligible's, checked at each new period
    back_pay: bool = False

    @model_validator(mode="after")
    def _recurring(self) -> Schedule:
        if self.every == "once" and (self.stop_when is not None or self.back_pay):
            raise ValueError(
                "stop_when and back_pay need a recurring schedule: every month or year"
            )
        return self

    def label_of(self, index: int) -> str:
        """The name of period ``index`` (as ``index`` counts them): 2022-06, 2022 or run."""
        if self.every == "month":
            return f"{index // 12:04d}-{index % 12 + 1:02d}"
        return f"{index:04d}" if self.every == "year" else "run"

    def index(self, on: dt.date) -> int:
        """The period ``on`` falls in: 0 for once, else months or years since year 0."""
        if self.every == "month":
            return on.year * 12 + on.month - 1
        return on.year if self.every == "year" else 0

    def label(self, on: dt.date) -> str:
        """The period's name in the ledger's idempotency key: run, 2022-06 or 2022."""
        return self.label_of(self.index(on))


class Expected(Strict):
    """What a policy test expects: eligible (true, false or review) and the amount."""

    eligible: bool | Literal["review"]
    amount: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None  # yuan


class PolicyTest(Strict):
    """An officer's test case: an entity (missing fields are unknown) and what it should get."""

    name: str
    date: dt.date | None = None
    input: dict[str, Any]
    output: Expected


class PolicySpec(Strict):
    """The policy as written in its file, before its expressions are compiled."""

    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: str
    department: str
    target: Literal["enterprise", "person"]
    source: Source
    valid_from: dt.date
    valid_to: dt.date | None = None
    parameters: dict[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")], Parameter] = {}
    eligible: str | Annotated[list[Condition], Field(min_length=1)]
    amount: str
    budget: Budget | None = None
    delivery: Literal["apply", "push", "auto"] = "push"
    pay_to: Literal["person", "household_head"] = "person"  # once per household: to its head
    schedule: Schedule = Schedule()
    evidence: list[str] = []
    tests: list[PolicyTest] = []

    @model_validator(mode="after")
    def _dates_in_order(self) -> PolicySpec:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.pay_to == "household_head" and self.target != "person":
            raise ValueError("pay_to: household_head needs target: person")
        if "today" in self.parameters:
            raise ValueError("'today' is the evaluation date: name the parameter otherwise")
        for name, p in self.parameters.items():
            if p.value_on(self.valid_from) is None:
                raise ValueError(f"parameter '{name}' has no value on valid_from {self.valid_from}")
        return self


@dataclass(frozen=True)
class CompiledCondition:
    """One condition of eligibility, compiled, with its text and article."""

    text: str
    article: str
    expr: Expr


@dataclass(frozen=True)
class BoundPolicy:
    """A policy with its parameters fixed for one date: what the engine evaluates."""

    id: str
    target: str
    eligible: Node
    amount: Node
    conditions: tuple[tuple[str, str, Node], ...]  # (text, article, node)
    stop: Node | None = None  # the schedule's stop rule


@dataclass(frozen=True)
class Policy:
    """A compiled policy: its spec, its conditions and amount, and where it was read from."""

    spec: PolicySpec
    conditions: tuple[CompiledCondition, ...]
    amount: Expr
    file: str
    origins: Mapping[Any, Origin]
    stop: Expr | None = None  # the schedule's stop_when, compiled

    @property
    def id(self) -> str:
        """The policy's id, the same in its file, results, tests and explanations."""
        return self.spec.id

    @property
    def target(self) -> str:
        """Who the policy is for: person or enterprise."""
        return self.spec.target

    @cached_property
    def eligible_node(self) -> Node:
        """All conditions as one node (their conjunction)."""
        nodes = tuple(c.expr.node for c in self.conditions)
        return nodes[0] if len(nodes) == 1 else Logic(True, nodes)

    @cached_property
    def fields(self) -> frozenset[str]:
        """The library fields its conditions and amount read (what matching reads; the stop
        rule reads its own, at renewals)."""
        return self.eligible_node.fields() | self.amount.node.fields()

    def in_force(self, on: dt.date) -> bool:
        """Whether the policy is valid on a date."""
        s = self.spec
        return s.valid_from <= on and (s.valid_to is None or on <= s.valid_to)

    def parameters_on(self, on: dt.date) -> dict[str, float]:
        """Each parameter's value on a date (its first value before valid_from)."""
        when = max(on, self.spec.valid_from)
        return {k: p.value_on(when) for k, p in self.spec.parameters.items()}  # type: ignore[misc]

    def bind(self, on: dt.date) -> BoundPolicy:
        """The policy with its parameters fixed for a date: what the engine evaluates."""
        params = self.parameters_on(on)
        conds = tuple((c.text, c.article, bind(c.expr.node, params)) for c in self.conditions)
        nodes = tuple(c[2] for c in conds)
        eligible = nodes[0] if len(nodes) == 1 else Logic(True, nodes)
        stop = None if self.stop is None else bind(self.stop.node, params)
        amount = bind(self.amount.node, params)
        return BoundPolicy(self.id, self.target, eligible, amount, conds, stop)


def load_policy(path: str | Path, registries: Mapping[str, Registry]) -> Policy:
    """Read, validate and compile one policy file; a UserError locates every fault."""
    data, origins = read_yaml(Path(path))
    expect_kind(path, data, "policy")
    spec = validate(PolicySpec, data, origins, str(path))
    return compile_policy(spec, registries[spec.target], str(path), origins)


def compile_policy(
    spec: PolicySpec, registry: Registry, file: str = "<policy>", origins=None
) -> Policy:
    """Compile a validated spec's expressions against the registry of its target."""
    origins = origins or {}
    params = tuple(spec.parameters)
    problems: list[Problem] = []
    if isinstance(spec.eligible, str):
        written = [(spec.eligible, spec.source.article, ("eligible",))]
    else:
        written = [
            (c.when, c.article, ("eligible", i, "when")) for i, c in enumerate(spec.eligible)
        ]
    conditions = []
    for text, article, key in written:
        expr = _compile(text, registry, "bool", params, key, file, origins, problems)
        if expr is not None:
            conditions += [CompiledCondition(t, article, e) for t, e in _conjuncts(expr)]
    if spec.pay_to == "household_head":
        key = ("pay_to",)
        expr = _compile(HEAD_ONLY, registry, "bool", params, key, file, origins, problems)
        if expr is not None:
            conditions.append(CompiledCondition(HEAD_ONLY, "paid once per household", expr))
    amount = _compile(spec.amount, registry, "number", params, ("amount",), file, origins, problems)
    stop = None
    if spec.schedule.stop_when is not None:
        key = ("schedule", "stop_when")
        stop = _compile(spec.schedule.stop_when, registry, "bool", params, key, file, origins,
                        problems)  # fmt: skip
    policy = None
    if not problems:
        policy = Policy(spec, tuple(conditions), amount, file, origins, stop)  # type: ignore[arg-type]
    if policy is not None:
        problems += _constant_amount(policy) + _tiers_in_order(policy)
    if problems:
        raise UserError(problems)
    return policy  # type: ignore[return-value]


def _constant_amount(policy: Policy) -> list[Problem]:
    """An amount that reads no field is one number for everyone: it must be one a treasury can
    pay (finite, at least 0, at most MAX_AMOUNT_YUAN) on every date of its parameters."""
    if policy.amount.node.fields():
        return []
    from matching.engine import MAX_AMOUNT_YUAN, raw_amounts
    from matching.table import Table

    dates = sorted({policy.spec.valid_from, *_parameter_dates(policy.spec)})
    values = [float(raw_amounts(policy.bind(d).amount, Table({}), d, 1)[0]) for d in dates]
    bad = [v for v in values if not (math.isfinite(v) and 0 <= v <= MAX_AMOUNT_YUAN)]
    if not bad:
        return []
    return [
        Problem(
            (
                f"the amount is {bad[0]:,.2f} yuan for everyone"
                if math.isfinite(bad[0])
                else "the amount is not a finite number (a division by zero?)"
            ),
            file=policy.file,
            line=policy.origins.get(("amount",), (None, None))[1],
            key="amount",
            expected=f"a finite amount from 0 to {MAX_AMOUNT_YUAN:,.0f} yuan",
            hint="check for a division by zero, a sign, or a unit (amounts are in yuan)",
        )
    ]


def _tiers_in_order(policy: Policy) -> list[Problem]:
    """A tiers() table whose thresholds are parameters must rise on every date they change."""
    end = policy.spec.valid_to or dt.date.max
    for on in sorted(d for d in {policy.spec.valid_from, *_parameter_dates(policy.spec)}
                     if d <= end):  # fmt: skip
        bound = policy.bind(on)
        roots = [("amount", bound.amount), ("eligible", bound.eligible)]
        if bound.stop is not None:
            roots.append(("schedule", bound.stop))
        for key, root in roots:
            for node in _nodes(root):
                if not isinstance(node, Tiers):
                    continue
                steps = [t.value if isinstance(t, Const) else t for t in node.thresholds]
                if steps != sorted(set(steps)):
                    shown = ", ".join(f"{v:g}" for v in steps)
                    return [Problem(
                        f"the tier thresholds do not increase on {on}: {shown}",
                        file=policy.file, line=policy.origins.get((key,), (None, None))[1],
                        key=key, expected="thresholds rising from the first step to the last",
                        hint="check the dated values of the parameters used as thresholds",
                    )]  # fmt: skip
    return []


def _nodes(node: Node):
    yield node
    for child in node.children():
        yield from _nodes(child)


def _parameter_dates(spec: PolicySpec) -> set[dt.date]:
    """Every date on which a parameter takes a new value."""
    return {when for p in spec.parameters.values() for when in p.values}


def _compile(text, registry, kind, params, key, file, origins, problems) -> Expr | None:
    try:
        return compile_expression(text, registry, kind=kind, params=params)
    except ExpressionError as exc:
        f, line, col = origins.get((*key, "<value>"), origins.get(key, (file, None, None)))
        inline = col is not None and exc.column is not None and "\n" not in text
        problems.append(
            Problem(
                str(exc),
                file=f,
                line=line,
                column=col + exc.column - 1 if inline else col,
                key=".".join(str(k) if isinstance(k, str) else f"[{k}]" for k in key).replace(
                    ".[", "["
                ),
                hint=exc.hint,
            )
        )
        return None


def _conjuncts(expr: Expr) -> list[tuple[str, Expr]]:
    """Split a top-level 'a and b and c' into its parts, each with its own text."""
    body = ast.parse(expr.text, mode="eval").body
    node = expr.node
    if isinstance(body, ast.BoolOp) and isinstance(body.op, ast.And) and isinstance(node, Logic):
        texts = [ast.get_source_segment(expr.text, v) or "" for v in body.values]
        return [(t, Expr(t, "bool", p)) for t, p in zip(texts, node.parts, strict=True)]
    return [(expr.text, expr)]
