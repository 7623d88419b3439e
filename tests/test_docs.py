"""The docs name every metric and every scenario key the code has."""

from pathlib import Path

from pydantic import BaseModel

from twin.scenario.schema import Scenario
from twin.scoring.metrics import METRICS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += keys(ann, f"{prefix}{name}.")
        else:
            out.append(prefix + name)
    return out


def test_metrics_doc_names_every_metric():
    text = (DOCS / "metrics.md").read_text()
    assert [m for m in METRICS if f"`{m}`" not in text] == []


def test_scenarios_doc_names_every_key():
    text = (DOCS / "scenarios.md").read_text()
    missing = [
        k
        for k in keys(Scenario)
        if f"`{k}`" not in text
        and not (k.startswith("libraries.enterprise.") and "`libraries.enterprise.*`" in text)
    ]
    assert missing == []


def test_every_public_function_of_the_systems_under_test_says_what_it_is_for():
    import ast

    missing = []
    for pkg in ("matching", "alerting"):
        for path in sorted((DOCS.parent / pkg).glob("*.py")):
            for node in ast.parse(path.read_text()).body:
                if not isinstance(node, ast.FunctionDef | ast.ClassDef) or node.name[0] == "_":
                    continue
                inner = node.body if isinstance(node, ast.ClassDef) else []
                for item in [node, *inner]:
                    public = (
                        isinstance(item, ast.FunctionDef | ast.ClassDef) and item.name[0] != "_"
                    )
                    if public and not ast.get_docstring(item):
                        missing.append(f"{path.name}: {item.name}")
    assert missing == []


def test_reports_doc_names_every_reason_for_being_missed():
    from twin.scoring.missed import REASONS

    text = (DOCS / "reports.md").read_text()
    assert [r for r in REASONS if f"`{r}`" not in text] == []
