"""The page ``twin app`` serves: Mesa's SolaraViz over a ``Rehearsal`` - the scenario's levers
in the sidebar, play, step and reset, the run's indicators and its overview figure updating
as the city steps, a bad lever's located message inline, and "save as scenario".

``twin app`` hands the page its scenario, scale and folder through ``CITYTWIN_APP_*``
environment variables; each browser tab has its own session, so its own rehearsal."""

from __future__ import annotations

import os
from pathlib import Path

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from twin.app.indicators import indicator_table
from twin.app.levers import levers
from twin.app.rehearsal import Rehearsal, begun
from twin.report import write_report
from twin.report.contents import policy_tables
from twin.runs.plots import overview, township_map

FUNNELS = 3  # policies whose funnel the page shows, the first of the run's


def settings() -> tuple[str, float, str]:
    """The scenario file, the city scale and the run folder the command line chose."""
    return (
        os.environ.get("CITYTWIN_APP_SCENARIO", "scenarios/policy-sandbox.yaml"),
        float(os.environ.get("CITYTWIN_APP_SCALE", "0.002")),
        os.environ.get("CITYTWIN_APP_FOLDER", "runs/app"),
    )


@solara.component
def Indicators(model: Rehearsal):
    """The run so far: its day and its indicators, in the report's units."""
    update_counter.get()  # drawn again after every step
    if model.problem:  # the command line's located message, inline; Reset tries again
        solara.Markdown(f"**This lever setting cannot run:**\n\n```\n{model.problem}\n```")
        return
    result = model.result()
    table = indicator_table(result, model.written_result()) if result is not None else ""
    solara.Markdown(f"**{model.clock}**\n\n{table}")


@solara.component
def Overview(model: Rehearsal):
    """The report's overview figure of the run so far."""
    update_counter.get()
    if model.city is None or model.day == 0:
        solara.Markdown("*Press Step or play: the city's days appear here.*")
        return
    result = model.result()
    tables = begun(result.tables, model.now)
    solara.FigureMatplotlib(overview(tables, result.daily, model.twin_scenario))


@solara.component
def TownshipMap(model: Rehearsal):
    """For a scenario with sensing: the townships by open alerts, floods and jobs, now."""
    update_counter.get()
    if model.city is None or model.day == 0 or not model.twin_scenario.sensing.enabled:
        return
    result = model.result()
    solara.FigureMatplotlib(township_map(result.tables, model.city.city, model.now))


@solara.component
def Funnels(model: Rehearsal):
    """The report's funnel and coverage by group of each policy (the first few), so far."""
    update_counter.get()
    result = model.result()
    if result is None:
        return
    policies = list(result.summary.get("policies", {}))[:FUNNELS]
    for policy_id in policies:
        tables = policy_tables(result.scenario, result.tables, result.summary, policy_id)
        blocks = [_markdown(t) for t in tables if not t.title.startswith("Who is missed")]
        solara.Markdown(f"#### {policy_id}\n\n" + "\n\n".join(blocks))


def _markdown(table) -> str:
    """One of the report's tables as Markdown: its title, header and rows."""
    lines = [f"**{table.title}**", "", "| " + " | ".join(table.header) + " |"]
    lines += ["|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


@solara.component
def Report(model: Rehearsal):
    """ "Open report": the finished run written to the page's folder, its report shown here."""
    update_counter.get()
    shown = solara.use_reactive("")

    def open_report():
        html = write_report(model.write_run())
        shown.set(str(html))

    solara.Button("Open report", on_click=open_report, disabled=not model.finished)
    if shown.value and model.finished:
        solara.Markdown(f"report: `{shown.value}`")
        page = Path(shown.value).read_text(encoding="utf-8")
        solara.HTML(
            tag="iframe",
            attributes={"srcdoc": page, "title": "report"},
            style="width: 100%; height: 900px; border: 1px solid #ccc;",
        )


@solara.component
def SaveAs(model: Rehearsal):
    """ "Save as scenario": the levers as a file ``twin run`` runs to the same result."""
    saved = solara.use_reactive("")

    def save():
        saved.set(str(model.save_as()))

    solara.Button("Save as scenario", on_click=save, disabled=bool(model.problem))
    if saved.value:
        solara.Markdown(f"saved: `{saved.value}` - `twin run {saved.value}` runs it")


@solara.component
def Page():
    scenario_file, scale, folder = settings()
    first = solara.use_memo(
        lambda: Rehearsal(scenario_file=scenario_file, scale=scale, folder=folder), []
    )
    model = solara.use_reactive(first)  # Reset puts a new rehearsal here, with the levers set
    params = solara.use_memo(lambda: _params(first, scenario_file, scale, folder), [])
    SolaraViz(
        model,
        components=[],
        model_params=params,
        name=f"citytwin: {first.twin_scenario.name if first.city else scenario_file}",
        play_interval=50,
    )
    with solara.Column(style="padding: 12px 12px 12px 440px; width: 100%;"):  # beside the levers
        Indicators(model.value)
        Overview(model.value)
        TownshipMap(model.value)
        Funnels(model.value)
        SaveAs(model.value)
        Report(model.value)


def _params(model: Rehearsal, scenario_file: str, scale: float, folder: str) -> dict:
    """The levers as SolaraViz's model parameters, beside the fixed ones."""
    fixed = {"scenario_file": scenario_file, "scale": scale, "folder": folder}
    if model.city is None:
        return fixed
    side = {
        "type": "Checkbox",
        "value": False,
        "label": "side by side with the scenario as written",
    }
    city = {  # the page's scale: one that answers in seconds, changeable (then Reset)
        "type": "SliderFloat", "value": scale, "min": 0.001, "max": 0.05, "step": 0.001,
        "label": "city.scale (share of the city simulated)",
    }  # fmt: skip
    fixed = {**fixed, "scale": city}
    steps = ["day", "hour", "tick"] if model.twin_scenario.sensing.enabled else ["day", "hour"]
    step = {"type": "Select", "value": "day", "values": steps, "label": "one step is a"}
    fixed = {**fixed, "side_by_side": side, "step": step}
    delivery = {p.id: p.spec.delivery for p in model.city.matcher.policies}  # as loaded
    return {**fixed, **{lv.key: lv.user_param() for lv in levers(model.twin_scenario, delivery)}}
