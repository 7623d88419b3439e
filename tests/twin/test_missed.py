"""Who is missed, and why: each reason on a hand-built run, and on a real one."""

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import twin
from tests.conftest import SCENARIOS
from twin.runs.explain import explain_in_run
from twin.scoring.missed import REASONS, missed
from twin.world.policy_side import POLICIES, RECORDS
from twin.world.tables import ACTIONS, APPLICATIONS, DECISIONS, MATCHES, PAYMENTS, REVIEWS, TRUTH

P = "care"


def _table(schema, keys: tuple[str, ...], items, **fixed) -> pa.Table:
    """Rows of ``schema``: each item gives ``keys`` (a bare value for one key), ``fixed`` the
    rest."""
    schema = schema if isinstance(schema, pa.Schema) else pa.schema(schema)
    rows = []
    for item in items:
        values = item if isinstance(item, tuple) else (item,)
        rows.append({"policy_id": P, **fixed, **dict(zip(keys, values, strict=True))})
    return pa.Table.from_pylist(rows, schema=schema)


AWARENESS = [("policy_id", pa.string()), ("entity", pa.int64()), ("aware_since_day", pa.float64())]
POLICY = {"target": "person", "department": "d", "fields": ["age"]}


def _run(delivery: str, *, truth, payments=(), matches=(), decisions=(), applications=(),
         actions=(), aware=(), reviews=(), records=()):  # fmt: skip
    """The tables missed() reads, for one policy reading the field 'age'."""
    return {
        "policies": _table(POLICIES, ("delivery",), [delivery], **POLICY),
        "truth": _table(TRUTH, ("entity",), truth, since=0.0, amount_yuan=100.0),
        "payments": _table(PAYMENTS, ("entity", "status"), payments, settled_at=1.0),
        "matches": _table(MATCHES, ("entity", "delivery"), matches, matched_at=0.0),
        "decisions": _table(DECISIONS, ("entity", "outcome"), decisions, decided_at=1.0),
        "applications": _table(APPLICATIONS, ("entity", "outcome"), applications),
        "actions": _table(ACTIONS, ("entity", "action"), actions, at=0.0),
        "awareness": _table(AWARENESS, ("entity",), aware, aware_since_day=0.0),
        "reviews": _table(REVIEWS, ("entity",), reviews, queued_at=0.0),
        "records": pa.Table.from_pylist(
            [dict(zip(RECORDS.names, r, strict=True)) for r in records], schema=RECORDS
        ),
    }


def _reasons(tables) -> dict[int, tuple[str, str | None]]:
    return {r["entity"]: (r["reason"], r["fields"]) for r in missed(tables).to_pylist()}


def test_each_stage_of_an_apply_policy_names_its_reason():
    tables = _run(
        "apply",
        truth=range(9),
        payments=[(0, "paid"), (1, "returned"), (2, "budget_exhausted")],
        matches=[(0, "apply"), (1, "apply"), (2, "apply"), (3, "apply")],
        applications=[(4, "rejected"), (5, "review")],
        reviews=[5],
        actions=[(6, "gave up"), (7, "evidence")],
        aware=[4, 5, 6, 7, 8],
        records=[("person", 4, "age", 80.0, 60.0, True)],
    )
    assert _reasons(tables) == {
        1: ("payment returned", None),
        2: ("budget exhausted", None),
        3: ("payment under way", None),
        4: ("rejected", "age"),  # the stale age is why the platform refused
        5: ("needs review", None),
        6: ("gave up on the evidence", None),
        7: ("gathering evidence", None),
        8: ("heard but did not act", None),
    }  # 0 was paid: not missed


def test_an_auto_policy_blames_the_platform_records_before_the_people():
    tables = _run(
        "auto",
        truth=range(5),
        records=[
            ("person", 0, "age", 80.0, 80.0, False),  # no record at all
            ("person", 1, "age", 80.0, 60.0, True),  # a wrong age
            ("person", 2, "age", 80.0, None, True),  # age unknown
            ("person", 3, "age", 80.0, 80.0, True),  # right, and still not found
        ],
        decisions=[(4, "rejected")],
    )
    assert _reasons(tables) == {
        0: ("not in the library", None),
        1: ("stale field", "age"),
        2: ("unknown field", "age"),
        3: ("not yet reached", None),
        4: ("rejected", None),
    }


def test_a_push_that_was_never_read_or_never_confirmed():
    tables = _run("push", truth=[0, 1, 2], matches=[(0, "push"), (1, "push")], aware=[1],
                  actions=[(2, "confirm")])  # fmt: skip
    assert _reasons(tables) == {
        0: ("never heard", None),
        1: ("heard but did not act", None),
        2: ("payment under way", None),  # confirmed; the money had not landed
    }


FIELDS = ["age", "income", "degree"]
RECORD = st.tuples(
    st.integers(0, 7),  # entity
    st.sampled_from([*FIELDS, "tier"]),  # tier: a field the policy does not read
    st.sampled_from([None, 1.0, 2.0]),  # recorded (None: unknown); truth is 1.0
)


@settings(max_examples=60, deadline=None)
@given(st.lists(RECORD, max_size=20), st.sampled_from(["auto", "apply"]))
def test_the_fields_named_are_the_policys_fields_wrong_else_unknown(records, delivery):
    """Against a per-entity reference: the policy's fields recorded wrongly, sorted and
    comma-separated; else those it does not know; else none."""
    tables = _run(delivery, truth=range(8),
                  records=[("person", e, f, 1.0, r, True) for e, f, r in records])  # fmt: skip
    tables["policies"] = _table(POLICIES, ("delivery",), [delivery], **{**POLICY, "fields": FIELDS})

    def named(entity: int, wrong) -> str | None:
        hit = {f for e, f, r in records if e == entity and f in FIELDS and wrong(r)}
        return ", ".join(sorted(hit)) or None

    expected = {
        e: named(e, lambda r: r is not None and r != 1.0) or named(e, lambda r: r is None)
        for e in range(8)
    }
    assert {e: fields for e, (_, fields) in _reasons(tables).items()} == expected


def test_every_reason_has_a_meaning():
    assert all(REASONS.values())


@pytest.fixture(scope="module")
def push_run(tmp_path_factory):
    scenario = twin.load_scenario(
        SCENARIOS / "policy-sandbox.yaml",
        {"duration": "30d", "city.scale": 0.001, "policy_delivery.elderly-care-allowance": "push"},
    )
    out = tmp_path_factory.mktemp("push")
    twin.run(scenario.model_copy(update={"variants": {}})).write(out)
    return out


def test_a_run_folder_says_why_each_missed_entity_was_missed(push_run):
    gone = pa.parquet.read_table(push_run / "missed.parquet")
    summary = twin.score(push_run)["policies"]["elderly-care-allowance"]
    eligible, coverage = summary["eligible"]["value"], summary["coverage"]["value"]
    assert gone.num_rows == round(eligible * (1 - coverage)) > 0  # the eligible not paid
    assert set(gone["reason"].to_pylist()) <= set(REASONS)
    assert "heard but did not act" in gone["reason"].to_pylist()


def test_explain_shows_the_failed_clause_and_the_entity_path(push_run):
    gone = pa.parquet.read_table(push_run / "missed.parquet").to_pylist()
    stale = next((r for r in gone if r["reason"] == "stale field"), None)
    idle = next(r for r in gone if r["reason"] == "heard but did not act")
    text = explain_in_run(push_run, "elderly-care-allowance", idle["entity"]).render()
    assert "heard of the policy" in text and "missed: heard but did not act" in text
    if stale is not None:
        text = explain_in_run(push_run, "elderly-care-allowance", stale["entity"]).render()
        assert "the clause that failed" in text and "(truth:" in text


def test_explain_on_a_scenario_shows_the_records_beside_truth(capsys):
    from twin.cli import main

    args = ["policy", "explain", "elderly-care-allowance", "--entity", "0"]
    scenario = ["--scenario", str(SCENARIOS / "policy-sandbox.yaml"), "--set", "city.scale=0.001"]
    assert main([*args, *scenario]) == 0
    out = capsys.readouterr().out
    assert "the platform's records on 2022-06-01 say:" in out and "registration" in out
    assert main([*args, "--run", "/nonexistent"]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert main(["policy", "explain", "elderly-care", "--entity", "0", *scenario]) == 2
    assert "did you mean 'elderly-care-allowance'?" in capsys.readouterr().err


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 70), st.lists(st.integers(0, 2**62), min_size=0, max_size=30))
def test_the_fields_each_missed_entity_has_wrong_are_found_as_np_unique_finds_them(k, seeds):
    """Which fields hit an entity is coded through one integer per entity while the fields
    fit in one (and compared row by row beyond): the same combinations, entity for entity."""
    import numpy as np

    from twin.scoring.missed import _combinations

    hits = np.array([[(s >> (i % 62)) & 1 == 1 for i in range(k)] for s in seeds], bool)
    hits = hits.reshape(len(seeds), k)
    combos, code = _combinations(hits)
    expected, _ = np.unique(hits, axis=0, return_inverse=True)
    assert sorted(map(tuple, combos.tolist())) == sorted(map(tuple, expected.tolist()))
    assert np.array_equal(combos[code], hits)
