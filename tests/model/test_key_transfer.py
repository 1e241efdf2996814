"""Export key… / Import key…: the pseudonymisation key sent on purpose under a passphrase."""

from __future__ import annotations

import pytest

from model.collect.key_transfer import export_key, import_key, key_available, read_key_file
from model.collect.pseudonym import key_path_for, load_or_create_key
from model.core.errors import KnownError

PASS = "correct horse battery staple"


def test_the_key_travels_encrypted_and_arrives_whole(tmp_path):
    sender, receiver = tmp_path / "a" / "mine.sqlite", tmp_path / "b" / "theirs.sqlite"
    key = load_or_create_key(key_path_for(sender, "audit-1"))
    path = export_key(sender, "audit-1", tmp_path / "vte.auditloop-key", PASS)
    data = path.read_bytes()
    assert key not in data and key.hex().encode() not in data and PASS.encode() not in data
    assert read_key_file(path)["audit_uid"] == "audit-1"
    assert not key_available(receiver, "audit-1")
    with pytest.raises(KnownError, match="passphrase is wrong"):
        import_key(receiver, path, "not the passphrase")
    assert not key_available(receiver, "audit-1")
    assert import_key(receiver, path, PASS) == "audit-1"
    assert key_path_for(receiver, "audit-1").read_bytes() == key
    assert import_key(receiver, path, PASS) == "audit-1"  # again: the same key, nothing changes


def test_a_relabelled_or_foreign_file_and_a_different_key_are_refused(tmp_path):
    import json

    sender, receiver = tmp_path / "a" / "mine.sqlite", tmp_path / "b" / "theirs.sqlite"
    load_or_create_key(key_path_for(sender, "audit-1"))
    path = export_key(sender, "audit-1", tmp_path / "k.auditloop-key", PASS)
    data = json.loads(path.read_text())
    data["audit_uid"] = "audit-2"
    (tmp_path / "relabelled").write_text(json.dumps(data))
    with pytest.raises(KnownError, match="passphrase is wrong"):
        import_key(receiver, tmp_path / "relabelled", PASS)
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(KnownError, match="not an AuditLoop key file"):
        import_key(receiver, tmp_path / "x.txt", PASS)
    load_or_create_key(key_path_for(receiver, "audit-1"))  # the receiver made its own key meanwhile
    with pytest.raises(KnownError, match="different key"):
        import_key(receiver, path, PASS)
    with pytest.raises(KnownError, match="at least"):
        export_key(sender, "audit-1", tmp_path / "short", "short")
    with pytest.raises(KnownError, match="no pseudonymisation key"):
        export_key(sender, "audit-9", tmp_path / "none", PASS)
