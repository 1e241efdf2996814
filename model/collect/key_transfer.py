"""Handing over an audit's pseudonymisation key on purpose, protected by a passphrase (issue 17).

An audit package never holds the key (DOMAIN.md §10). Without it the receiver sees everything
but cannot link a newly entered NHS number to the pseudonym of a patient already in the audit
(re-identification is unavailable). File › Export key… writes the key on its own, encrypted:
AES-256-GCM under a key derived from the passphrase with scrypt (n=2^15, r=8, p=1; a random
16-byte salt and 12-byte nonce per file). The JSON header (format, audit uid, KDF parameters) is
authenticated as associated data, so a key file cannot be relabelled for another audit.
Send the passphrase by another route (a phone call), never with the file.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import Any

from model.collect.pseudonym import KEY_BYTES, key_path_for, read_key
from model.core.errors import KnownError

FORMAT = "auditloop-pseudonymisation-key"
SUFFIX = ".auditloop-key"
MIN_PASSPHRASE = 10
_SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1}


def _derive(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(passphrase.encode())


def key_available(data_path: Path | str, audit_uid: str) -> bool:
    """Whether this data file has the audit's key (so new NHS numbers link to its patients)."""
    return key_path_for(data_path, audit_uid).is_file()


def export_key(data_path: Path | str, audit_uid: str, out: Path | str, passphrase: str) -> Path:
    """Write the audit's key to `out`, encrypted under `passphrase`.

    Raises:
        KnownError: the passphrase is too short, the audit has no key here, or `out` cannot be written.
    """
    if len(passphrase) < MIN_PASSPHRASE:
        raise KnownError(f"The passphrase needs at least {MIN_PASSPHRASE} characters.",
                         hint="Use a few unrelated words; tell it to the receiver by phone, not by email.")
    source = key_path_for(data_path, audit_uid)
    if not source.is_file():
        raise KnownError("This audit has no pseudonymisation key in this data file.", where=str(source),
                         hint="No NHS numbers were pseudonymised here, or the key was destroyed: none to send.")
    key = read_key(source)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    header = {"format": FORMAT, "version": 1, "audit_uid": audit_uid, "kdf": "scrypt", **_SCRYPT,
              "salt": _b64(salt), "nonce": _b64(nonce), "cipher": "AES-256-GCM"}
    aad = json.dumps(header, sort_keys=True).encode()
    sealed = AESGCM(_derive(passphrase, salt, _SCRYPT)).encrypt(nonce, key, aad)
    out = Path(out)
    try:
        out.write_text(json.dumps({**header, "ciphertext": _b64(sealed)}, indent=1), encoding="utf-8")
    except OSError as exc:
        raise KnownError("The key file could not be written.", where=str(out), hint=str(exc)) from exc
    return out


def read_key_file(path: Path | str) -> dict[str, Any]:
    """The key file's header (which audit it is for), without the passphrase.

    Raises:
        KnownError: not an AuditLoop key file.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise KnownError("This is not an AuditLoop key file.", where=str(path),
                         hint=f"Choose the {SUFFIX} file made with File > Export key….") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or "ciphertext" not in data:
        raise KnownError("This is not an AuditLoop key file.", where=str(path),
                         hint=f"Choose the {SUFFIX} file made with File > Export key….")
    return data


def import_key(data_path: Path | str, path: Path | str, passphrase: str) -> str:
    """Decrypt a key file and keep the key beside the data file; the audit uid it is for.

    Raises:
        KnownError: not a key file, a wrong passphrase (or a damaged file), or this data file
            already has a different key for that audit (replacing it would unlink its patients).
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data = read_key_file(path)
    header = {k: v for k, v in data.items() if k != "ciphertext"}
    try:
        secret = _derive(passphrase, _unb64(header["salt"]), {k: int(header[k]) for k in ("n", "r", "p")})
        key = AESGCM(secret).decrypt(_unb64(header["nonce"]), _unb64(data["ciphertext"]),
                                     json.dumps(header, sort_keys=True).encode())
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise KnownError("The passphrase is wrong, or the key file is damaged.", where=str(path),
                         hint="Ask the sender to tell you the passphrase again (by phone).") from exc
    uid = str(header["audit_uid"])
    if len(key) != KEY_BYTES:
        raise KnownError("The key file holds no valid key.", where=str(path), hint="Ask the sender to export it again.")
    target = key_path_for(data_path, uid)
    if target.is_file():
        if read_key(target) == key:
            return uid
        raise KnownError("This data file already has a different key for this audit.", where=str(target),
                         hint="Replacing it would unlink the patients pseudonymised with it: ask the audit office.")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return uid


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)
