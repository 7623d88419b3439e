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
from alerting.lifecycle import AlertRecord, Escalation
from alerting.pipeline import AlertPipeline, Delivered, PipelineTick
from alerting.routing import Notification, RoutingConfig, Silence, load_routing
from alerting.rules import SEVERITIES, OfflineRule, Rule, RuleSet, load_rules

__all__ = [
    "ESCALATED",
    "FIRED",
    "OFFLINE",
    "ONLINE",
    "RESOLVED",
    "SEVERITIES",
    "AlertEngine",
    "AlertPipeline",
    "AlertRecord",
    "Delivered",
    "Escalation",
    "IngestReport",
    "Notification",
    "OfflineRule",
    "PipelineTick",
    "RoutingConfig",
    "Rule",
    "RuleSet",
    "Silence",
    "Transitions",
    "load_routing",
    "load_rules",
]
