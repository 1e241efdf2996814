"""Benchmark storage: the migration, saving/replacing datasets, profiles, links, our rows, the CLI."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlite_utils import Database

from cli.import_benchmark import main as main_import_benchmark
from model.benchmark.benchmark_codec import _decode, _distinct_rows
from model.benchmark.benchmark_import import NUMERIC_COLUMNS as NUMBERS
from model.benchmark.benchmark_import import parse_file, propose_wide_mapping
from model.benchmark.benchmark_matching import find_our_rows
from model.benchmark.benchmark_store import (
    delete_dataset,
    link_criterion,
    links_for_audit,
    list_datasets,
    list_profiles,
    load_profile,
    measures,
    periods_for_measure,
    save_dataset,
    save_profile,
    set_link_period,
    values_for_measure,
)
from model.benchmark.benchmark_summary import import_benchmark_json
from model.core.errors import KnownError
from model.store.migrations import known_names, m005_benchmarks, m006_benchmark_links_period
from model.store.store import open_memory, open_store
from tests.generators import generate_fingertips_csv
from tests.model import shared_facts as facts

NATIONAL_FILE = "national_audit_trust_results.csv"
TABLES = {
    "benchmark_datasets",
    "benchmark_measures",
    "benchmark_values",
    "benchmark_profiles",
    "benchmark_links",
}
#: What one import writes (values are one benchmark_columns row per measure since m009).
STORED_TABLES = (
    "benchmark_datasets", "benchmark_measures", "benchmark_columns", "benchmark_areas", "benchmark_periods",
    "benchmark_details",
)


@pytest.fixture
def db() -> Iterator[Database]:
    database = open_memory()
    yield database
    database.close()


def _audit(db: Database) -> int:
    now = "2026-01-01T00:00:00+00:00"
    db.execute(
        "INSERT INTO audits (uid, title, created_at, updated_at) VALUES ('a1', 'Falls', ?, ?)", [now, now]
    )
    return int(db.execute("SELECT id FROM audits WHERE uid = 'a1'").fetchone()[0])


def test_migration_creates_the_tables_on_a_bare_database() -> None:
    database = Database(memory=True)
    m005_benchmarks.migrate(database)
    assert set(database.table_names()) >= TABLES
    columns = {c.name for c in database["benchmark_values"].columns}
    assert {"dataset_id", "measure_id", "suppressed_text", "is_national", "period_sortable"} <= columns
    indexed = {tuple(i.columns) for i in database["benchmark_values"].indexes}
    assert ("measure_id", "period") in indexed and ("org_code",) in indexed
    database.close()


def test_save_fingertips_dataset_and_query(db: Database, shared_data: Path) -> None:
    parsed = parse_file(shared_data / "fingertips_example.csv")
    dataset_id = save_dataset(db, parsed)
    listed = list_datasets(db)
    assert listed.loc[0, "id"] == dataset_id and listed.loc[0, "row_count"] == len(facts.fingertips())
    assert listed.loc[0, "measure_count"] == 1
    assert json.loads(listed.loc[0, "periods_json"]) == list(parsed.provenance.periods)
    measure = measures(db, dataset_id).iloc[0]
    raw = facts.fingertips()
    assert measure["measure_code"] == raw["Indicator ID"].iloc[0] and measure["unit"] == "per 100,000"
    periods = facts.fingertips_periods()
    assert periods_for_measure(db, int(measure["id"])) == periods
    rows = values_for_measure(db, int(measure["id"]), period=periods[0])
    assert len(rows) == (raw["Time period"] == periods[0]).sum()
    assert rows["is_national"].sum() == 1  # England, Persons, the main age, no category
    suppressed = rows[rows["value"].isna()]
    assert len(suppressed) > 0 and (suppressed["suppressed_text"] == "").all()
    assert not (rows["value"] == 0).any()
    national = rows[rows["is_national"]].iloc[0]
    assert national["proportion"] == pytest.approx(national["numerator"] / national["denominator"])


def test_reimport_is_refused_unless_replace_and_links_follow(db: Database, shared_data: Path) -> None:
    parsed = parse_file(shared_data / NATIONAL_FILE)
    first = save_dataset(db, parsed)
    q08 = int(measures(db, first).set_index("measure_code").loc[facts.national_triplets()[1], "id"])
    audit_id = _audit(db)
    link_criterion(db, audit_id, "crit-lsbp", q08, "National counts all patients; we audit over-65s only")
    with pytest.raises(KnownError, match="already imported"):
        save_dataset(db, parsed)
    second = save_dataset(db, parsed, replace=True)
    assert second != first
    assert list(list_datasets(db)["id"]) == [second]
    links = links_for_audit(db, audit_id)
    assert len(links) == 1
    assert links.loc[0, "measure_code"] == facts.national_triplets()[1] and links.loc[0, "dataset_id"] == second
    assert links.loc[0, "definition_difference"].startswith("National counts all")


def test_save_is_all_or_nothing(db: Database, shared_data: Path) -> None:
    parsed = parse_file(shared_data / NATIONAL_FILE)
    broken = replace(parsed, measures=parsed.measures.iloc[:2])  # values refer to q12/q15 too
    with pytest.raises(KnownError, match="not listed"):
        save_dataset(db, broken)
    for table in STORED_TABLES:
        assert db[table].count == 0


def test_values_for_wide_measure_keep_markers_and_percent_proportions(
    db: Database, shared_data: Path
) -> None:
    dataset_id = save_dataset(db, parse_file(shared_data / NATIONAL_FILE))
    q = facts.national_triplets()[1]
    measure_id = int(measures(db, dataset_id).set_index("measure_code").loc[q, "id"])
    rows = values_for_measure(db, measure_id)
    site, marker = facts.suppressed_cell(q)
    cell = rows[rows["org_code"] == site].iloc[0]
    assert pd.isna(cell["value"]) and cell["suppressed_text"] == marker and pd.isna(cell["proportion"])
    national = rows[rows["is_national"]].iloc[0]
    raw = facts.national_aggregate()
    assert national["value"] == float(raw[facts.national_column(q, "p")])
    n, d = float(raw[facts.national_column(q, "n")]), float(raw[facts.national_column(q, "d")])
    assert national["proportion"] == pytest.approx(n / d)


def test_delete_dataset_removes_values_and_links(db: Database, shared_data: Path) -> None:
    dataset_id = save_dataset(db, parse_file(shared_data / NATIONAL_FILE))
    audit_id = _audit(db)
    link_criterion(db, audit_id, "c1", int(measures(db, dataset_id).loc[0, "id"]))
    delete_dataset(db, dataset_id)
    assert db["benchmark_columns"].count == 0 and db["benchmark_measures"].count == 0
    assert links_for_audit(db, audit_id).empty


def test_link_criterion_updates_the_note(db: Database, shared_data: Path) -> None:
    dataset_id = save_dataset(db, parse_file(shared_data / NATIONAL_FILE))
    audit_id = _audit(db)
    measure_id = int(measures(db, dataset_id).loc[0, "id"])
    first = link_criterion(db, audit_id, "c1", measure_id, "old note")
    again = link_criterion(db, audit_id, "c1", measure_id, "new note")
    assert first == again
    assert links_for_audit(db, audit_id)["definition_difference"].tolist() == ["new note"]


def test_profiles_round_trip(db: Database, shared_data: Path) -> None:
    mapping = propose_wide_mapping(shared_data / NATIONAL_FILE)
    save_profile(db, "Falls audit", mapping)
    save_profile(db, "another", replace(mapping, period="2024"))
    save_profile(db, "Falls audit", replace(mapping, period="2025/26"))
    assert list_profiles(db) == ["another", "Falls audit"]
    assert load_profile(db, "Falls audit") == replace(mapping, period="2025/26")
    with pytest.raises(KnownError, match="no import profile"):
        load_profile(db, "missing")
    with pytest.raises(KnownError):
        save_profile(db, "  ", mapping)


def test_find_our_rows_by_code_then_name(shared_data: Path) -> None:
    values = parse_file(shared_data / NATIONAL_FILE).values
    trust, sites = facts.multi_site_trust()
    ours = find_our_rows(values, trust)
    assert set(ours["org_code"]) == sites
    assert set(ours["match_kind"]) == {"code"}
    one = sorted(sites)[0]
    by_site = find_our_rows(values, "", site_codes=[one.lower()])
    assert set(by_site["org_code"]) == {one}
    header, body = facts.national_rows()
    name = next(r[2] for r in body if r[0] == trust)
    plain = find_our_rows(values, "QQQ", trust_name=name.lower())
    assert set(plain["org_code"]) == sites
    by_name = find_our_rows(values, "QQQ", trust_name=name.upper().replace(" NHS ", " NHS-"))
    assert set(by_name["org_code"]) == sites and set(by_name["match_kind"]) == {"name"}
    assert find_our_rows(values, "QQQ", trust_name="").empty


def test_store_file_keeps_datasets_across_opens(tmp_path: Path, shared_data: Path) -> None:
    path = tmp_path / "auditloop.db"
    store = open_store(path)
    dataset_id = save_dataset(store.db, parse_file(shared_data / NATIONAL_FILE))
    store.close()
    store = open_store(path)
    try:
        assert list(list_datasets(store.db)["id"]) == [dataset_id]
        assert len(measures(store.db)) == len(facts.national_triplets()) + len(facts.national_medians())
    finally:
        store.close()


def test_import_benchmark_json_dry_run(shared_data: Path) -> None:
    summary = import_benchmark_json(shared_data / NATIONAL_FILE, dry_run=True)
    assert summary["format"] == "national_audit_wide" and summary["dry_run"] is True
    assert summary["dataset_id"] is None
    assert [m["code"] for m in summary["measures"]] == facts.national_triplets() + facts.national_medians()
    raw, first = facts.national_aggregate(), facts.national_triplets()[0]
    assert summary["measures"][0]["national"] == [
        {"period": "2025", **{k: float(raw[facts.national_column(first, r)])
                              for k, r in (("value", "p"), ("numerator", "n"), ("denominator", "d"))}}
    ]
    assert summary["areas_by_type"] == {"Site": summary["organisations"]}
    assert summary["suppressed_cells"] > 0 and summary["periods"] == ["2025"]
    assert summary["mapping"]["org_code_col"] == "sitecode"
    json.dumps(summary)  # plain JSON types only


def test_cli_dry_run_json(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main_import_benchmark([str(shared_data / "fingertips_example.csv"), "--json", "--dry-run"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["format"] == "fingertips" and out["rows"] == len(facts.fingertips())
    assert out["areas_by_type"]["Region"] == 9
    assert len(out["measures"][0]["national"]) == len(facts.fingertips_periods())  # one per period


def test_cli_stores_with_db_and_refuses_twice(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path = tmp_path / "store.db"
    args = ["import-benchmark", str(shared_data / NATIONAL_FILE), "--json", "--db", str(db_path)]
    assert main_import_benchmark(args) == 0
    assert json.loads(capsys.readouterr().out)["dataset_id"] == 1
    assert main_import_benchmark(args) == 2
    assert "already imported" in capsys.readouterr().err
    assert main_import_benchmark([*args, "--replace"]) == 0


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"Name,Colour\nBall,Red\n", ["--dry-run"], "not one AuditLoop knows"),
        (b"Org code,Measure,Value\nRA1,m,5\n", [], "--db PATH"),
    ],
)
def test_cli_known_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, extra: list[str], message: str
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    assert main_import_benchmark([str(path), "--json", *extra]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


# --- Compact storage (m006) and link periods -------------------------------------------------------

VIEW_COLUMNS = [
    "id", "dataset_id", "measure_id", "org_code", "org_name", "parent_code", "parent_name", "area_type", "sex",
    "age", "category_type", "category", "period", "period_sortable", "numerator", "denominator", "value",
    "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "suppressed_text", "value_note",
    "compared_to_national", "compared_to_parent", "is_national", "source_row",
]


def test_m006_moves_stored_values_and_keeps_the_view_identical() -> None:
    database = Database(memory=True)
    database.execute("PRAGMA foreign_keys = ON")
    for name in known_names():
        if name < "m006":
            importlib.import_module(f"model.store.migrations.{name}").migrate(database)
    database.execute("INSERT INTO benchmark_datasets (id, file_name, sha256, format, imported_at) "
                     "VALUES (7, 'f.csv', 'abc', 'fingertips', '2026-01-01')")
    database.execute("INSERT INTO benchmark_measures (id, dataset_id, measure_code) VALUES (3, 7, 'm1')")
    rows = [
        (11, 7, 3, "E92000001", "England", None, None, "Country", "Persons", "All ages", None, None, "2023", 2023,
         5.0, 10.0, 50.0, 40.0, 60.0, 35.0, 65.0, None, None, None, None, 1, 2),
        (12, 7, 3, "E06000001", "Hartlepool", "E12000001", "North East", "County & UA", "Male", "All ages", None,
         None, "2023", 2023, None, None, None, None, None, None, None, "", "suppressed", "Similar", "Better", 0, 3),
        (13, 7, 3, "E06000001", "Hartlepool", "E12000001", "North East", "County & UA", "Persons", "All ages",
         "Deprivation", "Most deprived", None, None, 1.0, 2.0, 50.0, None, None, None, None, None, None, None,
         None, 0, 4),
    ]
    database.conn.executemany(f"INSERT INTO benchmark_values VALUES ({', '.join('?' * 27)})", rows)
    before = database.execute("SELECT * FROM benchmark_values ORDER BY id").fetchall()
    m006_benchmark_links_period.migrate(database)
    assert "benchmark_values" in database.view_names()
    after = database.execute("SELECT * FROM benchmark_values ORDER BY id").fetchall()
    assert after == before and [c.name for c in database["benchmark_values"].columns] == VIEW_COLUMNS
    assert database["benchmark_areas"].count == 2 and database["benchmark_periods"].count == 2
    assert "period" in {c.name for c in database["benchmark_links"].columns}
    database.close()


def test_stored_values_round_trip_exactly(db: Database, tmp_path: Path) -> None:
    parsed = parse_file(generate_fingertips_csv(tmp_path / "f.csv", rows=3000, seed=4))
    dataset_id = save_dataset(db, parsed)
    stored = pd.concat(
        [values_for_measure(db, int(m)) for m in measures(db, dataset_id)["id"]], ignore_index=True
    )
    assert list(stored.columns) == [*VIEW_COLUMNS, "measure_code", "scale", "proportion"]
    expected = parsed.values.sort_values(["measure_code", "source_row"]).reset_index(drop=True)
    stored = stored.sort_values(["measure_code", "source_row"]).reset_index(drop=True)
    for col in expected.columns:
        left, right = expected[col], stored[col]
        if col == "period":  # the parser keeps a year-only period as read; the store holds it as TEXT
            left = left.astype(str)
        if col in ("period_sortable", "source_row", *NUMBERS):
            np.testing.assert_allclose(left.astype(float), right.astype(float), err_msg=col)
        else:
            assert left.astype(object).where(left.notna(), None).tolist() == \
                right.astype(object).where(right.notna(), None).tolist(), col
    # Repeated text is stored once per dataset, not once per row.
    assert db["benchmark_areas"].count == parsed.values[["org_code", "org_name"]].drop_duplicates().shape[0]
    assert db["benchmark_details"].count < 20 and db["benchmark_periods"].count == 8


def test_delete_dataset_removes_its_lookups_only(db: Database, shared_data: Path) -> None:
    first = save_dataset(db, parse_file(shared_data / NATIONAL_FILE))
    second = save_dataset(db, parse_file(shared_data / "fingertips_example.csv"))
    areas = db["benchmark_areas"].count
    delete_dataset(db, first)
    for table in ("benchmark_areas", "benchmark_periods", "benchmark_details"):
        assert {r[0] for r in db.execute(f"SELECT DISTINCT dataset_id FROM {table}")} == {second}
    assert 0 < db["benchmark_areas"].count < areas
    assert len(values_for_measure(db, int(measures(db, second)["id"].iloc[0]))) == len(facts.fingertips())


def test_link_remembers_its_period(db: Database, shared_data: Path) -> None:
    dataset_id = save_dataset(db, parse_file(shared_data / "fingertips_example.csv"))
    audit_id = _audit(db)
    measure_id = int(measures(db, dataset_id)["id"].iloc[0])
    link = link_criterion(db, audit_id, "c1", measure_id, "note", period="2020/21")
    assert links_for_audit(db, audit_id)["period"].tolist() == ["2020/21"]
    assert link_criterion(db, audit_id, "c1", measure_id, "note", period="2021/22") == link
    assert links_for_audit(db, audit_id)["period"].tolist() == ["2021/22"]
    set_link_period(db, link, None)
    assert links_for_audit(db, audit_id)["period"].isna().all()
    save_dataset(db, parse_file(shared_data / "fingertips_example.csv"), replace=True)
    set_link_period(db, link, "2019/20")
    save_dataset(db, parse_file(shared_data / "fingertips_example.csv"), replace=True)
    assert links_for_audit(db, audit_id)["period"].tolist() == ["2019/20"]  # kept when the file is replaced


# --- Column storage (m009) -----------------------------------------------------------------------

LONG_FILE = (
    "org code,org name,period,measure,numerator,denominator,value\n"
    "RA1,A,2024/25,m1,,,\nRA2,B,2023/24,m1,,,12.5\nRA3,C,,m1,,,\n"
    "RA1,A,2023/24,m2,3,4,75\nRA3,C,2023/24,m2,,,*\n"
)


def _long(tmp_path: Path) -> Path:
    path = tmp_path / "long.csv"
    path.write_text(LONG_FILE, encoding="utf-8")
    return path


def test_distinct_rows_gives_ids_in_first_appearance_and_first_rows() -> None:
    frame = pd.DataFrame({"a": ["x", "y", "x", "y", None], "b": [1, 1, 1, 2, None]})
    ids, firsts = _distinct_rows(frame, ["a", "b"])
    assert ids.tolist() == [0, 1, 0, 2, 3] and firsts.tolist() == [0, 1, 3, 4]


def test_numbers_are_stored_compactly_and_read_back_bit_for_bit(db: Database, shared_data: Path) -> None:
    parsed = parse_file(shared_data / "fingertips_example.csv")
    values = parsed.values.copy()
    values["numerator"] = np.where(np.arange(len(values)) % 2, 3.0, -0.0)  # float32 holds both exactly
    values["denominator"] = 2.0**30 + 1  # does not fit float32: stays float64
    values["value"] = 0.1  # not a float32 number
    measure_id = int(measures(db, save_dataset(db, replace(parsed, values=values)))["id"].iloc[0])
    layout = dict(json.loads(db.execute("SELECT layout FROM benchmark_columns").fetchone()[0]))
    assert layout["numerator"] == "<f4" and layout["denominator"] == "<f8" and layout["value"] == "<f8"
    assert layout["source_row"] == "<f4" and np.dtype(layout["period_id"]) == np.int8
    stored = values_for_measure(db, measure_id).sort_values("source_row")
    assert np.signbit(stored["numerator"].to_numpy()).tolist() == np.signbit(values["numerator"]).tolist()
    assert stored["numerator"].tolist() == values["numerator"].tolist()
    assert (stored["denominator"] == 2.0**30 + 1).all() and (stored["value"] == 0.1).all()


def test_values_are_typed_as_the_old_view_gave_them(db: Database, tmp_path: Path) -> None:
    dataset_id = save_dataset(db, parse_file(_long(tmp_path)))
    ids = measures(db, dataset_id).set_index("measure_code")["id"]
    m1 = values_for_measure(db, int(ids["m1"]))
    assert list(m1.columns) == [*VIEW_COLUMNS, "measure_code", "scale", "proportion"]
    # A column that is NULL throughout reads as None (object), as pandas.read_sql_query gave it.
    assert m1["numerator"].dtype == object and m1["numerator"].isna().all()
    assert m1["period_sortable"].dtype == object and m1["source_row"].dtype == np.int64
    assert m1["value"].dtype == np.float64 and m1["is_national"].dtype == bool
    assert m1["org_code"].tolist() == ["RA1", "RA2", "RA3"] and pd.isna(m1["period"].iloc[2])
    m2 = values_for_measure(db, int(ids["m2"]), period="2023/24")
    assert m2["numerator"].dtype == np.float64 and m2["suppressed_text"].tolist()[1] == "*"
    assert m2["proportion"].iloc[0] == 0.75
    for empty in (values_for_measure(db, int(ids["m2"]), period="1999"), values_for_measure(db, 10_000)):
        assert empty.empty and list(empty.columns) == list(m1.columns)


def test_periods_follow_sortable_keys_else_file_order(db: Database, tmp_path: Path) -> None:
    dataset_id = save_dataset(db, parse_file(_long(tmp_path)))
    ids = measures(db, dataset_id).set_index("measure_code")["id"]
    assert periods_for_measure(db, int(ids["m1"])) == ["2024/25", "2023/24"]  # no sortable key: as in the file
    assert periods_for_measure(db, 10_000) == []


def test_value_ids_stay_unique_and_increasing_across_datasets(db: Database, shared_data: Path) -> None:
    first = save_dataset(db, parse_file(shared_data / NATIONAL_FILE))
    second = save_dataset(db, parse_file(shared_data / "fingertips_example.csv"))

    def ids(dataset_id: int) -> list[int]:
        return sorted(i for m in measures(db, dataset_id)["id"] for i in values_for_measure(db, int(m))["id"])

    wide, tips = len(parse_file(shared_data / NATIONAL_FILE).values), len(facts.fingertips())
    assert ids(first) == list(range(1, wide + 1)) and ids(second) == list(range(wide + 1, wide + 1 + tips))
    delete_dataset(db, first)
    third = save_dataset(db, parse_file(shared_data / NATIONAL_FILE))
    assert min(ids(third)) == wide + 1 + tips
    assert db["benchmark_columns"].count == 1 + len(facts.national_triplets()) + len(facts.national_medians())


def test_a_row_in_another_recorded_layout_reads_the_same(db: Database, tmp_path: Path) -> None:
    dataset_id = save_dataset(db, parse_file(_long(tmp_path)))
    measure_id = int(measures(db, dataset_id)["id"].iloc[1])
    before = values_for_measure(db, measure_id)
    count, layout, data = db.execute(
        "SELECT row_count, layout, data FROM benchmark_columns WHERE measure_id = ?", [measure_id]
    ).fetchone()
    arrays = _decode(layout, data, count)
    wide = [[name, ">i8" if array.dtype.kind == "i" else ">f8"] for name, array in arrays.items()]  # big-endian
    blob = b"".join(array.astype(dtype).tobytes() for array, (_, dtype) in zip(arrays.values(), wide, strict=True))
    db.execute("UPDATE benchmark_columns SET layout = ?, data = ? WHERE measure_id = ?",
               [json.dumps(wide), blob, measure_id])
    pd.testing.assert_frame_equal(values_for_measure(db, measure_id), before)


def test_replace_keeps_one_columns_row_per_measure(db: Database, shared_data: Path) -> None:
    parsed = parse_file(shared_data / NATIONAL_FILE)
    save_dataset(db, parsed)
    second = save_dataset(db, parsed, replace=True)
    stored = db.execute("SELECT m.dataset_id, c.row_count FROM benchmark_columns c "
                        "JOIN benchmark_measures m ON m.id = c.measure_id").fetchall()
    assert {d for d, _ in stored} == {second} and sum(n for _, n in stored) == len(parsed.values)


def test_a_value_whose_lookup_row_is_gone_is_left_out_as_the_view_did(db: Database, tmp_path: Path) -> None:
    dataset_id = save_dataset(db, parse_file(_long(tmp_path)))
    measure_id = int(measures(db, dataset_id).set_index("measure_code").loc["m1", "id"])
    db.execute("DELETE FROM benchmark_areas WHERE org_code = 'RA2'")
    assert values_for_measure(db, measure_id)["org_code"].tolist() == ["RA1", "RA3"]


def test_values_without_a_measure_code_are_refused_not_filed_elsewhere(tmp_path: Path) -> None:
    from model.benchmark.benchmark_import import parse_long

    path = tmp_path / "long.csv"
    path.write_text("org code,org name,period,measure,numerator,denominator\nRA1,A,2024,m1,1,2\nRA2,B,2024,m2,3,4\n",
                    encoding="utf-8")
    parsed = parse_long(path)
    parsed.values.loc[1, "measure_code"] = None  # as a caller building values by hand might leave it
    db = open_memory()
    try:
        with pytest.raises(KnownError, match="1 value\\(s\\) have no measure code"):
            save_dataset(db, parsed)
        assert db["benchmark_datasets"].count == 0
    finally:
        db.close()


def test_categorical_text_columns_are_stored_as_plain_text_would_be(tmp_path: Path) -> None:
    """Fingertips values keep categorical text columns; what is stored is the same as from object columns."""
    parsed = parse_file(generate_fingertips_csv(tmp_path / "f.csv", rows=400, seed=5))
    assert isinstance(parsed.values["sex"].dtype, pd.CategoricalDtype)
    as_objects = replace(parsed, values=parsed.values.astype({c: object for c in parsed.values.columns
                                                              if isinstance(parsed.values[c].dtype,
                                                                            pd.CategoricalDtype)}))
    stored = []
    for version in (parsed, as_objects):
        db = open_memory()
        try:
            dataset = save_dataset(db, version)
            ids = [int(r[0]) for r in db.execute("SELECT id FROM benchmark_measures WHERE dataset_id = ? ORDER BY id",
                                                 [dataset])]
            stored.append([values_for_measure(db, m).drop(columns=["id", "measure_id"]) for m in ids])
        finally:
            db.close()
    assert len(stored[0]) == len(stored[1]) > 0
    for left, right in zip(*stored, strict=True):
        pd.testing.assert_frame_equal(left, right)


def test_organisation_list_names_each_area_once_with_its_parent(shared_data: Path) -> None:
    summary = import_benchmark_json(shared_data / "fingertips_example.csv", dry_run=True)
    listed = summary["organisation_list"]
    assert len(listed) == summary["organisations"] == len({o["code"] for o in listed})
    by_type: dict[str, int] = {}
    for org in listed:
        by_type[org["area_type"]] = by_type.get(org["area_type"], 0) + 1
        if org["area_type"] == "Region":
            assert (org["parent_code"], org["parent_name"]) == ("E92000001", "England")
        if org["area_type"] == "County & UA":
            assert org["parent_code"].startswith("E12")
    assert by_type == summary["areas_by_type"]
    national = summary["measures"][0]["national"]
    assert {n["period"] for n in national} == set(summary["periods"])
    assert all(set(n) == {"period", "value", "numerator", "denominator"} for n in national)
