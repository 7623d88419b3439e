"""The overview figure of a run: panels only for what ran - money paid and time to money when
policies ran, incidents against alerts when sensing ran - on calendar dates, from zero, in
real units, titled with the levers that make this run what it is.

Built as a ``matplotlib.figure.Figure`` without pyplot, so the library never touches the
caller's backend or pyplot state (a notebook's own figures keep showing)."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from twin.core.units import DAY, HOUR

HOURLY_UNDER = 7 * DAY  # runs shorter than a week are binned by the hour


def overview(
    tables: dict[str, pa.Table], daily: pa.Table, scenario, variant: str | None = None
) -> Figure:
    """Money and time to money if the run paid anything, incidents and alerts if sensing ran."""
    panels = []
    if scenario.policies:
        panels += [_money, _time_to_money]
    if scenario.sensing.enabled:
        panels.append(_incidents)
    fig = Figure(figsize=(4.8 * max(len(panels), 1), 4), layout="constrained")
    for ax, draw in zip(np.atleast_1d(fig.subplots(1, max(len(panels), 1))), panels, strict=False):
        draw(ax, tables, daily, scenario)
    fig.suptitle(title(scenario, variant))
    return fig


def title(scenario, variant: str | None = None) -> str:
    """The scenario's name, the variant, and the levers a reader needs to tell this run from
    its siblings."""
    levers = [f"city.scale {scenario.city.scale:g}"]
    if scenario.policies:
        modes = sorted(set(scenario.policy_delivery.values()))
        if modes:
            levers.insert(0, "delivery " + "/".join(modes))
        levers.append(f"route {scenario.treasury.route}")
    name = f"{scenario.name}: {variant}" if variant else scenario.name
    return f"{name} ({', '.join(levers)}), from {scenario.start:%Y-%m-%d}"


def _money(ax: Axes, tables, daily: pa.Table, scenario) -> None:
    dates = _dates(daily)
    total = np.cumsum(daily["amount_paid_yuan"].to_numpy())
    wan = total.max(initial=0.0) >= 1e6  # from a million yuan on, in 10,000s (万元: no CJK font)
    ax.plot(dates, total / (1e4 if wan else 1.0), color="tab:green")
    ax.set(title="Money paid", ylabel="cumulative, " + ("10,000 yuan" if wan else "yuan"))
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    if not total.max(initial=0.0):  # a flat zero: one tick, and say so
        ax.set_ylim(0, 1)
        ax.set_yticks([0])
        ax.text(0.5, 0.5, "nothing paid", ha="center", va="center", transform=ax.transAxes)
    _calendar(ax)


def _time_to_money(ax: Axes, tables, daily, scenario) -> None:
    """From the match to the money, in hours or days as the spread needs."""
    pay = tables["payments"]
    paid = pay.filter(pc.equal(pay["status"], "paid"))
    wait = paid["settled_at"].to_numpy() - paid["matched_at"].to_numpy()
    unit, size = ("days", DAY) if len(wait) and np.median(wait) >= DAY else ("hours", HOUR)
    if len(wait):
        ax.hist(wait / size, bins=30, color="tab:blue")
    else:
        ax.text(0.5, 0.5, "nothing paid", ha="center", va="center", transform=ax.transAxes)
    ax.set(title="From match to money", xlabel=unit, ylabel="payments")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)


def _incidents(ax: Axes, tables, daily, scenario) -> None:
    """Real incidents' onsets and alerts fired, per hour for runs under a week, else per day."""
    inc = tables["incidents"]
    onsets = inc.filter(inc["real"])["onset"].to_numpy()
    alerts = tables["alerts"]
    fired = alerts.filter(pc.equal(alerts["kind"], "fired"))["at"].to_numpy()
    step = HOUR if scenario.duration < HOURLY_UNDER else DAY
    edges = np.arange(0.0, scenario.duration + step, step)
    start = dt.datetime.combine(scenario.start, dt.time())
    when = [start + dt.timedelta(seconds=float(s)) for s in edges[:-1]]
    width = step / DAY * 0.4
    shift = dt.timedelta(days=width / 2)
    ax.bar([w - shift for w in when], np.histogram(onsets, edges)[0], width, label="incidents")
    ax.bar([w + shift for w in when], np.histogram(fired, edges)[0], width, label="alerts fired")
    per = "hour" if step == HOUR else "day"
    ax.set(title="Incidents (truth) and alerts", ylabel=f"per {per}")
    ax.legend()
    _calendar(ax)


def _dates(daily: pa.Table) -> list[dt.date]:
    return daily["date"].to_pylist()


def _calendar(ax: Axes) -> None:
    """Calendar dates on the x axis, the y axis from zero."""
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(bottom=0)


def comparison(rep, *, limit: int = 8) -> Figure | None:
    """The variants side by side on their share indicators (``rep``: a ``Replicated``): the
    mean of each with its interval when replications ran. None when no figure is a share."""
    shares = [f for f in rep.figures if f.unit == "share"][:limit]
    if not shares:
        return None
    fig = Figure(figsize=(max(6.0, 1.3 * len(shares) * len(rep.variants) / 2), 4.2),
                 layout="constrained")  # fmt: skip
    ax = fig.subplots()
    x, width = np.arange(len(shares)), 0.8 / len(rep.variants)
    for i, variant in enumerate(rep.variants):
        est = [f.estimate(variant, rep.confidence) for f in shares]
        mean = np.array([np.nan if e.mean is None else 100 * e.mean for e in est])
        low = np.array(
            [m if e.low is None else 100 * e.low for e, m in zip(est, mean, strict=True)]
        )
        high = np.array(
            [m if e.high is None else 100 * e.high for e, m in zip(est, mean, strict=True)]
        )
        ax.bar(x + (i - (len(rep.variants) - 1) / 2) * width, mean, width, label=variant,
               yerr=[mean - low, high - mean], capsize=2)  # fmt: skip
    short = [f.label.split(": ")[-1] for f in shares]
    names = short if len(set(short)) == len(short) else [f.label for f in shares]
    ax.set_xticks(x, [s.replace("_", " ") for s in names], rotation=20, ha="right")
    ax.set(ylabel="% (mean and interval)", ylim=(0, 105))
    ax.legend(title="variant", fontsize="small")
    n = len(rep.seeds)
    interval = f", {rep.confidence:.0%} intervals" if n > 1 else ""
    fig.suptitle(f"{rep.name}: the variants compared ({n} replication{'s' * (n > 1)}{interval})")
    return fig


OPEN_KINDS = ("fired", "escalated")  # an alert's last event of these kinds: it is open


def township_map(tables: dict[str, pa.Table], city, now: float) -> Figure:
    """The city's townships as a schematic grid, district by district (the twin has no
    coordinates), each coloured by its alerts open at ``now`` (seconds), with its flooded
    communities (f) and grid workers' open jobs (j) written in it."""
    n, cols = city.n_townships, 13
    rows = -(-n // cols)
    alerts = township_counts(open_alerts(tables["alerts"], now), n)
    flooded = township_counts(_flooded(tables["incidents"], city, now), n)
    jobs = township_counts(_open_jobs(tables["jobs"], now), n)
    grid = np.full(rows * cols, np.nan)
    grid[:n] = alerts
    fig = Figure(figsize=(8.5, 0.62 * rows + 1.2), layout="constrained")
    ax = fig.subplots()
    shown = ax.imshow(grid.reshape(rows, cols), cmap="Reds", vmin=0, vmax=max(1, alerts.max()))
    for i in range(n):
        r, c = divmod(i, cols)
        note = "\n".join(t for t in (f"f{flooded[i]}" * bool(flooded[i]),
                                     f"j{jobs[i]}" * bool(jobs[i])) if t)  # fmt: skip
        if note:
            ax.text(c, r, note, ha="center", va="center", fontsize=7)
    firsts = np.r_[0, np.flatnonzero(np.diff(city.township_district)) + 1]
    for d, first in zip(city.township_district[firsts], firsts, strict=True):
        r, c = divmod(int(first), cols)
        ax.text(c - 0.45, r - 0.3, city.district_names[d], fontsize=6, va="top", color="0.25")
    ax.set(xticks=[], yticks=[], title=f"Townships: alerts open at {_clock(now)}")
    fig.colorbar(shown, ax=ax, label="open alerts", shrink=0.8)
    ax.text(0, -0.12, "f: flooded communities  j: grid workers' open jobs  (townships in "
            "district order, left to right)", transform=ax.transAxes, fontsize=7)  # fmt: skip
    return fig


def open_alerts(alerts: pa.Table, now: float) -> np.ndarray:
    """The township of every alert whose last event at or before ``now`` left it open."""
    df = alerts.select(["alert_id", "township", "kind", "at"]).to_pandas()
    df = df[df["at"] <= now].sort_values(["alert_id", "at"], kind="stable")
    last = df.groupby("alert_id").tail(1)
    return last.loc[last["kind"].isin(OPEN_KINDS), "township"].to_numpy(np.int64)


def township_counts(townships: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(np.asarray(townships, np.int64), minlength=n)[:n]


def _flooded(incidents: pa.Table, city, now: float) -> np.ndarray:
    df = incidents.select(["kind", "community", "onset", "end"]).to_pandas()
    on = df[(df["kind"] == "flood") & (df["onset"] <= now) & (df["end"] > now)]
    return city.community_township[np.unique(on["community"].to_numpy(np.int64))]


def _open_jobs(jobs: pa.Table, now: float) -> np.ndarray:
    df = jobs.select(["township", "fired_at", "done_at"]).to_pandas()
    done = df["done_at"].fillna(np.inf)
    return df.loc[(df["fired_at"] <= now) & (done > now), "township"].to_numpy(np.int64)


def _clock(now: float) -> str:
    days, rest = divmod(int(now), int(DAY))
    return f"day {days + 1}, {rest // 3600:02d}:{rest % 3600 // 60:02d}"
