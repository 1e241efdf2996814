"""The two kinds of errors AuditLoop knows.

`KnownError` is for problems of the environment or the input (a locked file, a corrupt
workbook, a date that cannot be read): the GUI shows its message as it is, without a
traceback. Anything else that escapes is a bug and goes to the crash dialog and log.
"""

from __future__ import annotations


class KnownError(Exception):
    """A problem the user can understand and act on.

    Args:
        message: what went wrong, in plain words.
        where: optional location (file, sheet, row, column) the problem was found at.
        hint: optional advice on what to do next.
    """

    def __init__(self, message: str, *, where: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        parts = [self.message]
        if self.where:
            parts.append(f"Where: {self.where}")
        if self.hint:
            parts.append(f"What to do: {self.hint}")
        return "\n".join(parts)


class StoreError(KnownError):
    """The data file cannot be opened or used (locked, corrupt, too new, read-only)."""


class ImportProblem(KnownError):
    """A file to import cannot be read at all (corrupt, encrypted, empty, unknown layout)."""


class StoreInUse(StoreError):
    """The data file is open in another AuditLoop window (its lock is held)."""


class EmptyDataFile(StoreError):
    """The data file exists but holds nothing (0 bytes); it is left as it is, never re-initialised."""


class NewerVersionFile(StoreError):
    """The data file was written by a newer AuditLoop (migrations this version does not know)."""


class DamagedDataFile(StoreError):
    """The data file fails SQLite's integrity check."""


class FolderNotWritable(StoreError):
    """The folder for the data file cannot be written to (no new file, lock, journal or backup there)."""


class DataFileReadOnly(StoreError):
    """The data file itself is read-only: it opens read-only, and saving is refused with this error."""


class DataFileLocked(StoreError):
    """Another program (not AuditLoop) holds SQLite's lock on the data file ("database is locked")."""
