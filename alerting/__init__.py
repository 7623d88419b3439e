"""Alerting, the second system under test: readings and clock ticks in; alert transitions,
routed notifications, records and escalations out.

Knows nothing of the twin; a production service would call the same API, all of it here:
rule files (``load_rules``), the pipeline a platform runs (``AlertPipeline``: the engine,
routing and the alert book composed; see ``alerting.pipeline`` for a runnable example), its
stages on their own (``AlertEngine``, ``Dispatcher``, ``AlertBook``), the streaming front
(``ReadingParser``), Prometheus-compatible rules and promtool-format rule tests
(``load_prometheus_rules``, ``run_test_file``). ``ReferenceEngine`` is the per-reading
reference the engine is tested against.
"""

from alerting.baseline import Baseline
from alerting.engine import (
    ESCALATED,
    FIRED,
    OFFLINE,
    ONLINE,
    RESOLVED,
    AlertEngine,
    IngestReport,
    Kind,
    State,
    Transitions,
)
from alerting.lifecycle import (
    DEFAULT_SLA,
    TIERS,
    AlertBook,
    AlertRecord,
    Escalation,
    LifecycleError,
    Status,
)
from alerting.pipeline import DEFAULT_ROUTING, AlertPipeline, Delivered, PipelineTick, Timings
from alerting.prometheus import PrometheusRules, PromRule, load_prometheus_rules
from alerting.reference import ReferenceEngine
from alerting.routing import Dispatcher, Notification, RoutingConfig, Silence, load_routing
from alerting.rule_tests import Outcome, expand, run_test_file
from alerting.rules import (
    SEVERITIES,
    CombinedRule,
    DeviceType,
    KOfN,
    OfflineRule,
    Rule,
    RuleSet,
    SeverityStep,
    Thresholds,
    ValueCondition,
    load_rules,
)
from alerting.stream import Batch, ReadingParser
from alerting.templates import check_template, go_float, render

__all__ = [
    "DEFAULT_ROUTING",
    "DEFAULT_SLA",
    "ESCALATED",
    "FIRED",
    "OFFLINE",
    "ONLINE",
    "RESOLVED",
    "SEVERITIES",
    "TIERS",
    "AlertBook",
    "AlertEngine",
    "AlertPipeline",
    "AlertRecord",
    "Baseline",
    "Batch",
    "CombinedRule",
    "Delivered",
    "DeviceType",
    "Dispatcher",
    "Escalation",
    "IngestReport",
    "KOfN",
    "Kind",
    "LifecycleError",
    "Notification",
    "OfflineRule",
    "Outcome",
    "PipelineTick",
    "PromRule",
    "PrometheusRules",
    "ReadingParser",
    "ReferenceEngine",
    "RoutingConfig",
    "Rule",
    "RuleSet",
    "SeverityStep",
    "Silence",
    "State",
    "Status",
    "Thresholds",
    "Timings",
    "Transitions",
    "ValueCondition",
    "check_template",
    "expand",
    "go_float",
    "load_prometheus_rules",
    "load_routing",
    "load_rules",
    "render",
    "run_test_file",
]
