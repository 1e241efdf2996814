"""Save docs/screenshots/reaudit-standard.png: the Re-audit tab when the library holds a newer standard.

The demo's VTE audit (id 1) is linked to NICE NG89 and the library's copy is made "version
2024" with one target raised, as when a newer AuditLoop ships newer guidance, so the tab shows
each criterion as cycle 2 used it beside the newer version, with a decision per criterion.

    QT_SCALE_FACTOR=1.25 QT_QPA_PLATFORM=offscreen python scripts/screens_reaudit.py [OUT.png] [--size 1093x580]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.context import AppContext  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.tasks import settle  # noqa: E402
from model.demo import build_demo  # noqa: E402
from model.plan.standards import get_standard_by_uid, list_standards  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots/reaudit-standard.png"))
    parser.add_argument("--size", default="1093x580")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    store = build_demo(tmp / "demo.sqlite")
    db = store.db
    list_standards(db)
    standard = get_standard_by_uid(db, "builtin-nice-ng89-vte")
    assert standard is not None and standard.id is not None
    specs = [dict(c) for c in standard.criteria]
    specs[0]["target"] = 98
    db.execute("UPDATE audits SET standard_id = ? WHERE id = 1", [standard.id])
    db.execute("UPDATE cycles SET standard_id = ? WHERE audit_id = 1", [standard.id])
    db.execute("UPDATE standards SET version = '2024', criteria_json = ? WHERE id = ?",
               [json.dumps(specs), standard.id])
    window = MainWindow(AppContext(store=store, data_dir=tmp / "data"))
    width, height = (int(x) for x in args.size.split("x"))
    window.resize(width, height)
    window.show()
    window.open_audit(1, "report")
    page = window.workspace.pages["report"]
    page.tabs.setCurrentWidget(page.reaudit)  # type: ignore[attr-defined]
    settle()
    app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    store.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
