"""Organisations named without codes matched to ODS codes through the user's ODS reference files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.import_benchmark import main as import_benchmark_main
from model.benchmark.benchmark_import import parse_file
from model.benchmark.benchmark_matching import (
    OrganisationMatcher,
    find_our_rows,
    match_table_names,
    organisation_key,
)
from model.benchmark.benchmark_summary import import_benchmark_json
from model.benchmark.ods_reference import read_ods_files
from model.core.errors import ImportProblem
from tests.model.ods_fixtures import SITES, TRUSTS, write_named_table, write_ods


@pytest.fixture
def reference(tmp_path: Path):
    return read_ods_files(write_ods(tmp_path))


def test_ods_files_are_read_by_content(tmp_path: Path, reference) -> None:
    assert [f["file"] for f in reference.files] == ["etr.csv", "ets.csv"]
    assert (reference.files[0]["trusts"], reference.files[0]["closed"]) == (len(TRUSTS), 1)
    assert reference.files[1]["sites"] == len(SITES)
    by_code = reference.by_code()
    assert by_code["RA103"].parent_code == "RA1" and by_code["RA103"].kind == "site"
    assert by_code["RC301"].parent_code == "RC3"  # no parent column: the first 3 characters (ODS rule)
    assert by_code["RD4"].closed and not by_code["RC3"].closed
    # A header row someone added, and the same file in another order, read the same.
    etr, ets = write_ods(tmp_path)
    headed = tmp_path / "headed.csv"
    headed.write_text("Organisation Code,Name\r\n" + ets.read_text(), encoding="utf-8")
    assert read_ods_files([headed, etr]).by_code() == reference.by_code()


@pytest.mark.parametrize("content", ["Trust,Hospital,Screened\nAlpha,Alpha General,5\n", "just some words\n"])
def test_a_file_that_is_not_an_ods_list_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "not_ods.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportProblem, match="not an ODS reference file"):
        read_ods_files([path])


ALPHA_BETA = "ALPHA AND BETA UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"


@pytest.mark.parametrize(
    ("written", "ods"),
    [
        ("Alpha & Beta University Hospitals NHS Foundation Trust", ALPHA_BETA),
        ("Alpha and Beta University Hospital NHS FT", ALPHA_BETA),
        ("alpha & beta university hospitals", ALPHA_BETA),
        ("St. Cuthbert’s Health Care NHS Trust", "SAINT CUTHBERT'S HEALTHCARE NHS TRUST"),
        ("Saint Cuthberts Healthcare", "SAINT CUTHBERT'S HEALTHCARE NHS TRUST"),
        ("The Gamma Valley NHS Trust", "GAMMA VALLEY NHS TRUST"),
    ],
)
def test_names_written_several_ways_match_exactly(written: str, ods: str) -> None:
    assert organisation_key(written) == organisation_key(ods)


def test_exact_then_fuzzy_then_ambiguous_or_unmatched(reference) -> None:
    trusts = OrganisationMatcher(reference.of_kind("trust"))
    sites = OrganisationMatcher(reference.of_kind("site"))
    assert trusts.match("Gamma Valley NHS Trust").organisation.code == "RC3"  # the open one, not the closed
    typo = sites.match("Alpha Generl Hospital")
    assert (typo.how, typo.organisation.code) == ("fuzzy", "RA101") and FUZZY_FLOOR <= typo.score < 1
    same_name = sites.match("Community Hospital")
    assert same_name.how == "ambiguous" and same_name.organisation is None
    assert {o.code for o, _ in same_name.candidates} == {"RA103", "RB202"}
    assert sites.match("Community Hospital", parent_code="RB2").organisation.code == "RB202"
    twins = sites.match("Northgate Generall Hospital")  # as near one twin as the other: never guessed
    assert twins.how == "ambiguous" and {o.code for o, _ in twins.candidates} == {"RE501", "RE502"}
    assert sites.match("Ward 2 Unit").how == "unmatched"  # one digit apart is another place
    assert sites.match("Nowhere Cottage Hospital").how == "unmatched"


FUZZY_FLOOR = 0.88


def test_hospital_table_named_only_gets_codes_and_trusts(tmp_path: Path, reference) -> None:
    rows = [("Alpha & Beta University Hospitals NHS FT", "Alpha General Hospital"),
            ("Alpha & Beta University Hospitals NHS FT", "Community Hospital"),
            ("St Cuthberts Healthcare NHS Trust", "Community Hospital"),
            ("St Cuthberts Healthcare NHS Trust", "St. Mary’s Hospital"),
            ("Northgate Hospitals NHS Trust", "Northgate Generall Hospital"),
            ("Unknown NHS Trust", "Nowhere Hospital")]
    parsed = parse_file(write_named_table(tmp_path / "named.csv", rows))
    assert parsed.values["org_code"].isna().all()
    values, report = match_table_names(parsed.values, reference)
    by_name = {(n["role"], n["name"]): n for n in report["names"]}
    assert by_name[("parent", "St Cuthberts Healthcare NHS Trust")]["code"] == "RB2"
    # The same hospital name under two trusts is settled by the row's trust.
    community = values[(values["org_name"] == "Community Hospital")].drop_duplicates("source_row")
    assert sorted(community["org_code"]) == ["RA103", "RB202"]
    assert by_name[("organisation", "St. Mary’s Hospital")]["how"] == "exact"
    assert by_name[("organisation", "Northgate Generall Hospital")]["how"] == "ambiguous"
    assert by_name[("organisation", "Nowhere Hospital")]["how"] == "unmatched"
    assert by_name[("parent", "Unknown NHS Trust")]["how"] == "unmatched"
    assert report["counts"] == {"exact": 7, "fuzzy": 0, "ambiguous": 1, "unmatched": 2}
    unapplied = values[values["org_name"].isin(["Northgate Generall Hospital", "Nowhere Hospital"])]
    assert unapplied["org_code"].isna().all()  # ambiguous and unmatched names get no code
    assert values.loc[values["is_national"], "org_code"].isna().all()  # the national row is left alone


def test_hospitals_alone_roll_up_to_their_trust(tmp_path: Path, reference) -> None:
    rows = [("", "ALPHA GENERAL HOSPITAL"), ("", "Beta Royal Infirmary"), ("", "Gamma Valley General Hospital"),
            ("", "Alpha Generl Hospital ")]
    parsed = parse_file(write_named_table(tmp_path / "sites.csv", rows, trust_column=False))
    values, report = match_table_names(parsed.values, reference)
    sites = values[~values["is_national"]].drop_duplicates("source_row")
    assert sites["org_code"].tolist() == ["RA101", "RA102", "RC301", "RA101"]
    assert sites["parent_code"].tolist() == ["RA1", "RA1", "RC3", "RA1"]
    assert sites["parent_name"].iloc[0] == ALPHA_BETA
    assert set(sites["area_type"]) == {"Site"}
    fuzzy = next(n for n in report["names"] if n["how"] == "fuzzy")
    assert fuzzy["code"] == "RA101" and fuzzy["note"] == "the same code as ALPHA GENERAL HOSPITAL"
    # Our trust's rows are then found by code, its sites through their parent.
    ours = find_our_rows(values, "RA1")
    assert set(ours["match_kind"]) == {"code"} and set(ours["org_code"]) == {"RA101", "RA102"}


def test_a_trust_table_matches_trusts_before_sites(tmp_path: Path, reference) -> None:
    rows = [("", "Northgate Hospitals NHS Trust"), ("", "Gamma Valley NHS Trust")]
    parsed = parse_file(write_named_table(tmp_path / "trusts.csv", rows, trust_column=False))
    values, _ = match_table_names(parsed.values, reference)
    trusts = values[~values["is_national"]].drop_duplicates("source_row")
    assert trusts["org_code"].tolist() == ["RE5", "RC3"] and set(trusts["area_type"]) == {"Trust"}


def test_import_benchmark_json_and_cli_report_the_matching(tmp_path: Path, capsys) -> None:
    etr, ets = write_ods(tmp_path)
    table = write_named_table(tmp_path / "named.csv", [("Gamma Valley NHS Trust", "Gamma Valley General Hospital"),
                                                       ("Nobody NHS Trust", "Nowhere Hospital")])
    plain = import_benchmark_json(table, dry_run=True)
    assert plain["ods_matching"] is None
    summary = import_benchmark_json(table, dry_run=True, ods_files=[etr, ets])
    assert summary["ods_matching"]["counts"] == {"exact": 2, "fuzzy": 0, "ambiguous": 0, "unmatched": 2}
    assert [f["file"] for f in summary["ods_matching"]["files"]] == ["etr.csv", "ets.csv"]
    names = summary["ods_matching"]["names"]
    assert set(names[0]) == {"name", "role", "how", "code", "ods_name", "score", "parent_code", "parent_name",
                             "candidates", "rows", "note"}
    listed = {o["name"]: o for o in summary["organisation_list"]}
    assert listed["Gamma Valley General Hospital"]["code"] == "RC301"
    assert listed["Nowhere Hospital"]["code"] is None
    assert import_benchmark_main([str(table), "--json", "--dry-run", "--ods", str(etr), "--ods", str(ets)]) == 0
    assert json.loads(capsys.readouterr().out)["ods_matching"]["counts"]["exact"] == 2
    assert import_benchmark_main([str(table), "--dry-run", "--ods", str(table)]) == 2
    assert "not an ODS reference file" in capsys.readouterr().err


def test_the_published_zip_is_read_as_its_csv(tmp_path: Path, reference) -> None:
    import zipfile

    etr, ets = write_ods(tmp_path)
    with zipfile.ZipFile(tmp_path / "etr.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(etr, "etr.csv")
    assert read_ods_files([tmp_path / "etr.zip", ets]).by_code() == reference.by_code()
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.write(etr, "etr.csv")
        archive.write(ets, "ets.csv")
    with pytest.raises(ImportProblem, match="2 CSV files"):
        read_ods_files([tmp_path / "two.zip"])


def test_trusts_under_a_region_are_matched_as_trusts(tmp_path: Path, reference) -> None:
    lines = ["Region,Trust,Cases,Screened (N),Screened (%)", "North,Northgate Hospitals NHS Trust,40,20,50.0",
             "North,Gamma Valley NHS Trust,50,25,50.0", "South,St Cuthberts Healthcare,60,30,50.0",
             "England,,150,75,50.0"]
    path = tmp_path / "regions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    values, report = match_table_names(parse_file(path).values, reference)
    trusts = values[~values["is_national"]].drop_duplicates("source_row")
    assert trusts["org_code"].tolist() == ["RE5", "RC3", "RB2"]
    # A region column, whether or not it is read as the parent, never gets a trust's code.
    assert all(n["code"] is None for n in report["names"] if n["role"] == "parent")
    assert set(trusts["area_type"]) == {"Trust"}
