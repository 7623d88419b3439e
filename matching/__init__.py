"""Policy matching, the first system under test: policies as data, matched over libraries.

Knows nothing of the twin; a production service would call the same API, all of it here:
compile policies once (``load_policy``, ``compile_policy``), match them over a library on a
date (``Matcher``), hold a day's decisions to the rules across policies of package files
(``load_package``, ``decide_with_packages``, ``Grants``), explain a decision (``explain``,
``explain_entity``, ``push_list``), estimate a draft's reach and cost (``estimate``), run a
policy's own test cases (``run_policy_tests``). Values over a household read the whole
library: ``relate`` adds them to a table before rows of it are taken (``related`` tells
whether policies read any). ``evaluate_one`` and ``apply_one_by_one`` are
the plain per-entity references the engine is tested against; ``synthetic_policies`` makes
libraries of policies for load tests. See ``matching.engine`` for a runnable example.
"""

from matching.catalogue import Catalogue, MatchSet
from matching.coverage import CoverageItem, coverage
from matching.cross_policy import apply_packages, decide_with_packages
from matching.cross_policy_reference import apply_one_by_one
from matching.engine import Decision, Matcher, PolicyMatch, amounts_of, evaluate_policy
from matching.estimate import Estimate, Group, estimate, gini
from matching.explain import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    REVIEW,
    ConditionCheck,
    EntityExplanation,
    Explanation,
    explain,
    explain_entity,
    push_list,
)
from matching.expression import Expr, ExpressionError, compile_expression
from matching.fields import FieldSpec, Registry, load_registry
from matching.grants import Grants
from matching.package_explain import PackageStep, explain_packages
from matching.packages import PackageSpec, load_package, member_problems
from matching.policy import BoundPolicy, Policy, PolicySpec, compile_policy, load_policy
from matching.policy_tests import run_policy_tests
from matching.reference import evaluate_one
from matching.relations import relate, related
from matching.synthetic import synthetic_policies, write_library
from matching.table import Table

__all__ = [
    "ELIGIBLE",
    "NOT_ELIGIBLE",
    "REVIEW",
    "BoundPolicy",
    "Catalogue",
    "ConditionCheck",
    "CoverageItem",
    "Decision",
    "EntityExplanation",
    "Estimate",
    "Explanation",
    "Expr",
    "ExpressionError",
    "FieldSpec",
    "Grants",
    "Group",
    "MatchSet",
    "Matcher",
    "PackageSpec",
    "PackageStep",
    "Policy",
    "PolicyMatch",
    "PolicySpec",
    "Registry",
    "Table",
    "amounts_of",
    "apply_one_by_one",
    "apply_packages",
    "compile_expression",
    "compile_policy",
    "coverage",
    "decide_with_packages",
    "estimate",
    "evaluate_one",
    "evaluate_policy",
    "explain",
    "explain_entity",
    "explain_packages",
    "gini",
    "load_package",
    "load_policy",
    "load_registry",
    "member_problems",
    "push_list",
    "relate",
    "related",
    "run_policy_tests",
    "synthetic_policies",
    "write_library",
]
