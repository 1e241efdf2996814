"""Every hostile file of issue 14 through `analyse-sheet` and `import-benchmark`: each ends within
15 s and under 1 GiB of memory, with an exit code and no traceback. The files are generated here."""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.generators import generate_wide_workbook, rows_xml, write_sheet_xml
from tests.model.test_benchmark_pairs import QUIRKS, _quirky

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = [
    "Synthetic audit 2025 – results by hospital",
    "Trust code;Site code;Trust name;Hospital name;q1n_done;q1d_eligible;q1p_percent",
    ";;England and Wales;National;60;100;60.0",
    "RA1;RA101;Alpha NHS Trust;Alpha General;30;40;75.0",
    "RB2;RB201;Beta NHS Trust;Beta Royal;20;40;50.0",
]


def _text(path: Path, lines: list[str], end: str = "\r\n", delimiter: str = ";", encoding: str = "cp1252") -> str:
    path.write_bytes((end.join(line.replace(";", delimiter) for line in lines) + end).encode(encoding))
    return str(path)


def _declared_bomb(path: Path, declared: int) -> str:
    """A small workbook whose zip directory declares its sheet `declared` bytes unpacked."""
    write_sheet_xml(path, rows_xml([["Case no.", "Done?"], [1, "Yes"]]))
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = data.find(signature + b"")
        while at >= 0:
            name_at = at + (46 if signature == b"PK\x01\x02" else 30)
            if data[name_at:name_at + len(name)] == name:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", declared)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return str(path)


def _ratio_bomb(path: Path) -> str:
    write_sheet_xml(path, rows_xml([["Case no.", "Done?"], [1, "Yes"]]))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/pad.bin", "w", force_zip64=True) as member:
        for _ in range(64):
            member.write(bytes(1 << 20))
    return str(path)


def _hostile_files(folder: Path) -> list[str]:
    rng = random.Random(3)
    files = [
        _ratio_bomb(folder / "ratio_bomb.xlsx"),
        _declared_bomb(folder / "declared_1gib.xlsx", (1 << 30) - 1),
        str(generate_wide_workbook(folder / "wide.xlsx")),
        str(_quirky(folder / "paired_layout.csv", set(QUIRKS))),  # the national table of the first finding
        _text(folder / "semicolon.csv", NATIONAL),
        _text(folder / "bare_cr.csv", NATIONAL, end="\r", delimiter=","),
        _text(folder / "quote.csv", [*NATIONAL[:3], 'RA1;RA101;"Alpha NHS Trust;Alpha General;30;40;75.0',
                                     NATIONAL[4]]),
        _text(folder / "bom_inside.csv", [NATIONAL[0], NATIONAL[1], "\ufeff" + NATIONAL[2], *NATIONAL[3:]],
              encoding="utf-8"),
        str(write_sheet_xml(folder / "formula_only.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>Case</t></is></c>'
                                                          '<c r="B1" t="inlineStr"><is><t>Done</t></is></c></row>'
                            + "".join(f'<row r="{r}"><c r="A{r}"><f>ROW()</f></c><c r="B{r}"><f>"Y"</f></c></row>'
                                      for r in range(2, 60)))),
        str(write_sheet_xml(folder / "no_r.xlsx", rows_xml([["Case", "Done"], *[[i, "Y"] for i in range(9)]],
                                                              numbered=False).replace("<row>", '<row hidden="1">', 3))),
        str(write_sheet_xml(folder / "nul.xlsx", rows_xml([["Case", "Ward", "Done"],
                                                           *[[i, "_x0000_", "Y"] for i in range(9)]]))),
    ]
    (folder / "random.csv").write_bytes(bytes(rng.randrange(256) for _ in range(200_000)))
    (folder / "~$ward audit.xlsx").write_bytes(b"\x0bJ. Smith" + bytes(150))
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "a folder.xlsx").mkdir()
    os.symlink(folder / "loop.csv", folder / "loop.csv")
    with (folder / "too_many_rows.csv").open("w", encoding="utf-8") as handle:
        handle.write("Case,Done\n" + "1,Y\n" * 1_048_600)
    (folder / "too_many_columns.csv").write_text(",".join(f"Q{i}" for i in range(16_400)) + "\n" +
                                                 ",".join("Y" for _ in range(16_400)) + "\n", encoding="utf-8")
    return files + [str(folder / n) for n in ("random.csv", "~$ward audit.xlsx", "empty.xlsx", "a folder.xlsx",
                                              "loop.csv", "too_many_rows.csv", "too_many_columns.csv")]


@pytest.mark.parametrize("command", ["analyse-sheet", "import-benchmark"])
def test_every_hostile_file_ends_in_time_and_memory_without_a_traceback(tmp_path: Path, command: str) -> None:
    files = _hostile_files(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "model" / "hostile_runner.py"), command, *files],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    *results, peak = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == len(files)
    for result in results:
        assert not result["traceback"], result
        assert result["code"] in (0, 2), result
        assert result["seconds"] < 15, result
    refused = {Path(r["file"]).name for r in results if r["code"] == 2}
    assert {"ratio_bomb.xlsx", "declared_1gib.xlsx", "random.csv", "~$ward audit.xlsx", "empty.xlsx", "a folder.xlsx",
            "loop.csv", "too_many_rows.csv", "too_many_columns.csv", "quote.csv"} <= refused
    assert peak["peak_mib"] < 1024
