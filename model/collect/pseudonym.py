"""Keyed pseudonyms for NHS numbers (DOMAIN.md §10).

A pseudonym is HMAC-SHA256(key, the 10-digit NHS number), as hex. The key is 32 random bytes
in its own file next to the database (``<db stem>.keys/<audit uid>.key``), never inside it:
the same patient links across cycles, while the database alone identifies no one. Destroying
the key makes the pseudonyms irreversible, i.e. anonymised in practice.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import pandas as pd

from model.collect.answers import normalise_nhs_number
from model.core.columns import per_unique
from model.core.errors import KnownError

KEY_BYTES = 32
_SAFE_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def key_path_for(db_path: str | Path, audit_uid: str) -> Path:
    """Where an audit's key lives: ``<db folder>/<db stem>.keys/<audit_uid>.key``.

    Raises:
        ValueError: ``audit_uid`` is not a plain identifier (letters, digits, ``_.-``).
    """
    if not _SAFE_UID.fullmatch(audit_uid) or ".." in audit_uid:
        raise ValueError(f"not a safe audit identifier: {audit_uid!r}")
    db_path = Path(db_path)
    return db_path.parent / f"{db_path.stem}.keys" / f"{audit_uid}.key"


def load_or_create_key(key_path: str | Path) -> bytes:
    """Read the key, or create a new random one (file readable by its owner only).

    Raises:
        KnownError: the key file exists but is not a key (wrong size), or cannot be
            read or written.
    """
    key_path = Path(key_path)
    try:
        return _read_key(key_path)
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(KEY_BYTES)
    try:
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: never overwrite a key another process created meanwhile.
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        return _read_key(key_path)
    except OSError as exc:
        raise KnownError("The pseudonymisation key could not be created.", where=str(key_path),
                         hint=f"Check the folder is writable ({exc.strerror}).") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def read_key(key_path: str | Path) -> bytes:
    """The key in an existing key file.

    Raises:
        FileNotFoundError: no key file there.
        KnownError: the file cannot be read or is not a key (wrong size).
    """
    return _read_key(Path(key_path))


def _read_key(key_path: Path) -> bytes:
    try:
        key = key_path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KnownError("The pseudonymisation key could not be read.", where=str(key_path),
                         hint=f"Check the file's permissions ({exc.strerror}).") from exc
    if len(key) != KEY_BYTES:
        raise KnownError(
            "The pseudonymisation key file is damaged (wrong size).", where=str(key_path),
            hint="Restore it from a backup; without it new NHS numbers cannot be linked to earlier cycles.",
        )
    return key


def _pseudonym(text: str, key: bytes) -> str:
    number = normalise_nhs_number(text)
    # Not a 10-digit number (a typo, a CHI number written oddly): hash the compact text,
    # so it is still never stored in clear and repeats of it still link.
    message = number if number is not None else "".join(text.split())
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise(nhs_numbers: pd.Series, key: bytes) -> pd.Series:
    """HMAC-SHA256 hex of each normalised NHS number; blank cells stay NaN.

    Raises:
        ValueError: the key is shorter than 16 bytes.
    """
    if len(key) < 16:
        raise ValueError("the pseudonymisation key is too short")
    text = nhs_numbers.astype("str")
    hashed = per_unique(text, lambda u: _pseudonym(u, key) if u.strip() else float("nan"), na=float("nan"))
    return pd.Series(hashed, index=nhs_numbers.index, dtype="str", name=nhs_numbers.name)


def destroy_key(key_path: str | Path) -> bool:
    """Overwrite the key file with random bytes, then delete it.

    Afterwards the pseudonyms made with it can never be linked back to NHS numbers.

    Returns:
        True when a key was destroyed, False when there was none.

    Raises:
        KnownError: the file could not be overwritten or deleted.
    """
    key_path = Path(key_path)
    if not key_path.exists():
        return False
    try:
        size = max(key_path.stat().st_size, KEY_BYTES)
        with key_path.open("r+b") as fh:
            fh.write(secrets.token_bytes(size))
            fh.flush()
            os.fsync(fh.fileno())
        key_path.unlink()
    except OSError as exc:
        raise KnownError("The pseudonymisation key could not be destroyed.", where=str(key_path),
                         hint=f"Close any program using it and try again ({exc.strerror}).") from exc
    return True


MASK = "••• ••• ••"


def mask_nhs_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` for showing on screen: every cell holding a valid NHS number becomes
    "••• ••• ••19" (its last two digits, enough to recognise the column, never the patient)."""
    from model.collect.answers import validate_nhs_numbers

    shown = frame.copy()
    for column in shown.columns:
        cells = shown[column]
        if cells.dtype != object and not pd.api.types.is_string_dtype(cells):
            continue
        checked = validate_nhs_numbers(cells)
        valid = checked["valid"].to_numpy(dtype=bool)
        if valid.any():
            digits = checked.loc[valid, "nhs_number"].astype(str)
            shown[column] = shown[column].astype(object)
            shown.loc[valid, column] = MASK + digits.str[-2:]
    return shown
