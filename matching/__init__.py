"""Policy matching, the first system under test: policies as data, matched over libraries.

Knows nothing of the twin; a production service would call the same API.
"""

from matching.catalogue import Catalogue, MatchSet
from matching.engine import Matcher, PolicyMatch, evaluate_policy
from matching.expression import ExpressionError, compile_expression
from matching.fields import FieldSpec, Registry, load_registry
from matching.policy import BoundPolicy, Policy, PolicySpec, compile_policy, load_policy
from matching.table import Table

__all__ = [
    "BoundPolicy",
    "Catalogue",
    "ExpressionError",
    "FieldSpec",
    "MatchSet",
    "Matcher",
    "Policy",
    "PolicyMatch",
    "PolicySpec",
    "Registry",
    "Table",
    "compile_expression",
    "compile_policy",
    "evaluate_policy",
    "load_policy",
    "load_registry",
]
