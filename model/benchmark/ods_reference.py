"""The ODS reference files a user imports to name a national table's organisations by code.

NHS Digital's Organisation Data Service publishes its organisation lists as headerless CSVs in
one standard layout: `etr.csv` (NHS trusts, 3-character codes), `ets.csv` (their sites,
5 characters), and others of the same shape. Column 1 is the code, 2 the name (in capitals),
12 the close date (YYYYMMDD, empty while open) and, in the site files, 15 the parent trust's
code. The files are read by content, not by name: any file whose first column holds ODS codes
and second column names is accepted, with or without a header row someone added, and a site's
trust is its parent column when that holds a trust code, else the first 3 characters of its
code (the ODS rule for trust sites). The zips ODS publishes (etr.zip) are read as their CSV.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from model.benchmark.benchmark_reading import _read_bytes
from model.core.errors import ImportProblem
from model.core.text_table import csv_rows, decode_text

_CODE = re.compile(r"[A-Z0-9]{3,9}")
_DATE = re.compile(r"(19|20)\d{6}")
_NAME_AT, _CLOSE_AT, _PARENT_AT = 1, 11, 14  # 0-based columns of the ODS standard layout
_SHARE = 0.8


@dataclass(frozen=True)
class OdsOrganisation:
    """One organisation of an ODS reference file.

    Attributes:
        code: the ODS code (3 characters for a trust, 5 for a trust's site).
        name: as the file writes it (ODS writes names in capitals).
        kind: "trust" (a 3-character code) or "site" (any other length).
        parent_code: a site's trust; None for a trust.
        closed: the file gives a close date.
    """

    code: str
    name: str
    kind: str
    parent_code: str | None
    closed: bool = False


@dataclass(frozen=True)
class OdsReference:
    """Every organisation of the ODS files read, and what each file held.

    Attributes:
        organisations: in file order; a code listed twice keeps its first entry.
        files: per file, {"file", "trusts", "sites", "closed"} (counts).
    """

    organisations: tuple[OdsOrganisation, ...]
    files: tuple[dict[str, object], ...] = ()

    def by_code(self) -> dict[str, OdsOrganisation]:
        """Code → organisation."""
        return {o.code: o for o in self.organisations}

    def of_kind(self, kind: str) -> list[OdsOrganisation]:
        """The trusts ("trust") or the sites ("site")."""
        return [o for o in self.organisations if o.kind == kind]


def _not_ods(path: Path, why: str) -> ImportProblem:
    return ImportProblem(
        f"This is not an ODS reference file: {why}.",
        where=str(path),
        hint="Use the Organisation Data Service's own CSVs, such as etr.csv (trusts) and ets.csv (sites), "
        "unzipped from the files NHS England publishes.",
    )


def _unzipped(path: Path, data: bytes) -> bytes:
    """The CSV inside a zip as ODS publishes it (etr.zip holds etr.csv); sizes were checked before."""
    if not data.startswith(b"PK"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
            if len(members) != 1:
                raise _not_ods(path, f"the zip holds {len(members)} CSV files, not one")
            return archive.read(members[0])
    except zipfile.BadZipFile as exc:
        raise _not_ods(path, "it is a damaged zip") from exc


def _rows(path: Path) -> list[list[str]]:
    text, _ = decode_text(_unzipped(path, _read_bytes(path)), path)
    rows = [[c.strip() for c in r] for r in csv_rows(text, path) if any(c.strip() for c in r)]
    if rows and not _CODE.fullmatch(rows[0][0]):
        rows = rows[1:]  # a header row someone added ("Organisation Code, Name, …")
    if not rows:
        raise _not_ods(path, "it holds no organisations")
    # ODS writes codes in capitals: "Alpha" in the first column is a name, not a code.
    coded = sum(bool(_CODE.fullmatch(r[0])) and len(r) > _NAME_AT and bool(r[_NAME_AT]) for r in rows)
    if coded / len(rows) < _SHARE:
        raise _not_ods(path, "its first column does not hold organisation codes with their names beside them")
    return rows


def _parent(row: list[str], code: str, trusts: set[str]) -> str | None:
    if len(code) == 3:
        return None
    given = row[_PARENT_AT].upper() if len(row) > _PARENT_AT else ""
    if len(given) == 3 and _CODE.fullmatch(given) and (not trusts or given in trusts):
        return given
    return code[:3]


def read_ods_files(paths: Iterable[Path | str]) -> OdsReference:
    """Read ODS reference CSVs (trusts and sites, in any order) into one reference.

    Raises:
        ImportProblem: a file cannot be read, or is not an ODS reference file.
    """
    read = [(Path(p), _rows(Path(p))) for p in paths]
    trusts = {r[0] for _, rows in read for r in rows if len(r[0]) == 3}
    seen: dict[str, OdsOrganisation] = {}
    files = []
    for path, rows in read:
        counts = {"trusts": 0, "sites": 0, "closed": 0}
        for row in rows:
            code = row[0]
            if not _CODE.fullmatch(code) or code in seen:
                continue
            closed = len(row) > _CLOSE_AT and bool(_DATE.fullmatch(row[_CLOSE_AT]))
            kind = "trust" if len(code) == 3 else "site"
            seen[code] = OdsOrganisation(code, " ".join(row[_NAME_AT].split()), kind, _parent(row, code, trusts),
                                         closed)
            counts["trusts" if kind == "trust" else "sites"] += 1
            counts["closed"] += closed
        files.append({"file": path.name, **counts})
    return OdsReference(tuple(seen.values()), tuple(files))
