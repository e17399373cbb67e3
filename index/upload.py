"""Articles people upload (the app's Articles tab): checked, copied under the index home
(uploads/) and ingested, one writer at a time.

Uploads go in a namespace of their own (doc_id "upload:NAME"; a .jsonl corpus's records
"upload:DOC_ID"), and one that would replace an article already there, under the same name
with other content, is refused. The index's writer
lock is held while the files are checked, copied and ingested: two uploads of one name at once
cannot both pass the check, and neither is lost.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from newsdesk.core.plural import counted
from newsdesk.core.settings import Settings
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import IngestReport, content_hash, ingest, one_writer
from newsdesk.index.load import load_file
from newsdesk.index.store import StoredDocument

UPLOAD_TYPES = (".txt", ".md", ".html", ".htm", ".jsonl")
MAX_UPLOAD_MB = 5
MAX_UPLOADS_MB = 200  # all uploads together: waiting to be read, and kept in the index
CORPUS = ".jsonl"  # a file of many articles, one JSON object a line, as `newsdesk ingest` reads
UPLOADS = "upload:"  # the doc_id namespace of uploaded articles: they never replace another
BECAME = {"new": "added", "changed": "replaced by the new version", "unchanged":
          "unchanged (already indexed)"}
PROBLEMS = ("refused", "skipped")  # how an outcome that is a problem begins


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
        each file: one of `BECAME`'s values (for a .jsonl, how many of its articles became
        each), "refused: why" or "skipped: why" (for a line of a .jsonl, "NAME line N").

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
            unread = set()
            for problem in report.problems:
                name, copy = _problem_of(problem.where, copies)
                if copy:  # not an article after all: not kept either
                    unread.add(copy)
                outcome.append((name, f"skipped: {problem.reason}"))
            for copy, (name, doc_ids) in copies.items():
                became = [report.outcomes[d] for d in doc_ids if d in report.outcomes]
                if copy in unread or not became:
                    Path(copy).unlink(missing_ok=True)
                elif Path(copy).suffix.lower() == CORPUS:
                    outcome.append((name, ", ".join(
                        f"{counted(became.count(b), 'article')} {BECAME[b]}" for b in BECAME
                        if b in became)))
                else:
                    outcome.append((name, BECAME[became[0]]))
    return report, outcome


def _problem_of(where: str, copies: dict[str, tuple[str, list[str]]]) -> tuple[str, str]:
    """The name the user gave to where an ingest met a problem (a copy, or a line of one), and
    the copy when it is the whole file ("" otherwise)."""
    for copy, (name, _) in copies.items():
        if where == copy:
            return name, copy
        if where.startswith(f"{copy}:"):
            return f"{name} line {where[len(copy) + 1:]}", ""
    return where, ""


def _copy_uploads(settings: Settings, picked: list[tuple[Path, str]], outcome: list[tuple[str, str]],
                  stored: Callable[[str], StoredDocument | None]) -> dict[str, tuple[str, list[str]]]:
    """Copy the files that may be added to the index's uploads/; returns copy -> (the name the
    user gave, the doc_ids it holds), and says in `outcome` why each other file was refused."""
    folder = settings.home / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    copies: dict[str, tuple[str, list[str]]] = {}
    claimed: set[str] = set()  # the doc_ids of the files of this upload taken so far
    for source, name in picked:
        copy = folder / name
        problem, doc_ids = (("another file of this upload has the same name", []) if str(copy) in copies
                            else _upload_problem(source, name, folder, stored, claimed))
        if not problem:
            try:
                shutil.copyfile(source, copy)
                copies[str(copy)] = (name, doc_ids)
                claimed.update(doc_ids)
                continue
            except OSError as error:
                problem = f"it could not be stored ({error.strerror or error})"
        outcome.append((name, f"refused: {problem}"))
    return copies


def _upload_problem(source: Path, name: str, folder: Path,
                    stored: Callable[[str], StoredDocument | None], claimed: set[str]
                    ) -> tuple[str, list[str]]:
    """Why an uploaded file cannot be added ("" when it can), and the doc_ids it would add."""
    if Path(name).suffix.lower() not in UPLOAD_TYPES or name.startswith("."):
        return f"not an article file; use {', '.join(UPLOAD_TYPES)}", []
    if source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
        return f"larger than {MAX_UPLOAD_MB} MB", []
    if Path(name).suffix.lower() == CORPUS:
        kept = folder / name
        if kept.exists() and kept.read_bytes() != source.read_bytes():
            return (f"an upload named {name!r} is already kept with other content; rename your "
                    "file to add its articles"), []
        return _corpus_problem(source, stored, claimed)
    doc_id = UPLOADS + Path(name).stem
    if doc_id in claimed:
        return f"another file of this upload is also named {Path(name).stem!r}", []
    record = stored(doc_id)
    if record is None:
        return "", [doc_id]
    kept = Path(record.source)
    if kept == folder / name and kept.exists() and kept.read_bytes() == source.read_bytes():
        return "", [doc_id]  # the same file again: ingest reports it unchanged
    return (f"an upload named {Path(name).stem!r} is already indexed with other content; rename "
            "your file to add it as a new article"), []


def _corpus_problem(source: Path, stored: Callable[[str], StoredDocument | None],
                    claimed: set[str]) -> tuple[str, list[str]]:
    """Why an uploaded .jsonl cannot be added ("" when it can: each of its articles is new,
    or the same as the one indexed under its doc_id), and the doc_ids it would add."""
    documents = load_file(source, UPLOADS).documents  # its bad lines: reported by the ingest
    for document in documents:
        doc_id = document.doc_id.removeprefix(UPLOADS)
        if document.doc_id in claimed:
            return f"another file of this upload also holds an article {doc_id!r}", []
        record = stored(document.doc_id)
        if record is not None and record.hash != content_hash(document):
            return (f"an upload {doc_id!r} is already indexed with other content; give the "
                    "article another doc_id to add it as a new one"), []
    return "", [document.doc_id for document in documents]
