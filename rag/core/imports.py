"""Importing a library without the heavy extras it would load only because they are installed.

spaCy's thinc imports torch when it finds it (~2 s and ~230 MB, for a pipeline that runs on
numpy), and bm25s imports numba and scipy (~0.6 s and ~110 MB, for backends newsdesk does not use). A
process that only answers needs neither; `without` keeps them out while such a library is first
imported, and the library then runs as it does where they are not installed.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Refuse(importlib.abc.MetaPathFinder):
    """Refuses `names` (and their submodules) to imports made by one thread."""

    def __init__(self, names: frozenset[str], thread: int):
        self.names = names
        self.thread = thread

    def find_spec(self, fullname, path, target=None):
        if fullname.partition(".")[0] in self.names and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {fullname!r} (left out)", name=fullname)
        return None  # the next finder looks


@contextmanager
def without(*names: str) -> Iterator[None]:
    """Within this block, this thread cannot import the top-level packages `names`.

    A package already imported stays as it is (it costs nothing more), and other threads
    import as usual: an ingest loading torch beside a reader is not disturbed.

    Example:
        >>> with without("torch"):
        ...     import spacy  # thinc finds no torch
    """
    refused = frozenset(name for name in names if name not in sys.modules)
    if not refused:
        yield
        return
    finder = _Refuse(refused, threading.get_ident())
    # A new list, never the one in use changed: an import in another thread may be walking it.
    sys.meta_path = [finder, *sys.meta_path]
    try:
        yield
    finally:
        sys.meta_path = [f for f in sys.meta_path if f is not finder]
