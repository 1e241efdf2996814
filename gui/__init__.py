"""The PySide6 GUI.

WORKAROUND (PySide6/shiboken6 6.12.0 on Python 3.11): every call of a Qt method that
returns nothing (setText, addItem, setData, show, …) drops one reference to None instead
of leaving its count alone (3.12 made None immortal, so the binding no longer balances it;
3.11's None is still counted). A fresh process holds only a few thousand references to None,
so a few thousand such calls (a reminders list of 6,000 lines, bench/department.py) end in
"Fatal Python error: none_dealloc". Two million references are held here (16 MB), in a list
that is never freed (one reference to it is leaked on purpose), since freeing it at exit
would bring the count to zero then. tests/gui/test_none_refcount.py fails once a fixed
PySide6 (or Python ≥ 3.12) makes this unnecessary: then delete these lines.
"""

import sys

if sys.version_info < (3, 12):
    import ctypes

    _NONE_BALLAST = [None] * 2_000_000
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(_NONE_BALLAST))
else:
    _NONE_BALLAST: list[None] = []
