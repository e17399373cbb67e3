"""The index folder (NEWSDESK_HOME): checked before newsdesk writes there, and kept private.

It holds the user's articles and all that was made of them (Chroma's database, the BM25 index,
uploads), so it is the user's alone: folders 0700, files 0600. A folder newsdesk cannot use (a
file, read-only, not ours) is a BadInputError that says so, never a PermissionError.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from newsdesk.core.errors import BadInputError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# What newsdesk keeps in its home: Chroma's database, the BM25 indexes, uploads, writer locks.
OWN = ("chroma", "bm25", "uploads", "ingest-*")


def writable(home: Path) -> Path:
    """`home`, made (private) if missing, once it is known that newsdesk can write there.

    Raises:
        BadInputError: `home` is a file, or newsdesk may not write in it.
    """
    not_a_folder(home)
    try:
        home.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        # one probe per thread: two uploads at once in one server must not remove each other's
        probe = home / f".newsdesk-write-check-{os.getpid()}-{threading.get_ident()}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise read_only(home, error) from None
    return home


def not_a_folder(home: Path) -> None:
    """Raise BadInputError when `home`, or a folder above it, is a file."""
    for folder in (home, *home.parents):
        if folder.exists() and not folder.is_dir():
            raise BadInputError(f"The index folder {home} cannot be made: {folder} is a file. "
                                "Point --home (NEWSDESK_HOME) at a folder.")


def read_only(home: Path, error: Exception | None = None) -> BadInputError:
    """The error for an index folder newsdesk may not write in."""
    why = f" ({error.strerror})" if isinstance(error, OSError) and error.strerror else ""
    return BadInputError(f"The index folder {home} is read-only for newsdesk{why}; it writes "
                         "there even to answer (Chroma's database lives there). Make it "
                         "writable, or copy it and point --home (NEWSDESK_HOME) at the copy.")


def make_private(home: Path) -> None:
    """`home` and what newsdesk keeps in it readable by its owner only (folders 0700, files
    0600); other files there, and what cannot be changed (another user's, a read-only folder),
    are left as they are."""
    for path in (home, *_made_by_newsdesk(home)):
        try:
            if path.is_symlink():
                continue
            mode = FOLDER_MODE if path.is_dir() else FILE_MODE
            if path.stat().st_mode & 0o777 != mode:
                path.chmod(mode)
        except OSError:
            pass  # removed meanwhile by another process, or not ours


def _made_by_newsdesk(home: Path):
    for name in OWN:
        for path in home.glob(name):
            yield path
            if path.is_dir() and not path.is_symlink():
                yield from path.rglob("*")
