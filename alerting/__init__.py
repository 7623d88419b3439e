"""Alerting, the second system under test: readings and clock ticks in, alert transitions out.

Knows nothing of the twin; a production service would call the same API.
"""

from alerting.engine import (
    ESCALATED,
    FIRED,
    OFFLINE,
    ONLINE,
    RESOLVED,
    AlertEngine,
    IngestReport,
    Transitions,
)
from alerting.rules import SEVERITIES, OfflineRule, Rule, RuleSet, load_rules

__all__ = [
    "ESCALATED",
    "FIRED",
    "OFFLINE",
    "ONLINE",
    "RESOLVED",
    "SEVERITIES",
    "AlertEngine",
    "IngestReport",
    "OfflineRule",
    "Rule",
    "RuleSet",
    "Transitions",
    "load_rules",
]
