"""What every window and page needs, passed explicitly (no globals)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model (and sqlite-utils) load after the first paint
    from model.store.store import Store


class AppContext:
    """The open store and the per-user data folder.

    A plain class rather than a dataclass: it is imported before the window's first
    paint, and the dataclasses module is not otherwise needed that early.

    Attributes:
        store: the open data file (use `.db` on the GUI thread only).
        data_dir: per-user folder for logs, recent files, MPLCONFIGDIR.
        recent: recently opened data files, newest first.
    """

    def __init__(self, store: Store, data_dir: Path, recent: list[Path] | None = None) -> None:
        self.store = store
        self.data_dir = data_dir
        self.recent = list(recent or [])

    def setting(self, key: str, default: str = "") -> str:
        """A value from the data file's settings table."""
        from model.core import settings as model_settings

        return model_settings.get(self.store.db, key, default)
