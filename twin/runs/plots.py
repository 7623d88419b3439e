"""Figures of a run: money over time, time to money, and incidents against alerts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.figure import Figure

from twin.core.units import HOUR


def overview(daily: pa.Table, payments: pa.Table, title: str) -> Figure:
    """Three panels a planner reads first: cumulative money, waiting for money, alerts."""
    fig, (ax_money, ax_wait, ax_alert) = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
    day = daily["day"].to_numpy()
    ax_money.plot(day, np.cumsum(daily["amount_paid_yuan"].to_numpy()) / 1e4, color="tab:green")
    ax_money.set(title="Money paid", xlabel="day", ylabel="cumulative, 10k yuan")
    paid = payments.filter(pc.equal(payments["status"], "paid"))
    wait_h = (paid["settled_at"].to_numpy() - paid["matched_at"].to_numpy()) / HOUR
    if len(wait_h):
        ax_wait.hist(wait_h, bins=30, color="tab:blue")
    ax_wait.set(title="From match to money", xlabel="hours", ylabel="payments")
    ax_alert.bar(day - 0.2, daily["incidents"].to_numpy(), width=0.4, label="incidents (truth)")
    ax_alert.bar(day + 0.2, daily["alerts_fired"].to_numpy(), width=0.4, label="alerts fired")
    ax_alert.set(title="Incidents and alerts", xlabel="day", ylabel="per day")
    ax_alert.legend()
    fig.suptitle(title)
    return fig
