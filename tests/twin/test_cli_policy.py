import shutil

from tests.conftest import SCENARIOS
from twin.cli import main

POLICIES = sorted((SCENARIOS / "policies").glob("*.yaml"))


def test_policy_check_passes_the_library(capsys):
    assert main(["policy", "check", *map(str, POLICIES)]) == 0
    assert f"ok: {len(POLICIES)} policies" in capsys.readouterr().out


def test_policy_check_checks_packages_beside_their_policies(capsys):
    housing = str(SCENARIOS / "packages/talent-housing.yaml")
    assert main(["policy", "check", *map(str, POLICIES), housing]) == 0
    assert "policies, 1 package, " in capsys.readouterr().out
    assert main(["policy", "check", str(SCENARIOS / "policies/talent-rent-subsidy.yaml"),
                 housing]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "talent-housing.yaml:14: policies[2]: package talent-housing: no policy" in err
    assert "'graduate-rent-subsidy'" in err and "name the policy's file beside the package" in err
    assert main(["policy", "check", housing]) == 2
    assert "a package is checked with its policies" in capsys.readouterr().err


def test_policy_check_fails_on_a_wrong_case_overlap_or_expiry(tmp_path, capsys):
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copytree(SCENARIOS / "fields", tmp_path / "fields")
    src = (SCENARIOS / "policies/sme-relief.yaml").read_text()
    (folder / "a.yaml").write_text(src.replace("amount: 2500", "amount: 2501"))
    (folder / "b.yaml").write_text(
        src.replace("valid_from: 2022-04-01", "valid_from: 2022-12-01").replace(
            "valid_to: 2022-12-31", "valid_to: 2023-12-31"
        )
    )
    files = [str(folder / "a.yaml"), str(folder / "b.yaml")]
    assert main(["policy", "check", *files, "--on", "2023-06-01"]) == 2
    err = capsys.readouterr().err
    assert "test failed: A micro firm of 5 staff" in err
    assert "also in force in" in err and "expired on 2022-12-31" in err


def test_policy_estimate_prints_a_table_and_writes_a_figure(tmp_path, capsys):
    figure = tmp_path / "e.png"
    args = [
        "policy",
        "estimate",
        str(SCENARIOS / "drafts/elderly-care-allowance-75.yaml"),
        "--scenario",
        str(SCENARIOS / "library.yaml"),
        "--set",
        "city.scale=0.0005",
        "--by",
        "district,age_band",
        "--figure",
        str(figure),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "draft elderly-care-allowance-75 on 2023-01-01" in out and "by age_band" in out
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_bad_breakdown_is_a_clear_error(capsys):
    args = [
        "policy",
        "estimate",
        str(SCENARIOS / "drafts/elderly-care-allowance-75.yaml"),
        "--scenario",
        str(SCENARIOS / "library.yaml"),
        "--set",
        "city.scale=0.0002",
        "--by",
        "income",
    ]
    assert main(args) == 2
    assert "break down by a coded field or age_band" in capsys.readouterr().err


def test_generate_writes_a_library_that_checks_clean(tmp_path, capsys):
    out = tmp_path / "synthetic"
    args = [
        "policy",
        "generate",
        "--count",
        "40",
        "--fields",
        str(SCENARIOS / "fields"),
        "--out",
        str(out),
        "--seed",
        "3",
    ]
    assert main(args) == 0
    files = sorted(out.glob("*.yaml"))
    assert len(files) == 40
    assert main(["policy", "check", *map(str, files), "--fields", str(SCENARIOS / "fields")]) == 0
    assert "ok: 40 policies" in capsys.readouterr().out


def test_coverage_lists_each_item_and_the_shipped_policies_cover_all(capsys):
    assert main(["policy", "check", *map(str, POLICIES), "--coverage"]) == 0
    out = capsys.readouterr().out
    n = len(POLICIES)
    assert f"coverage: {n} of {n} policies fully covered" in out and "MISSING" not in out
    assert '  covered  industry == "agriculture": false  <- ' in out
    assert "  covered  employees >= 2: at 2  <- " in out
    assert "  covered  tiers step 3: at 100  <- A local resident turning 100" in out


def test_coverage_names_what_a_policy_lacks(tmp_path, capsys):
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copytree(SCENARIOS / "fields", tmp_path / "fields")
    src = (SCENARIOS / "policies/agricultural-operator-support.yaml").read_text()
    (folder / "a.yaml").write_text(src.split("\ntests:")[0] + "\n")  # no cases at all
    assert main(["policy", "check", str(folder / "a.yaml"), "--coverage"]) == 0
    out = capsys.readouterr().out
    assert "coverage: 0 of 1 policies fully covered; 0 of 6 items" in out
    assert "  MISSING  employees >= 2: at 2  (add a case sitting exactly on the number" in out
