"""Where AuditLoop's bundled data files are, from source or frozen by PyInstaller."""

from __future__ import annotations

import sys
from pathlib import Path


def resource_root() -> Path:
    """The folder holding `resources/`: the unpacked bundle when frozen, else the project root."""
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller sets this in the frozen app
    return Path(frozen) if frozen else Path(__file__).resolve().parents[2]


def resource_path(name: str) -> Path:
    """A file or folder under `resources/` (e.g. "standards").

    Args:
        name: path relative to the resources folder, with forward slashes.

    Returns:
        The absolute path (it may not exist; callers check).
    """
    return resource_root() / "resources" / name
