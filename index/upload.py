"""Articles people upload (the app's Articles tab): checked, copied under the index home
(uploads/) and ingested, one writer at a time.

Uploads go in a namespace of their own (doc_id "upload:NAME"), and one that would replace an
article already there, under the same name with other content, is refused. The index's writer
lock is held while the files are checked, copied and ingested: two uploads of one name at once
cannot both pass the check, and neither is lost.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from newsdesk.core.settings import Settings
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import IngestReport, ingest, one_writer
from newsdesk.index.store import StoredDocument

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm")
MAX_UPLOAD_MB = 5
MAX_UPLOADS_MB = 200  # all uploads together: waiting to be read, and kept in the index
UPLOADS = "upload:"  # the doc_id namespace of uploaded articles: they never replace another
BECAME = {"new": "added", "changed": "replaced by the new version", "unchanged":
          "unchanged (already indexed)"}
FINE = ("added", "replaced", "unchanged")  # how an outcome that is no problem begins


def add_uploads(settings: Settings, picked: list[tuple[Path, str]], embedder: Embedder,
                stored: Callable[[str], StoredDocument | None]
                ) -> tuple[IngestReport | None, list[tuple[str, str]]]:
    """Copy the uploaded files under the index home and ingest them.

    Args:
        settings: The index's settings.
        picked: Each file as (where it lies, the name the user gave it).
        embedder: The embedder of the index.
        stored: The stored record of a doc_id, or None (as the index is now).

    Returns:
        The ingest's report (None when no file was taken), and (name, what became of it) for
        each file: one of `BECAME`'s values, "refused: why" or "skipped: why".

    Raises:
        NewsdeskError: the index cannot be written (the files already copied stay in uploads/).
    """
    outcome: list[tuple[str, str]] = []
    report = None
    with one_writer(settings):
        copies = _copy_uploads(settings, picked, outcome, stored)
        if copies:
            report = ingest([Path(copy) for copy in copies], settings, locked=True,
                            embedder=embedder, namespace=UPLOADS, progress=False)
            for problem in report.problems:  # not an article after all: not kept either
                Path(problem.where).unlink(missing_ok=True)
                outcome.append((copies.get(problem.where, problem.where), f"skipped: {problem.reason}"))
            outcome += [(copies[copy], BECAME[became]) for copy, became in report.outcomes.items()]
    return report, outcome


def _copy_uploads(settings: Settings, picked: list[tuple[Path, str]], outcome: list[tuple[str, str]],
                  stored: Callable[[str], StoredDocument | None]) -> dict[str, str]:
    """Copy the files that may be added to the index's uploads/; returns copy -> the name the
    user gave, and says in `outcome` why each other file was refused."""
    folder = settings.home / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    copies: dict[str, str] = {}
    for source, name in picked:
        copy = folder / name
        problem = ("another file of this upload has the same name" if str(copy) in copies
                   else _upload_problem(source, name, folder, stored))
        if not problem:
            try:
                shutil.copyfile(source, copy)
                copies[str(copy)] = name
                continue
            except OSError as error:
                problem = f"it could not be stored ({error.strerror or error})"
        outcome.append((name, f"refused: {problem}"))
    return copies


def _upload_problem(source: Path, name: str, folder: Path,
                    stored: Callable[[str], StoredDocument | None]) -> str:
    """Why an uploaded file cannot be added, or ""."""
    if Path(name).suffix.lower() not in UPLOAD_TYPES or name.startswith("."):
        return f"not an article file; use {', '.join(UPLOAD_TYPES)}"
    if source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
        return f"larger than {MAX_UPLOAD_MB} MB"
    record = stored(UPLOADS + Path(name).stem)
    if record is None:
        return ""
    kept = Path(record.source)
    if kept == folder / name and kept.exists() and kept.read_bytes() == source.read_bytes():
        return ""  # the same file again: ingest reports it unchanged
    return (f"an upload named {Path(name).stem!r} is already indexed with other content; rename "
            "your file to add it as a new article")
