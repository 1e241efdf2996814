"""Save a screenshot of the main window on the demo data.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot.py OUT.png [--audit ID] [--stage KEY]
        [--cycle N] [--size 1280x800] [--call "method_name"] [--dashboard [--figure KEY]] [--reminders]

Run it under Xvfb (DISPLAY set) to see a real window, or offscreen for a quick look.
`--call` names a zero-argument method of the stage page to run first (e.g. to open a tab).
`--dashboard` shows the department dashboard instead, `--figure` choosing the figure whose
audits it lists (e.g. `by_directorate:Medicine`); `--reminders` the Reminders view, the first
reminder chosen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.context import AppContext  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from model.demo import build_demo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--audit", type=int)
    parser.add_argument("--stage")
    parser.add_argument("--cycle", type=int, help="1-based cycle number to choose")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--call", action="append", default=[])
    parser.add_argument("--dashboard", action="store_true")
    parser.add_argument("--figure")
    parser.add_argument("--reminders", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from gui import focus_style

    focus_style.install(app)  # as gui.app.make_app does
    tmp = Path(tempfile.mkdtemp())
    store = build_demo(tmp / "demo.sqlite")
    window = MainWindow(AppContext(store=store, data_dir=tmp / "data"))
    width, height = (int(x) for x in args.size.split("x"))
    window.resize(width, height)
    window.show()
    if args.reminders:
        window.show_reminders()
        from gui.tasks import settle

        settle()
        window.reminders_view.table.selectRow(0)
    elif args.dashboard:
        window.show_dashboard()
        if args.figure:
            window.dashboard.show_figure(args.figure)
    elif args.audit:
        window.open_audit(args.audit, args.stage)
        if args.cycle:
            window.workspace.cycle_box.setCurrentIndex(args.cycle - 1)
        page = window.workspace.pages.get(args.stage) if args.stage else None
        for name in args.call:
            getattr(page, name)()
    from gui.tasks import settle

    settle()  # let background tasks deliver their results
    app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(args.out))
    store.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
