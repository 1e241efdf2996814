"""The checks every file a user brings goes through before any reader touches its content.

Cases (``model.collect.sheet_files``) and national files (``model.benchmark.benchmark_reading``)
both start here, so a folder, a symbolic-link loop, an unreadable or empty file, Excel's lock
file, a file too large and a workbook that would inflate too far are refused the same way,
each with a ``ImportProblem`` that says what the file is and what to do. The zip limits are
checked from the sizes the archive *declares* (``zipfile.ZipFile.infolist``), before a byte
is inflated: a 1 MB workbook that unpacks to 1 GiB, or a zip bomb, costs a few milliseconds.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from pathlib import Path

from model.core.errors import ImportProblem
from model.core.text_table import lock_file_problem

MAX_FILE_BYTES = 100 * 1024 * 1024
#: All members of a workbook together may declare at most this many bytes, unpacked.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: A member larger than ``RATIO_CHECK_BYTES`` unpacked may not be more than this many times its
#: packed size (sheet XML packs about 10:1, 20:1 for a sheet of repeated cells; a zip bomb 1000:1).
MAX_RATIO = 250
RATIO_CHECK_BYTES = 32 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


def size_text(size: int) -> str:
    """1536 -> "1.5 KB"; 104857600 -> "100 MB"; 2**30 -> "1 GB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:,.0f} {unit}"
    return f"{size} bytes"


def check_input_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> int:
    """The file's size, once it is known to be a readable, non-empty regular file within the limit.

    Raises:
        ImportProblem: Excel's lock file; missing; a symbolic-link loop; a folder or a device;
            not readable; empty; larger than ``max_bytes``.
    """
    lock = lock_file_problem(path)
    if lock is not None:
        raise lock
    info = _stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise ImportProblem("This is a folder, not a file.", where=str(path),
                            hint="Open the folder and choose the spreadsheet or CSV file inside it.")
    if not stat.S_ISREG(info.st_mode):
        raise ImportProblem("This is not an ordinary file (it is a device, a pipe or a socket).", where=str(path),
                            hint="Choose a spreadsheet or CSV file saved on a disk.")
    try:
        with path.open("rb"):
            pass
    except PermissionError as exc:
        raise ImportProblem("AuditLoop is not allowed to read this file.", where=str(path),
                            hint="Copy it to a folder of your own (e.g. Documents), or ask whoever owns it "
                            "for read access, then import the copy.") from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if info.st_size == 0:
        raise ImportProblem("The file is empty (0 bytes).", where=str(path),
                            hint="Check you chose the right file; it may not have been saved.")
    if info.st_size > max_bytes:
        raise ImportProblem(
            f"The file is too large to import ({size_text(info.st_size)}; the limit is {size_text(max_bytes)}).",
            where=str(path),
            hint="Save only the data sheet, or only the columns the audit needs, as a new file.",
        )
    return info.st_size


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ImportProblem(
                "The path is a shortcut (symbolic link) that leads back to itself, so there is no file at its end.",
                where=str(path), hint="Choose the real file rather than the link.") from exc
        if isinstance(exc, FileNotFoundError):
            broken = path.is_symlink()
            raise ImportProblem(
                "The path is a shortcut (symbolic link) to a file that no longer exists." if broken
                else "The file does not exist.",
                where=str(path), hint="Choose the file again: it may have been moved, renamed or deleted.") from exc
        if isinstance(exc, PermissionError):
            raise ImportProblem("AuditLoop is not allowed to look at this file or its folder.", where=str(path),
                                hint="Copy it to a folder of your own (e.g. Documents) and import the copy.") from exc
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: OSError) -> ImportProblem:
    return ImportProblem(f"The file cannot be read ({exc.strerror or exc}).", where=str(path),
                         hint="Close it in other programs, or copy it to a local folder, then try again.")


def is_zip(path: Path) -> bool:
    """True when the file starts like a zip archive (.xlsx, .xlsm, .ods are zips)."""
    with path.open("rb") as fh:
        return fh.read(4) == ZIP_MAGIC


def check_zip_sizes(path: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES, max_ratio: float = MAX_RATIO,
                    ratio_from: int = RATIO_CHECK_BYTES) -> None:
    """Refuse a workbook that would inflate too far, from the sizes its zip directory declares.

    Nothing is inflated. A damaged zip is left for the reader to report (it says what is wrong).

    Raises:
        ImportProblem: the members together declare more than ``max_unpacked`` bytes, or one
            member larger than ``ratio_from`` declares more than ``max_ratio`` times its packed size.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    total = sum(m.file_size for m in members)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ratio_from and ratio > max_ratio:
            raise _too_far(path, f"its part {member.filename} would unpack from {size_text(member.compress_size)} "
                           f"to {size_text(member.file_size)}, {ratio:,.0f} times its packed size "
                           f"(real workbooks pack about 10 times; the limit is {max_ratio:g})")
    if total > max_unpacked:
        biggest = max(members, key=lambda m: m.file_size)
        raise _too_far(path, f"it would unpack to {size_text(total)} ({biggest.filename} alone "
                       f"{size_text(biggest.file_size)}); the limit is {size_text(max_unpacked)}")


def _too_far(path: Path, detail: str) -> ImportProblem:
    return ImportProblem(
        f"The workbook is refused before reading: {detail}.",
        where=str(path),
        hint="If it is a real audit workbook, delete the empty rows and columns below and to the right of the "
        "data (or copy only the data into a new workbook), save it and import that. A file from an unknown "
        "sender that does this may be a 'zip bomb': do not open it in Excel either.",
    )
