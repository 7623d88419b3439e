"""Alerting, the second system under test: readings and clock ticks in, alert transitions out.

Knows nothing of the twin; a production service would call the same API.
"""

from alerting.engine import FIRED, RESOLVED, AlertEngine, IngestReport, Transitions
from alerting.rules import Rule, load_rules

__all__ = ["FIRED", "RESOLVED", "AlertEngine", "IngestReport", "Rule", "Transitions", "load_rules"]
