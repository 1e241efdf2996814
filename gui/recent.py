"""Recently opened data files, kept as JSON in the per-user data folder."""

from __future__ import annotations

from pathlib import Path

FILE_NAME = "recent.json"
KEEP = 8


def load(data_dir: Path) -> list[Path]:
    """Recent data files that still exist, newest first."""
    import json  # lazily: not needed before the window's first paint
    try:
        items = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in items if isinstance(p, str) and Path(p).exists()]


def remember(data_dir: Path, path: Path) -> list[Path]:
    """Put `path` first in the list and save it."""
    import json
    paths = [path.resolve()] + [p for p in load(data_dir) if p.resolve() != path.resolve()]
    paths = paths[:KEEP]
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / FILE_NAME).write_text(json.dumps([str(p) for p in paths], indent=1), encoding="utf-8")
    return paths
