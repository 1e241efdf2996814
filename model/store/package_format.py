"""The audit package (`.auditloop`): an SQLite file told apart from a data file by its header.

A package carries one audit from one data file to another (a handover between resident
doctors: model.report.handover). It is an SQLite database with the data file's schema plus
its own tables, marked with `PRAGMA application_id = PACKAGE_APPLICATION_ID`; a data file
keeps application_id 0. The store refuses to open a package as a data file.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_APPLICATION_ID = 0x41554C50  # "AULP"
PACKAGE_SUFFIX = ".auditloop"
_APPLICATION_ID_OFFSET = 68  # bytes 68..71 of the SQLite header, big-endian


def header_application_id(path: Path) -> int | None:
    """The application_id in an SQLite file's header, or None when the file is not SQLite."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError:
        return None
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return None
    return int.from_bytes(head[_APPLICATION_ID_OFFSET:_APPLICATION_ID_OFFSET + 4], "big", signed=True)


def is_package(path: Path) -> bool:
    """True when `path` is an audit package (by its header; the file is only read)."""
    return header_application_id(path) == PACKAGE_APPLICATION_ID
