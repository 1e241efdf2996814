"""Hostile text files, each generated here: both readers (cases and national files) treat them alike."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from cli.import_benchmark import main as import_benchmark_main
from model.benchmark.benchmark_import import detect_format, parse_file
from model.collect.sheets import read_table
from model.core.errors import ImportProblem

WIDE = [
    "Synthetic audit 2025 – results by hospital",
    "Trust code;Site code;Trust name;Hospital name;q1n_done;q1d_eligible;q1p_percent",
    ";;England and Wales;National;60;100;60.0",
    "RA1;RA101;Alpha NHS Trust;Alpha General;30;40;75.0",
    "RA1;RA102;Alpha NHS Trust;Alpha Community;10;20;50.0",
    "RB2;RB201;Beta NHS Trust;Beta Royal;20;40;50.0",
]


def _write(path: Path, lines: list[str], *, delimiter: str = ";", end: str = "\r\n", encoding: str = "utf-8") -> Path:
    path.write_bytes((end.join(line.replace(";", delimiter) for line in lines) + end).encode(encoding))
    return path


def test_semicolon_national_file_reads_as_the_comma_one(tmp_path: Path) -> None:
    semi = parse_file(_write(tmp_path / "semi.csv", WIDE))
    comma = parse_file(_write(tmp_path / "comma.csv", WIDE, delimiter=","))
    assert semi.format == "national_audit_wide"
    cols = ["measure_code", "org_code", "org_name", "numerator", "denominator", "value", "is_national"]
    assert semi.values[cols].equals(comma.values[cols])
    # The same bytes as cases: one delimiter rule for both readers.
    table = read_table(tmp_path / "semi.csv")
    assert "q1p_percent" in table.columns and len(table.data) == len(WIDE) - 2


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"])
def test_bare_cr_line_ends_read_like_crlf(tmp_path: Path, end: str) -> None:
    parsed = parse_file(_write(tmp_path / "cr.csv", WIDE, delimiter=",", end=end))
    assert len(parsed.values) == len(WIDE) - 2 and parsed.values["is_national"].sum() == 1
    assert len(read_table(tmp_path / "cr.csv").data) == len(WIDE) - 2


def test_unterminated_quote_is_a_known_error_in_both_readers(tmp_path: Path, capsys) -> None:
    lines = [*WIDE[:4], 'RA1;RA102;"Alpha NHS Trust;Alpha Community;10;20;50.0', *WIDE[5:]]
    path = _write(tmp_path / "quote.csv", lines)
    for read in (parse_file, read_table):
        with pytest.raises(ImportProblem, match="never closed") as info:
            read(path)
        assert "row 5" in info.value.where and info.value.hint
    assert import_benchmark_main([str(path), "--json", "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "never closed" in captured.err and "Traceback" not in captured.err


def test_bare_cr_file_through_the_command_line(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path / "cr.csv", WIDE, end="\r")
    assert import_benchmark_main([str(path), "--json", "--dry-run"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [m["code"] for m in out["measures"]] == ["q1"] and out["organisations"] == 3


def test_byte_order_mark_inside_the_file_makes_no_phantom_measure(tmp_path: Path) -> None:
    body = ("\r\n".join(WIDE[:3]) + "\r\n").encode("utf-8")
    rest = ("\r\n".join(WIDE[3:]) + "\r\n").encode("utf-8")
    path = tmp_path / "joined.csv"
    path.write_bytes(b"\xef\xbb\xbf" + body + b"\xef\xbb\xbf" + rest)  # two exports pasted together
    parsed = parse_file(path)
    assert list(parsed.measures["measure_code"]) == ["q1"]
    assert set(parsed.values["org_code"].dropna()) == {"RA101", "RA102", "RB201"}
    assert not any("\ufeff" in str(v) for v in parsed.values["org_code"])
    table = read_table(path)
    assert not any("\ufeff" in c for c in table.columns)
    assert not table.data.apply(lambda s: s.astype(str).str.contains("\ufeff")).any().any()


def test_random_bytes_named_csv_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.csv"
    path.write_bytes(random.Random(7).randbytes(4000))
    for read in (detect_format, read_table):
        with pytest.raises(ImportProblem, match="not a text table"):
            read(path)


def test_excel_lock_file_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "~$falls audit.xlsx"
    path.write_bytes(bytes([7]) + b"A User" + b"\x00" * 40 + os.urandom(100))  # what Excel writes: the owner
    for read in (detect_format, read_table):
        with pytest.raises(ImportProblem, match="Excel's lock file") as info:
            read(path)
        assert "falls audit.xlsx" in info.value.hint and "damaged" not in info.value.message
