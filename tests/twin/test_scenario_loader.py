import datetime as dt
import textwrap

import pytest

from datafiles import UserError
from tests.conftest import SCENARIOS, SKELETON
from twin.scenario.loader import load_scenario


def errors_of(path, overrides=()):
    with pytest.raises(UserError) as info:
        load_scenario(path, overrides)
    return info.value.problems


def test_the_skeleton_loads_with_units_dates_and_resolved_paths():
    s = load_scenario(SKELETON)
    assert s.duration == 30 * 86400 and s.days == 30
    assert s.start == dt.date(2022, 6, 1)
    assert s.sensing.tick == 300
    assert s.policies[0] == (SCENARIOS / "policies/graduate-living-subsidy.yaml").resolve()
    assert s.libraries.person.fields.is_file()


def test_extends_merges_deeply_and_paths_stay_relative_to_their_file(write):
    child = write(
        "child/derived.yaml",
        f"""
        extends: {SKELETON}
        name: derived
        city: {{scale: 0.002}}
    """.replace("        ", ""),
    )
    s = load_scenario(child)
    assert s.name == "derived" and s.city.scale == 0.002
    assert s.city.communities == 3000  # untouched keys come from the base
    assert s.sensing.rules == (SCENARIOS / "rules/city.yaml").resolve()


def test_overrides_set_nested_keys_with_yaml_values():
    s = load_scenario(SKELETON, ["city.scale=0.01", "treasury.route=layered", "duration=7d"])
    assert s.city.scale == 0.01 and s.treasury.route == "layered" and s.days == 7
    assert load_scenario(SKELETON, {"seed": 5}).seed == 5


def test_unknown_key_names_file_line_key_and_a_suggestion(write):
    path = write("bad.yaml", SKELETON.read_text().replace("  scale: 0.001", "  scael: 0.001"))
    [p] = errors_of(path)
    assert p.file == str(path) and p.key == "city.scael" and p.message == "unknown key"
    lines = SKELETON.read_text().splitlines()
    assert p.line == 1 + next(i for i, line in enumerate(lines) if "scale: 0.001" in line)
    assert p.column == 3
    assert p.hint == "did you mean 'scale'?"
    assert "scale" in p.expected


def test_bad_duration_says_what_a_duration_looks_like(write):
    path = write("bad.yaml", SKELETON.read_text().replace("tick: 5m", "tick: 5"))
    [p] = errors_of(path)
    assert p.key == "sensing.tick"
    assert "duration with a unit" in p.expected and p.found == "5"
    assert p.line is not None


def test_wrong_type_and_bad_choice_are_both_reported(write):
    text = (
        SKELETON.read_text()
        .replace("scale: 0.001", "scale: lots")
        .replace("route: direct", "route: express")
    )
    problems = errors_of(write("bad.yaml", text))
    keys = {p.key for p in problems}
    assert keys == {"city.scale", "treasury.route"}
    route = next(p for p in problems if p.key == "treasury.route")
    assert "'direct' or 'layered'" in route.expected


def test_missing_required_key(write):
    text = "\n".join(
        line for line in SKELETON.read_text().splitlines() if not line.startswith("seed:")
    )
    [p] = errors_of(write("bad.yaml", text))
    assert p.key == "seed" and p.message == "required key is missing"


def test_bad_override_names_the_override():
    [p] = errors_of(SKELETON, ["city.scael=0.1"])
    assert p.file.startswith("--set city.scael") and p.hint == "did you mean 'scale'?"
    [p] = errors_of(SKELETON, ["city.scale"])
    assert "key.path=value" in p.message


def test_missing_file_bad_yaml_and_extends_cycle(write, tmp_path):
    [p] = errors_of(tmp_path / "nope.yaml")
    assert p.message == "file not found"
    [p] = errors_of(write("broken.yaml", "name: x\n  city: [\n"))
    assert p.message.startswith("not valid YAML") and p.line is not None
    write("a.yaml", "extends: b.yaml\n")
    write("b.yaml", "extends: a.yaml\n")
    [p] = errors_of(tmp_path / "a.yaml")
    assert "cycle" in p.message


def test_error_text_is_one_readable_block(write):
    path = write("bad.yaml", SKELETON.read_text().replace("  scale: 0.001", "  scael: 0.001"))
    with pytest.raises(UserError) as info:
        load_scenario(path)
    text = str(info.value)
    assert text.startswith(f"error: {path}:")
    assert (
        textwrap.dedent("""
          hint:     did you mean 'scale'?""").strip()
        in text
    )


def test_library_sources_must_be_departments_of_the_registry(tmp_path):
    from twin.scenario.inputs import load_inputs

    s = load_scenario(SKELETON, {"libraries.person.sources": {"educaton": {"missing": 0.5}}})
    with pytest.raises(UserError) as info:
        load_inputs(s)
    [p] = info.value.problems
    assert p.key == "libraries.person.sources.educaton" and p.hint == "did you mean 'education'?"


def test_a_faster_data_link_is_a_shorter_lag_for_one_source():
    s = load_scenario(SKELETON, {"libraries.person.sources.education.update_lag": "5d"})
    assert s.libraries.person.sources["education"].update_lag == 5 * 86400


def test_setting_one_entry_of_a_mapping_keeps_its_other_defaults():
    """--set catalogue.delivery_from_version_2.auto=0.01 changes automatic payment's weight
    alone: apply and push keep theirs (before, the mapping became {auto: 0.01} and every copy
    of version 2.0 was paid automatically)."""
    s = load_scenario(SCENARIOS / "history.yaml", ["catalogue.delivery_from_version_2.auto=0.01"])
    assert s.catalogue.delivery_from_version_2 == {"apply": 0.4, "push": 0.35, "auto": 0.01}
    s = load_scenario(SKELETON, {"catalogue.amount_factor.person": 0.1})
    assert s.catalogue.amount_factor == {"person": 0.1}  # a mapping empty by default stays so
    written = load_scenario(SCENARIOS / "history.yaml").catalogue.amount_factor["enterprise"]
    s = load_scenario(SCENARIOS / "history.yaml", {"catalogue.amount_factor.person": 0.1})
    assert s.catalogue.amount_factor == {"enterprise": written, "person": 0.1}  # the file's kept
