import numpy as np

from matching import Registry, Table

REGISTRY = Registry.model_validate(
    {
        "entity": "person",
        "fields": {
            "age": {"type": "int", "unit": "years"},
            "income": {"type": "float", "unit": "yuan"},
            "renting": {"type": "bool"},
            "degree": {"type": "code", "codes": ["none", "bachelor", "master", "phd"]},
        },
    }
)


def table(rows: list[dict]) -> Table:
    """A Table from per-entity dicts; a missing key or None is unknown. Codes by label."""
    columns, known = {}, {}
    for name, spec in REGISTRY.fields.items():
        values = [r.get(name) for r in rows]
        known[name] = np.array([v is not None for v in values])
        if spec.type == "code":
            values = [spec.codes.index(v) if v is not None else 0 for v in values]
        dtype = {"int": np.int64, "float": np.float64, "bool": bool, "code": np.int16}[spec.type]
        columns[name] = np.array([0 if v is None else v for v in values], dtype=dtype)
    return Table(columns, known)
