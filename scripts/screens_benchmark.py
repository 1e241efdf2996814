"""Save docs/screenshots/benchmark.png (the Benchmark page) and docs/screenshots/funnel.png (the funnel plot).

Demo data in a temp folder; the synthetic national falls audit table imported; "who we are" set to a
trust present in that file (its codes are made up); VTE criterion 1 linked to measure q07.

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
from gui.tasks import wait_for_all  # noqa: E402
from model.benchmark_compare import save_identity  # noqa: E402
from model.benchmark_import import parse_file  # noqa: E402
from model.benchmark_store import link_criterion, measures, save_dataset  # noqa: E402
from model.criteria import list_criteria  # noqa: E402
from model.cycles import list_cycles  # noqa: E402
from model.demo import build_demo  # noqa: E402

NATIONAL = ROOT / "tests" / "data" / "shared" / "national_audit_trust_results.csv"
VTE = 1


def _settle(app: QApplication) -> None:
    for _ in range(20):  # let background tasks deliver their results
        wait_for_all(5000)
        app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    store = build_demo(tmp / "demo.sqlite")
    db = store.db
    save_identity(db, "Northfield Hospitals NHS Foundation Trust", "RZ1", "RZ101, RZ102, RZ103")
    dataset = save_dataset(db, parse_file(NATIONAL))
    cycle = list_cycles(db, VTE)[-1]
    criterion = list_criteria(db, cycle.id)[0]
    q07 = measures(db, dataset).query("measure_code == 'q07'")["id"].iloc[0]
    link_criterion(db, VTE, criterion.lineage, int(q07),
                   "National: assessment at any time in the stay; ours: within 14 hours of admission.")
    page = BenchmarkPage(AppContext(store=store, data_dir=tmp / "data"))
    page.resize(1500, 950)
    page.show()
    page.load(VTE, cycle.id)
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
