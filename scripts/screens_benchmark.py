"""Save docs/screenshots/benchmark.png (the Benchmark page) and docs/screenshots/funnel.png (the funnel plot).

Demo data in a temp folder. The demo ships the synthetic national falls audit table already imported,
"who we are" set to a trust present in that file (its codes are made up) and the falls monitoring
audit's criterion (audit 4) linked to measure q07, so nothing needs importing here.

    QT_QPA_PLATFORM=offscreen python scripts/screens_benchmark.py [OUT_DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from gui.context import AppContext  # noqa: E402
from gui.stages.benchmark import BenchmarkPage  # noqa: E402
from gui.tasks import settle  # noqa: E402
from model.demo import build_demo  # noqa: E402
from model.plan.cycles import list_cycles  # noqa: E402

FALLS = 4


def _settle(app: QApplication) -> None:
    settle()  # let background tasks deliver their results
    app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    store = build_demo(tmp / "demo.sqlite")
    cycle = list_cycles(store.db, FALLS)[-1]
    page = BenchmarkPage(AppContext(store=store, data_dir=tmp / "data"))
    page.resize(1500, 950)
    page.show()
    page.load(FALLS, cycle.id)
    _settle(app)
    args.out.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(args.out / "benchmark.png"))
    page.chart.setMinimumSize(1000, 600)
    page.chart.figure.set_size_inches(10, 6)
    page.chart.export(args.out / "funnel.png")
    store.close()
    print(args.out / "benchmark.png", args.out / "funnel.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
