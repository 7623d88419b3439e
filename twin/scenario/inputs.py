"""The files a scenario names - field registries, policies, packages, alert rules - loaded and
compiled."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerting import RoutingConfig, RuleSet, load_routing, load_rules
from datafiles import Problem, UserError, did_you_mean
from matching import (
    PackageSpec,
    Policy,
    Registry,
    compile_policy,
    load_package,
    load_policy,
    load_registry,
    member_problems,
)
from sensors.catalogue import DeviceCatalogue, load_catalogue
from sensors.weather import load_weather
from twin.scenario.catalogue import Catalogue, dated_copies
from twin.scenario.schema import Scenario


@dataclass(frozen=True)
class Inputs:
    registries: dict[str, Registry]
    policies: list[Policy]
    packages: list[PackageSpec]
    rules: RuleSet
    catalogue: DeviceCatalogue
    routing: RoutingConfig | None


def load_inputs(scenario: Scenario) -> Inputs:
    """Every file the scenario names, compiled; every fault in every file reported at once."""
    problems: list[Problem] = []
    registries = {
        target: _collect(load_registry, getattr(scenario.libraries, target).fields, problems)
        for target in ("person", "enterprise")
    }
    for target, registry in registries.items():
        problems += _unknown_sources(scenario, target, registry)
    if problems:
        raise UserError(problems)
    policies = load_policies(scenario.policies, registries)
    policies += catalogue_policies(scenario.catalogue, registries)
    problems += _one_file_per_id(policies)
    packages = load_packages(scenario.packages, policies, problems)
    ids = [p.id for p in policies]
    problems += [
        Problem(
            f"no policy of the scenario has the id '{pid}'",
            key=f"{where}.{pid}",
            expected="one of: " + ", ".join(ids),
            hint=did_you_mean(pid, ids),
        )
        for where, table in (
            ("treasury.routes", scenario.treasury.routes),
            ("policy_delivery", scenario.policy_delivery),
        )
        for pid in table
        if pid not in ids
    ]
    s = scenario.sensing
    rules = _collect(load_rules, s.rules, problems)
    catalogue = _collect(load_catalogue, s.catalogue, problems)
    routing = _collect(load_routing, s.routing, problems) if s.routing else None
    if s.weather:
        _collect(load_weather, s.weather, problems)
    if catalogue is not None:
        problems += _device_types(scenario, catalogue, rules)
    if problems:
        raise UserError(problems)
    return Inputs(registries, policies, packages, rules, catalogue, routing)


def _device_types(scenario: Scenario, catalogue: DeviceCatalogue, rules: RuleSet | None) -> list:
    """Deployed and ruled device types must be in the catalogue; the tick must not be longer
    than any deployed type's report interval."""
    names = catalogue.names
    out = []

    def unknown(name: str, key: str, file: str | None = None) -> Problem:
        return Problem(
            f"the device catalogue has no type '{name}'",
            file=file,
            key=key,
            expected="one of: " + ", ".join(names),
            hint=did_you_mean(name, names)
            or f"device types are listed in {scenario.sensing.catalogue}",
        )

    for name in scenario.sensing.deploy:
        if name not in catalogue:
            out.append(unknown(name, f"sensing.deploy.{name}"))
        elif catalogue[name].report_every < scenario.sensing.tick:
            out.append(
                Problem(
                    f"'{name}' reports every {catalogue[name].report_every:g} s, within a tick",
                    key="sensing.tick",
                    expected=f"a tick of at most {catalogue[name].report_every:g} s",
                    hint="shorten sensing.tick",
                )
            )
    if rules is not None:
        for name in rules.device_types:
            if name not in catalogue:
                out.append(unknown(name, f"device_types.{name}", str(scenario.sensing.rules)))
    return out


def load_policies(paths: Iterable[Path], registries: Mapping[str, Registry]) -> list[Policy]:
    """Compile policy files; raise one UserError listing the faults of all of them."""
    problems: list[Problem] = []
    policies = [_collect(load_policy, p, problems, registries) for p in paths]
    if problems:
        raise UserError(problems)
    return policies  # type: ignore[return-value]


def load_packages(
    paths: Iterable[Path], policies: list[Policy], problems: list[Problem]
) -> list[PackageSpec]:
    """Package files, each naming policies of ``policies`` (of one target); faults join
    ``problems``."""
    targets = {p.id: p.target for p in policies}
    out = []
    for path in paths:
        loaded = _collect(load_package, path, problems)
        if loaded is not None:
            spec, origins = loaded
            problems += member_problems(spec, str(path), origins, targets)
            out.append(spec)
    return out


def catalogue_policies(catalogue: Catalogue, registries: Mapping[str, Registry]) -> list[Policy]:
    """The dated catalogue's policies: its templates compiled once, their amounts scaled by
    the catalogue's factor per target, then copied (twin/scenario/catalogue.py)."""
    if not catalogue.policies:
        return []
    templates = [
        _scaled(t, catalogue.amount_factor.get(t.target, 1.0), registries)
        for t in load_policies(catalogue.templates, registries)
    ]
    districts = registries["person"].fields["district"].codes

    def narrow(template: Policy, district: str) -> Policy:
        return _in_district(template, district, registries)

    return dated_copies(catalogue, templates, districts, narrow)


def _in_district(template: Policy, district: str, registries: Mapping[str, Registry]) -> Policy:
    """The template as one district runs it: for its own residents or firms alone."""
    spec = template.spec
    written = (
        [{"when": spec.eligible, "article": spec.source.article}]
        if isinstance(spec.eligible, str)
        else [c.model_dump() for c in spec.eligible]
    )
    local = {"when": f'district == "{district}"', "article": f"run by {district} district"}
    spec = spec.model_validate({**spec.model_dump(), "eligible": [*written, local], "tests": []})
    return compile_policy(spec, registries[spec.target], template.file, template.origins)


def _scaled(template: Policy, factor: float, registries: Mapping[str, Registry]) -> Policy:
    if factor == 1.0:
        return template
    spec = template.spec.model_copy(
        update={"amount": f"({template.spec.amount}) * {factor:.10f}", "tests": []}
    )
    return compile_policy(spec, registries[spec.target], template.file, template.origins)


def _one_file_per_id(policies: list[Policy]) -> list[Problem]:
    """A run matches one version of each policy: two files with one id are a fault of the
    scenario's list, whatever their dates."""
    first: dict[str, Policy] = {}
    out = []
    for p in policies:
        if p.id in first:
            out.append(
                Problem(
                    f"policy '{p.id}' is also in {first[p.id].file}",
                    file=p.file,
                    line=p.origins.get(("id",), (None, None))[1],
                    key="id",
                    hint="list one file per policy id under 'policies' (versions of a policy "
                    "over time go in one file's dated parameters)",
                )
            )
        first.setdefault(p.id, p)
    return out


def _unknown_sources(scenario: Scenario, target: str, registry: Registry | None) -> list:
    if registry is None:
        return []
    known = sorted({f.source for f in registry.fields.values() if f.source})
    return [
        Problem(
            f"no field of the {target} library comes from '{name}'",
            key=f"libraries.{target}.sources.{name}",
            expected="one of: " + ", ".join(known),
            hint=did_you_mean(name, known) or "sources are named in the field registry",
        )
        for name in getattr(scenario.libraries, target).sources
        if name not in known
    ]


def _collect(fn: Callable, path: Any, problems: list[Problem], *args: Any) -> Any:
    try:
        return fn(path, *args)
    except UserError as exc:
        problems += exc.problems
        return None
