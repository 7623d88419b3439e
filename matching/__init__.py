"""Policy matching, the first system under test: policies as data, matched over libraries.

Knows nothing of the twin; a production service would call the same API.
"""

from matching.engine import Matcher, PolicyMatch, evaluate_policy
from matching.expression import ExpressionError, compile_expression
from matching.fields import FieldSpec, Registry, load_registry
from matching.policy import Policy, PolicySpec, load_policy
from matching.table import Table

__all__ = [
    "ExpressionError",
    "FieldSpec",
    "Matcher",
    "Policy",
    "PolicyMatch",
    "PolicySpec",
    "Registry",
    "Table",
    "compile_expression",
    "evaluate_policy",
    "load_policy",
    "load_registry",
]
