"""One rehearsal on the page: a scenario with the page's levers set, stepping one day at a time
as a Mesa model, so that Mesa's SolaraViz plays, steps and resets it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import mesa
import pyarrow.compute as pc
import yaml

from datafiles import UserError
from twin.core.atomic import write_text_atomic
from twin.core.units import DAY, HOUR
from twin.runs.results import RunResult
from twin.runs.runner import build_model
from twin.scenario.loader import load_scenario
from twin.scoring.missed import missed
from twin.scoring.reach import reach
from twin.scoring.summary import daily, score


class Rehearsal(mesa.Model):
    """The scenario ``scenario_file`` with ``levers`` (key paths, as ``--set`` names them) set
    over it at ``city.scale`` ``scale``; a bad lever leaves no city and the located message the
    command line would print in ``problem``. ``side_by_side`` also steps the scenario as
    written, on the same seed (common random numbers), for paired differences."""

    def __init__(
        self,
        scenario_file: str = "",
        scale: float = 0.002,
        folder: str = "",
        side_by_side: bool = False,
        step: str = "day",
        scenario: Any = None,  # Mesa's own scenario object, which SolaraViz hands back on reset
        **levers: Any,
    ) -> None:
        super().__init__(scenario=scenario)
        self.scenario_file, self.folder = scenario_file, Path(folder or ".")
        self.levers = {k: v for k, v in levers.items() if k not in ("rng", "seed")}
        self.now, self.problem, self.city, self.written = 0.0, "", None, None
        self.step_by = step
        try:
            overrides = {**self.levers, "city.scale": scale}
            self.twin_scenario = load_scenario(scenario_file, _typed(overrides))
            self.city = build_model(self.twin_scenario)
            self.mine = _Run(self.twin_scenario, self.city)
            if side_by_side:
                as_written = load_scenario(scenario_file, {"city.scale": scale})
                self.written = _Run(as_written, build_model(as_written))
        except UserError as err:
            self.problem = str(err)
        self.days = 0 if self.city is None else round(self.twin_scenario.duration / DAY)
        self.running = self.city is not None

    @property
    def day(self) -> int:
        """Simulated days begun so far (0 before the first step)."""
        return math.ceil(self.now / DAY - 1e-9)

    @property
    def seconds_per_step(self) -> float:
        """One step: a day, an hour, or one tick of the sensing network (``step``)."""
        if self.step_by == "tick" and self.city is not None:
            return float(self.twin_scenario.sensing.tick)
        return HOUR if self.step_by == "hour" else DAY

    def step(self) -> None:
        """One step of simulated time (the last one closes the run), for both runs side by
        side."""
        end = self.days * DAY
        if self.city is None or self.now >= end:
            self.running = False
            return
        self.now = min(end, self.now + self.seconds_per_step)
        cities = [self.city] + ([self.written.city] if self.written else [])
        for city in cities:
            city.clock.env.run(until=self.now)
            if self.now >= end:
                city.sensing.finish()
        self.running = self.now < end

    def result(self) -> RunResult | None:
        """The run so far, scored as a finished run is: what the page's figures read (None
        before the first day)."""
        if self.city is None or self.day == 0:
            return None
        return self.mine.so_far(self.day)

    @property
    def clock(self) -> str:
        """Where the run stands, as a planner reads it: "Day 3 of 60" or "Day 3, 14:00 of 60"."""
        if self.step_by == "day" or self.now % DAY == 0:
            return f"Day {self.day} of {self.days}"
        minutes = int(self.now % DAY) // 60
        return f"Day {self.day}, {minutes // 60:02d}:{minutes % 60:02d} of {self.days}"

    def written_result(self) -> RunResult | None:
        """The scenario as written, so far (None unless side by side)."""
        if self.written is None or self.day == 0:
            return None
        return self.written.so_far(self.day)

    @property
    def finished(self) -> bool:
        """Whether the run reached its last day."""
        return self.city is not None and self.now >= self.days * DAY

    def write_run(self, name: str = "run") -> Path:
        """The finished run as a run folder in the page's folder (a new name each time), as
        ``twin run`` writes one: what its report is written from."""
        if not self.finished:
            raise ValueError("the run has not reached its last day")
        result = self.result()
        assert result is not None
        for n in range(1, 1000):
            path = self.folder / (name if n == 1 else f"{name}-{n}")
            if not path.exists():
                return result.write(path)
        raise FileExistsError(f"no free name for {name} in {self.folder}")

    def save_as(self, name: str = "scenario") -> Path:
        """The scenario as the page runs it - the original with the levers set, one run, no
        variants - as a file in the page's folder that ``twin run`` runs to the same result
        (a new name each time: nothing is overwritten)."""
        data = self.twin_scenario.model_dump(mode="json", by_alias=True)
        data["variants"], data["replications"] = {}, 1
        set_here = "".join(f"#   {k}: {v}\n" for k, v in sorted(self.levers.items()))
        text = (
            f"# Saved from the rehearsal page (twin app) over {self.scenario_file}\n"
            f"# with these levers set:\n{set_here or '#   (none)\n'}"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):
            path = self.folder / (f"{name}.yaml" if n == 1 else f"{name}-{n}.yaml")
            if not path.exists():
                write_text_atomic(path, text)
                return path
        raise FileExistsError(f"no free name for {name}.yaml in {self.folder}")


def _typed(levers: dict[str, Any]) -> dict[str, Any]:
    """A text the page's inputs hand over as typed (a duration "20d" stays text)."""
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in levers.items()}


class _Run:
    """A city and the scenario it runs; its score so far is kept until the clock moves, so
    the page's parts that read it after a step score it once."""

    def __init__(self, scenario, city) -> None:
        self.scenario, self.city = scenario, city
        self._kept: tuple[float, RunResult] | None = None

    def so_far(self, day: int) -> RunResult:
        """Scored over the days run: the scenario cut to them."""
        now = self.city.clock.env.now
        if self._kept is None or self._kept[0] != now:
            self._kept = (now, self._score(day))
        return self._kept[1]

    def _score(self, day: int) -> RunResult:
        so_far = self.scenario.model_copy(update={"duration": day * DAY})
        tables = self.city.tables()
        tables["missed"] = missed(tables)
        tables["reach"] = reach(tables, so_far)
        collected = self.city.datacollector.get_model_vars_dataframe()
        return RunResult(so_far, score(tables, so_far), daily(so_far, tables, collected), tables)


def begun(tables: dict, now: float) -> dict:
    """The tables with only the incidents begun by ``now``: the storm's truth is drawn ahead
    of the run, and a figure of the run so far shows what has happened."""
    incidents = tables["incidents"]
    return {**tables, "incidents": incidents.filter(pc.less_equal(incidents["onset"], now))}
