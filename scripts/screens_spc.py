"""Save docs/screenshots/spc.png: the SPC view alone (1100×700) on a demo audit.

By default the falls monitoring audit (id 4) charted as one phase, so the shift after the new
falls proforma shows as special-cause improvement.

    QT_QPA_PLATFORM=offscreen python scripts/screens_spc.py [OUT.png] [--kind p|xmr|run] [--audit ID] [--rebase]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.context import AppContext  # noqa: E402
from gui.spc_view import SpcView  # noqa: E402
from gui.tasks import settle  # noqa: E402
from model.demo import build_demo  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots/spc.png"))
    parser.add_argument("--kind", default="", help="chart type: p, xmr or run (default Auto)")
    parser.add_argument("--audit", type=int, default=4, help="demo audit id (default 4, falls)")
    parser.add_argument("--rebase", action="store_true", help="keep 'Rebase at each cycle' ticked")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    store = build_demo(tmp / "demo.sqlite")
    view = SpcView(AppContext(store=store, data_dir=tmp / "data"))
    view.resize(1100, 700)
    view.show()
    view.load(args.audit, None)
    view.rebase_check.setChecked(args.rebase)
    if args.kind:
        view.kind_box.setCurrentIndex(view.kind_box.findData(args.kind))
    settle()  # let the background task deliver its result
    app.processEvents()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(args.out))
    store.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
