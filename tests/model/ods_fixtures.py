"""Synthetic ODS reference files (the headerless etr/ets layout) and name-only national tables.

Every code and name is invented. The ODS layout: 27 columns, code first, name second (capitals),
open and close dates in columns 11 and 12 (YYYYMMDD), a site's trust code in column 15.
"""

from __future__ import annotations

from pathlib import Path

# (code, name, closed): trusts.
TRUSTS = [
    ("RA1", "ALPHA AND BETA UNIVERSITY HOSPITALS NHS FOUNDATION TRUST", False),
    ("RB2", "SAINT CUTHBERT'S HEALTHCARE NHS TRUST", False),
    ("RC3", "GAMMA VALLEY NHS TRUST", False),
    ("RD4", "GAMMA VALLEY NHS TRUST", True),  # closed at a merger: the open one is meant
    ("RE5", "NORTHGATE HOSPITALS NHS TRUST", False),
]
# (code, name, parent written in column 15): sites.
SITES = [
    ("RA101", "ALPHA GENERAL HOSPITAL", "RA1"),
    ("RA102", "BETA ROYAL INFIRMARY", "RA1"),
    ("RA103", "COMMUNITY HOSPITAL", "RA1"),
    ("RB201", "ST MARY'S HOSPITAL", "RB2"),
    ("RB202", "COMMUNITY HOSPITAL", "RB2"),  # the same name under two trusts
    ("RC301", "GAMMA VALLEY GENERAL HOSPITAL", ""),  # no parent column: its trust is RC3 by its code
    ("RE501", "NORTHGATE GENERAL HOSPITAL", "RE5"),
    ("RE502", "NORTHGATE GENERAL HOSPITALS", "RE5"),  # a near twin: fuzzy matches between them are ambiguous
    ("RE503", "WARD 1 UNIT", "RE5"),
]


def _ods_row(code: str, name: str, *, closed: bool = False, parent: str = "") -> str:
    cells = [""] * 27
    cells[0], cells[1], cells[2], cells[3] = code, name, "Y56", "Q71"
    cells[4], cells[9], cells[10] = "1 HIGH STREET", "ZZ1 1ZZ", "19990401"
    cells[11] = "20200331" if closed else ""
    cells[14] = parent
    return ",".join(f'"{c}"' if "," in c else c for c in cells)


def write_ods(folder: Path) -> tuple[Path, Path]:
    """(etr.csv, ets.csv) in `folder`, headerless, CRLF, as ODS writes them."""
    etr, ets = folder / "etr.csv", folder / "ets.csv"
    etr.write_bytes(("\r\n".join(_ods_row(c, n, closed=x) for c, n, x in TRUSTS) + "\r\n").encode())
    ets.write_bytes(("\r\n".join(_ods_row(c, n, parent=p) for c, n, p in SITES) + "\r\n").encode())
    return etr, ets


def write_named_table(path: Path, rows: list[tuple[str, str]], *, trust_column: bool = True) -> Path:
    """A national table of (trust name, hospital name) rows without codes, plus a national row last."""
    header = (["Trust"] if trust_column else []) + ["Hospital", "Number of cases submitted",
                                                    "Screened (N)", "Screened (%)"]
    lines = ["Synthetic audit 2025 – results by hospital" + "," * (len(header) - 1), ",".join(header)]
    for i, (trust, hospital) in enumerate(rows):
        d, n = 40 + i, 20 + i
        lines.append(",".join(([f'"{trust}"'] if trust_column else []) + [f'"{hospital}"', str(d), str(n),
                                                                           f"{100 * n / d:.1f}"]))
    lines.append(",".join((["National"] if trust_column else []) + ["National", "1000", "500", "50.0"]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path
