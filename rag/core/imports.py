"""Importing a library without the heavy extras it would load only because they are installed,
or the checks it runs on its own code.

spaCy's thinc imports torch when it finds it (~2 s and ~230 MB, for a pipeline that runs on
numpy), and bm25s imports numba and scipy (~0.6 s and ~110 MB, for backends newsdesk does not use). A
process that only answers needs neither; `without` keeps them out while such a library is first
imported, and the library then runs as it does where they are not installed.

chromadb checks its own classes as it imports them (`unchecked_overrides`): ~0.2 s of every
process that opens an index, for a check that can only fail on chromadb's own code. spaCy
imports its whole command line to offer `spacy.info` (`without_spacy_cli`).
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
import types
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


_SPACY_CLI = ("spacy.cli", "spacy.cli.info")


@contextmanager
def without_spacy_cli() -> Iterator[None]:
    """Within this block, importing spaCy does not import its command line.

    spaCy's package imports `spacy.cli` to offer `spacy.info`, and with it typer, weasel,
    requests and a YAML file of training recommendations read by a pure-Python parser: ~0.35 s
    of a fresh process on a quiet 2-core machine, ~1 s on a busy one, for commands a reader
    never runs. While the block imports spaCy, `spacy.cli` is an empty stand-in and
    `spacy.info` imports the real command line when called; after it, the stand-in is gone, so
    `import spacy.cli` (or `python -m spacy`) gets the real one. The stand-in is seen by the
    whole process while the block runs; spaCy already imported is left as it is.

    Example:
        >>> with without_spacy_cli():
        ...     import spacy
    """
    if "spacy" in sys.modules:
        yield
        return
    cli, info = types.ModuleType(_SPACY_CLI[0]), types.ModuleType(_SPACY_CLI[1])
    cli.__path__ = []  # a package, with nothing in it
    info.info = _spacy_info  # type: ignore[attr-defined]
    sys.modules.update(zip(_SPACY_CLI, (cli, info), strict=True))
    try:
        yield
    finally:
        for name, stand_in in zip(_SPACY_CLI, (cli, info), strict=True):
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
        spacy = sys.modules.get("spacy")
        if spacy is not None and getattr(spacy, "cli", None) is cli:
            del spacy.cli  # `from spacy import cli` imports the real one


def _spacy_info(*args, **kwargs):
    """`spacy.info`, from the real command line, imported now."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


_OVERRIDES = threading.RLock()  # one block at a time changes the `overrides` package


@contextmanager
def unchecked_overrides() -> Iterator[None]:
    """Within this block, the `overrides` package's `@override` marks a method as an override
    without checking it against the method it overrides.

    chromadb decorates ~160 methods with `@override`, whose check finds each one's base class by
    disassembling its module's code up to that method, then compares their signatures, every
    time chromadb is imported: ~0.2 s of a fresh process, a third of importing chromadb and
    opening a client, checking chromadb's code, which chromadb's own tests check. Unchecked,
    the method is marked (`__override__`, which `EnforceOverrides` classes require) and
    returned unchanged, as the check returns it when it passes. The change holds for the whole
    process while the block runs, and is undone after it.

    Example:
        >>> with unchecked_overrides():
        ...     import chromadb
    """
    import overrides

    with _OVERRIDES:
        checked = overrides.override, overrides.overrides
        overrides.override = overrides.overrides = _marked
        try:
            yield
        finally:
            overrides.override, overrides.overrides = checked


def _marked(method=None, *, check_signature: bool = True, check_at_runtime: bool = False):
    """`overrides.override` without its check (same arguments, which it has nothing to do with)."""
    if method is None:  # `@override(check_signature=False)`
        return _marked
    method.__override__ = True
    return method
