"""National audit tables with paired count and percentage columns, each generated here.

The class of layout: title rows, a row of column numbers, Trust and Hospital columns with one
row per hospital, a shared "Number of cases submitted" denominator, "(%)" and "(N)" columns
per measure under any wording, suppressed cells in both columns of a pair, the national row
anywhere (often last), cp1252 text.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from model.benchmark.benchmark_import import parse_file, propose_wide_mapping
from model.benchmark.benchmark_summary import import_benchmark_json

# (trust, hospital, cases submitted, surgery N, delirium N): None = suppressed.
HOSPITALS = [
    ("Alpha NHS Trust", "Alpha General", 120, 60, 90),
    ("Alpha NHS Trust", "Alpha Community", 40, 10, None),
    ("Beta’s NHS Trust", "Beta Royal – North", 200, 120, 160),
    ("Beta’s NHS Trust", "Beta District", 3, None, None),
    ("Gamma NHS Trust", "Gamma Hospital", 80, 50, 70),
]
NATIONAL = ("National", "", 443, 242, 338)


def _pct(n: int | None, d: int) -> str:
    return "*" if n is None else f"{100 * n / d:.1f}"


def _table(path: Path, headers: tuple[str, str, str, str, str], *, national_first: bool = False,
           trust_codes: bool = False) -> Path:
    """headers: (shared denominator, surgery %, surgery N, delirium %, delirium N)."""
    den, s_pct, s_n, d_pct, d_n = headers
    cols = (["Trust code"] if trust_codes else []) + ["Trust", "Hospital", den, s_pct, s_n, d_pct, d_n, "Region"]
    body = []
    for trust, hospital, d, s, dl in HOSPITALS:
        code = [f"R{trust[0]}1"] if trust_codes else []
        body.append(code + [f'"{trust}"', hospital, str(d), _pct(s, d), "*" if s is None else str(s),
                            _pct(dl, d), "*" if dl is None else str(dl), "North"])
    trust, hospital, d, s, dl = NATIONAL
    national = ([""] if trust_codes else []) + [trust, hospital, str(d), _pct(s, d), str(s), _pct(dl, d), str(dl), ""]
    rows = [national, *body] if national_first else [*body, national]
    width = len(cols)
    lines = ["Synthetic Hip Fracture Audit 2024 – results by hospital" + "," * (width - 1), "," * (width - 1),
             ",".join(str(i + 1) for i in range(width)), ",".join(cols), *(",".join(r) for r in rows),
             "," * (width - 1), "Source: synthetic" + "," * (width - 1)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


PAIRED = ("Number of cases submitted", "Prompt surgery (%)", "Prompt surgery (N)", "Delirium assessed (%)",
          "Delirium assessed (N)")


@pytest.mark.parametrize("national_first", [False, True])
def test_paired_columns_with_a_shared_denominator(tmp_path: Path, national_first: bool) -> None:
    path = _table(tmp_path / "hips.csv", PAIRED, national_first=national_first)
    mapping = propose_wide_mapping(path)
    assert [m.code for m in mapping.measures] == ["Prompt surgery", "Delirium assessed"]
    for m in mapping.measures:
        assert m.denominator_col == "Number of cases submitted" and m.note == ""  # read, not derived
    assert (mapping.org_name_col, mapping.parent_name_col) == ("Hospital", "Trust")
    parsed = parse_file(path)
    values = parsed.values
    assert parsed.provenance.encoding == "cp1252" and parsed.provenance.notes == ("Source: synthetic",)
    national = parsed.national_values()
    assert national["denominator"].tolist() == [443.0, 443.0] and national["numerator"].tolist() == [242.0, 338.0]
    hospitals = values[~values["is_national"]]
    assert sorted(set(hospitals["org_name"])) == sorted(h[1] for h in HOSPITALS)
    assert set(hospitals["area_type"]) == {"Site"}
    # Suppressed cells: empty values with the marker kept, never 0, counted cell by cell.
    empty = hospitals[hospitals["value"].isna()]
    assert len(empty) == sum((s is None) + (d is None) for *_, s, d in HOSPITALS)
    assert (empty["suppressed_text"] == "*").all() and empty["numerator"].isna().all()
    summary = import_benchmark_json(path, dry_run=True)
    assert summary["organisations"] == len(HOSPITALS)  # the national row is not an organisation
    assert summary["marker_cells"] == {"*": 2 * len(empty)}
    assert summary["areas_by_type"] == {"Site": len(HOSPITALS)}
    # Every hospital read, once, with its trust as the parent; the national row is not among them.
    listed = summary["organisation_list"]
    assert [(o["name"], o["parent_name"], o["area_type"]) for o in listed] == [(h[1], h[0], "Site") for h in HOSPITALS]
    assert all(set(o) == {"code", "name", "parent_code", "parent_name", "area_type"} for o in listed)
    assert [(m["national"][0]["numerator"], m["national"][0]["denominator"]) for m in summary["measures"]] == \
        [(242.0, 443.0), (338.0, 443.0)]


@pytest.mark.parametrize(
    "headers",
    [
        ("Total patients", "% prompt surgery", "Number prompt surgery", "% delirium assessed",
         "Number delirium assessed"),
        ("n_patients", "prompt_surgery_pct", "prompt_surgery_n", "delirium_assessed_pct", "delirium_assessed_n"),
        ("Cases", "Prompt surgery - %", "Prompt surgery - No.", "Delirium assessed: percentage",
         "Delirium assessed: number"),
    ],
)
def test_pairs_under_other_wordings(tmp_path: Path, headers: tuple[str, str, str, str, str]) -> None:
    mapping = propose_wide_mapping(_table(tmp_path / "w.csv", headers))
    assert len(mapping.measures) == 2
    assert all(m.denominator_col == headers[0] for m in mapping.measures)
    assert [m.percent_col for m in mapping.measures] == [headers[1], headers[3]]
    assert [m.numerator_col for m in mapping.measures] == [headers[2], headers[4]]


def test_trust_code_beside_hospital_names_makes_hospital_rows(tmp_path: Path) -> None:
    path = _table(tmp_path / "codes.csv", PAIRED, trust_codes=True)
    mapping = propose_wide_mapping(path)
    assert (mapping.org_code_col, mapping.parent_code_col) == (None, "Trust code")
    assert mapping.org_name_col == "Hospital"
    values = parse_file(path).values
    rows = values[~values["is_national"] & (values["measure_code"] == "Prompt surgery")]
    assert len(rows) == len(HOSPITALS) and rows["parent_code"].notna().all()


def test_a_count_column_that_does_not_divide_is_not_the_denominator(tmp_path: Path) -> None:
    lines = ["Trust,Hospital,Beds,Screened (N),Screened (%)", "A Trust,A General,500,30,75.0",
             "B Trust,B General,400,10,50.0", "National,,900,40,66.7"]
    path = tmp_path / "beds.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (measure,) = propose_wide_mapping(path).measures
    assert measure.denominator_col is None and "derived" in measure.note
    national = parse_file(path).national_values()
    assert national["denominator"].tolist() == [60.0]  # 40 ÷ 66.7%, derived and said so


@pytest.mark.parametrize("merged_labels", [False, True])
def test_bare_n_and_percent_under_a_row_of_measure_labels(tmp_path: Path, merged_labels: bool) -> None:
    """Two header rows: the measure's name over its pair, then "N" and "%" (as Excel saves merged labels)."""
    over = ",,,Prompt surgery,Prompt surgery,Delirium assessed,Delirium assessed" if merged_labels else \
        ",,,Prompt surgery,,Delirium assessed,"
    lines = ["Synthetic audit 2025,,,,,,", over, "1,2,3,4,5,6,7", "Trust,Hospital,Number of cases submitted,N,%,N,%",
             "Alpha NHS Trust,Alpha General,120,60,50.0,90,75.0", "Alpha NHS Trust,Alpha Community,40,10,25.0,*,*",
             "Beta NHS Trust,Beta Royal,200,120,60.0,160,80.0", "England,,360,190,52.8,250,69.4"]
    path = tmp_path / "two_rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = propose_wide_mapping(path)
    assert [(m.code, m.numerator_col, m.percent_col, m.denominator_col) for m in mapping.measures] == [
        ("Prompt surgery", "Prompt surgery (N)", "Prompt surgery (%)", "Number of cases submitted"),
        ("Delirium assessed", "Delirium assessed (N)", "Delirium assessed (%)", "Number of cases submitted"),
    ]
    national = parse_file(path).national_values()
    assert national[["numerator", "denominator", "value"]].values.tolist() == [[190, 360, 52.8], [250, 360, 69.4]]


def test_the_user_corrects_the_national_row_and_the_encoding(tmp_path: Path) -> None:
    path = _table(tmp_path / "hips.csv", PAIRED)
    proposed = propose_wide_mapping(path)
    assert proposed.encoding == "" and proposed.national == ""  # guessed; the provenance says cp1252
    summary = import_benchmark_json(path, dry_run=True)
    # The national row, last: row 5 + the hospitals (two title rows, the column numbers, the header).
    assert summary["national_rows"] == [{"name": "National", "code": None, "rows": 1, "first_row": 5 + len(HOSPITALS)}]
    # No national row: the last row is then a row like the others (without a hospital name, left out).
    none = import_benchmark_json(path, dry_run=True, profile=replace(proposed, national="-"))
    assert none["national_rows"] == [] and none["rejected_rows"] == summary["rejected_rows"] + 1
    assert all(m["national"] == [] for m in none["measures"])
    # A row the names do not give away, named by the user (any case): Gamma's hospital, say.
    named = parse_file(path, replace(proposed, national="GAMMA HOSPITAL"))
    national = named.values[named.values["is_national"]]
    assert set(national["org_name"]) == {"Gamma Hospital"}
    # The encoding: the guess (cp1252) reads the curly apostrophe; UTF-8, forced, cannot.
    assert "Beta’s NHS Trust" in set(parse_file(path, proposed).values["parent_name"])
    forced = parse_file(path, replace(proposed, encoding="utf-8"))
    assert forced.provenance.encoding == "utf-8"
    assert "Beta\ufffds NHS Trust" in set(forced.values["parent_name"])
    assert propose_wide_mapping(path, encoding="latin-1").encoding == "latin-1"


QUIRKS = ("titles", "numbers", "trust", "suppressed", "national_last", "cp1252")
# (trust, hospital, cases submitted, screened N): the national row's 1,000 of 1,643 is 60.9%, from
# which a derived denominator would be 1,642: only a denominator read from the file gives 1,643.
SITES = [("Delta NHS Trust", "Delta General", 900, 600), ("Delta NHS Trust", "Delta – East", 300, 150),
         ("Epsilon NHS Trust", "Epsilon Royal", 443, 250)]


def _quirky(path: Path, quirks: set[str]) -> Path:
    """A plain paired table (hospital, shared denominator, N, %) with the named quirks added."""
    trust = "trust" in quirks
    header = (["Trust"] if trust else []) + ["Hospital", "Number of cases submitted", "Screened (N)", "Screened (%)"]
    rows = []
    for i, (t, hospital, d, n) in enumerate(SITES):
        hidden = "suppressed" in quirks and i == 1
        name = hospital if "cp1252" in quirks else hospital.replace("–", "-")
        rows.append(([t] if trust else []) + [name, str(d), "*" if hidden else str(n),
                                              "*" if hidden else f"{100 * n / d:.1f}"])
    national = ([""] if trust else []) + ["National", "1643", "1000", f"{100 * 1000 / 1643:.1f}"]
    rows = [*rows, national] if "national_last" in quirks else [national, *rows]
    lines = [",".join(header), *(",".join(r) for r in rows)]
    if "numbers" in quirks:
        lines.insert(0, ",".join(str(i + 1) for i in range(len(header))))
    if "titles" in quirks:
        lines[:0] = ["Synthetic audit 2025" + "," * (len(header) - 1), "Results by hospital" + "," * (len(header) - 1)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252" if "cp1252" in quirks else "utf-8"))
    return path


@pytest.mark.parametrize("quirks", [{q} for q in QUIRKS] + [set(QUIRKS)], ids=[*QUIRKS, "together"])
def test_each_layout_quirk_alone_and_together(tmp_path: Path, quirks: set[str]) -> None:
    path = _quirky(tmp_path / "t.csv", quirks)
    summary = import_benchmark_json(path, dry_run=True)
    assert summary["organisations"] == len(SITES) and summary["areas_by_type"] == (
        {"Site": len(SITES)} if "trust" in quirks else {"Organisation": len(SITES)})
    assert [o["name"] for o in summary["organisation_list"]] == [
        s[1] if "cp1252" in quirks else s[1].replace("–", "-") for s in SITES]
    if "trust" in quirks:
        assert [o["parent_name"] for o in summary["organisation_list"]] == [s[0] for s in SITES]
    (measure,) = summary["measures"]
    assert measure["national"][0]["denominator"] == 1643.0 and measure["national"][0]["numerator"] == 1000.0
    assert summary["mapping"]["measures"][0]["denominator_col"] == "Number of cases submitted"
    assert measure["suppressed"] == ("suppressed" in quirks)
    assert summary["marker_cells"] == ({"*": 2} if "suppressed" in quirks else {})
    assert summary["encoding"] == ("cp1252" if "cp1252" in quirks else "utf-8")
    assert summary["national_rows"][0]["first_row"] == (
        (2 if "titles" in quirks else 0) + ("numbers" in quirks) + 2 + (len(SITES) if "national_last" in quirks else 0))
