"""Run by test_store_places_unprivileged as a user who really cannot write (uid 65534, not root,
whose writes no file mode stops): what open_store and a save do in each read-only place."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from model.core.errors import KnownError  # noqa: E402
from model.plan.audits import Audit, create_audit, list_audits  # noqa: E402
from model.store.store import open_store  # noqa: E402


def attempt(path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    try:
        store = open_store(path)
    except KnownError as exc:
        return {"open": type(exc).__name__, "message": exc.message, "hint": exc.hint, "where": exc.where}
    except Exception as exc:  # noqa: BLE001 - the test fails on any raw error, with its text
        return {"open": "RAW " + repr(exc)}
    out["open"] = "read_only" if store.read_only else "writable"
    out["audits"] = [a.title for a in list_audits(store.db)]
    try:
        create_audit(store.db, Audit(title="New"))
        out["save"] = "saved"
    except KnownError as exc:
        out.update(save=type(exc).__name__, message=exc.message, hint=exc.hint)
    except Exception as exc:  # noqa: BLE001
        out["save"] = "RAW " + repr(exc)
    store.close()
    return out


if __name__ == "__main__":
    print(json.dumps({name: attempt(Path(p)) for name, p in zip(sys.argv[1::2], sys.argv[2::2], strict=True)}))
