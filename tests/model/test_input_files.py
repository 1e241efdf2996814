"""Paths and archives refused before reading, the same way by both readers (cases and national
files) and both commands, each with a message that says what it is and what to do."""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.analyse_sheet import main as analyse_sheet_main
from cli.import_benchmark import main as import_benchmark_main
from model.benchmark.benchmark_import import parse_file
from model.collect.sheets import read_table
from model.core.errors import ImportProblem
from model.core.input_files import check_zip_sizes
from tests.generators import rows_xml, write_sheet_xml

READERS: list[Callable[[Path], object]] = [read_table, parse_file]


def _assert_both_refuse(path: Path, match: str) -> None:
    for read in READERS:
        with pytest.raises(ImportProblem, match=match) as info:
            read(path)
        assert info.value.hint and str(path) in info.value.where


def _assert_commands_exit_2(path: Path, capsys: pytest.CaptureFixture[str], words: str) -> None:
    for run in (analyse_sheet_main, import_benchmark_main):
        args = [str(path), "--json"] + (["--dry-run"] if run is import_benchmark_main else [])
        assert run(args) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and words in captured.err and "Traceback" not in captured.err
        assert "What to do:" in captured.err


def test_a_folder_is_named_as_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "audit.xlsx"
    folder.mkdir()
    _assert_both_refuse(folder, "folder, not a file")
    _assert_commands_exit_2(folder, capsys, "folder")


def test_a_symlink_loop_is_not_called_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loop = tmp_path / "loop.csv"
    os.symlink(loop, loop)
    _assert_both_refuse(loop, "leads back to itself")
    _assert_commands_exit_2(loop, capsys, "symbolic link")


def test_a_broken_symlink_and_a_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "gone.csv"
    os.symlink(tmp_path / "nowhere.csv", broken)
    _assert_both_refuse(broken, "no longer exists")
    _assert_both_refuse(tmp_path / "never.csv", "does not exist")


def test_an_unreadable_file_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)  # root reads everything: simulate a refused read
    _assert_both_refuse(path, "not allowed to read")
    _assert_commands_exit_2(path, capsys, "not allowed")


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty.ods"])
def test_an_empty_file_is_named_empty(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    _assert_both_refuse(path, "empty")
    _assert_commands_exit_2(path, capsys, "empty")


def _bomb(path: Path, unpacked: int) -> Path:
    """A workbook whose sheet is followed by a member of `unpacked` zero bytes (packs ~1000:1)."""
    write_sheet_xml(path, rows_xml([["Case no.", "Done?"], [1, "Yes"]]))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/padding.bin", "w", force_zip64=True) as member:
        block = bytes(1 << 20)
        for _ in range(unpacked >> 20):
            member.write(block)
    return path


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _bomb(tmp_path / "bomb.xlsx", 40 << 20)
    assert path.stat().st_size < 1 << 20
    start = time.perf_counter()
    _assert_both_refuse(path, "refused before reading")
    assert time.perf_counter() - start < 5  # nothing inflated (the check reads the zip directory only)
    with pytest.raises(ImportProblem, match="xl/media/padding.bin") as info:
        read_table(path)
    assert "times its packed size" in info.value.message and "zip bomb" in info.value.hint
    _assert_commands_exit_2(path, capsys, "refused before reading")


def test_declared_total_beyond_the_limit_is_refused(tmp_path: Path) -> None:
    path = write_sheet_xml(tmp_path / "big.xlsx", rows_xml([["Case no.", "Done?"]] + [[i, "Yes"] for i in range(2000)]))
    check_zip_sizes(path)  # an ordinary workbook passes
    with pytest.raises(ImportProblem, match="would unpack to"):
        check_zip_sizes(path, max_unpacked=10_000)
    with pytest.raises(ImportProblem, match="times its packed size"):
        check_zip_sizes(path, max_ratio=2, ratio_from=1000)


def test_an_ods_bomb_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        with archive.open("content.xml", "w", force_zip64=True) as member:
            for _ in range(40):
                member.write(b" " * (1 << 20))
    _assert_both_refuse(path, "refused before reading")


def test_more_columns_than_excel_allows_is_refused_by_both_readers(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"Q{i}" for i in range(16_385)) + "\n" + ",".join("Y" * 16_385) + "\n", encoding="utf-8")
    _assert_both_refuse(path, "more than 16,384")


def test_more_rows_than_excel_allows_is_refused_once_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Case,Done\n" + "1,Y\n" * 1_048_576, encoding="utf-8")  # 1,048,577 rows with the header
    with pytest.raises(ImportProblem, match="more than 1,048,576 rows"):
        read_table(path)
    with pytest.raises(ImportProblem):  # the national reader refuses it too (here already for its layout)
        parse_file(path)
    ok = tmp_path / "fits.csv"
    ok.write_text("Case,Done\n" + "".join(f"{i},Y\n" for i in range(1, 2000)), encoding="utf-8")
    assert len(read_table(ok).data) == 1999
