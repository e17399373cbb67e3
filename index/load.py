"""Load article files into `Document`s: .txt, .md, .html and .jsonl corpora.

A document's `text` is the text as loaded (the file decoded, in the encoding its byte-order mark
names, UTF-8, or what charset-normalizer finds; the extracted article for HTML), and every offset
newsdesk stores points into it. Metadata found at the top of a file (a `date 2025-03-14` line,
front matter) is moved out of the body by `body_start`, never cut out of `text`, so offsets stay
true to the file. Titles and dates are read by `newsdesk.index.metadata`, once, into one form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from newsdesk.index.metadata import parse_date, read_head

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
CORPUS_SUFFIXES = {".jsonl"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | CORPUS_SUFFIXES

MAX_FILE_BYTES = 20_000_000
MAX_CORPUS_BYTES = 2_000_000_000
# htmldate through trafilatura: the page's own date (published, not updated), with its time
# and zone when the page gives them, and no guess from years mentioned in the text.
_HTML_DATES = {"original_date": True, "extensive_search": False,
               "outputformat": "%Y-%m-%dT%H:%M:%S%z"}

_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
_BYTE_ORDER_MARKS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                     (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
                     (b"\xfe\xff", "utf-16-be"))


@dataclass(frozen=True)
class Document:
    """One article, as loaded.

    Attributes:
        doc_id: Stable identity: the file stem, or the `doc_id` of a jsonl record.
        text: The text as loaded; all offsets point into it.
        source: Where it came from: a file path, or the jsonl record's `source`.
        title: The article title, or "" when the file has none.
        date: When it was published, ISO 8601 (`metadata.parse_date`), or "": undated.
        url: The article URL (for an article from the web, its canonical URL), or "".
        body_start: Offset where the body begins (after metadata lines).
        publisher: Who published it (a newspaper, an agency, a site, a feed), or "".
        author: Who wrote it, or "".
    """

    doc_id: str
    text: str
    source: str
    title: str = ""
    date: str = ""
    url: str = ""
    body_start: int = 0
    publisher: str = ""
    author: str = ""


@dataclass(frozen=True)
class Problem:
    """Why one file, or one line of a corpus, was skipped."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.where}: {self.reason}"


@dataclass(frozen=True)
class Loaded:
    """What one file gave: its documents and the problems met on the way."""

    documents: list[Document]
    problems: list[Problem]


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Article files under `paths` (files, or folders searched recursively), sorted."""
    found: set[Path] = set()
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and _is_article(p))
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                found.add(path)
            else:
                kinds = ", ".join(sorted(SUFFIXES))
                problems.append(Problem(str(path), f"unsupported file type; use one of {kinds}"))
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return sorted(found), problems


def load_file(path: Path, namespace: str = "") -> Loaded:
    """Load one article file, or every record of a .jsonl corpus.

    `namespace` is put before every doc_id ("upload:" keeps uploads apart from other articles).
    """
    suffix = path.suffix.lower()
    limit = MAX_CORPUS_BYTES if suffix in CORPUS_SUFFIXES else MAX_FILE_BYTES
    try:
        text = _read_text(path, limit)
    except ValueError as error:
        return Loaded([], [Problem(str(path), str(error))])
    if suffix in CORPUS_SUFFIXES:
        loaded = _load_corpus(path, text)
    else:
        document = _load_html(path, text) if suffix in HTML_SUFFIXES else _load_text(path, text)
        if not document.text[document.body_start :].strip():
            return Loaded([], [Problem(str(path), "no article text in the file")])
        loaded = Loaded([document], [])
    if not namespace:
        return loaded
    return Loaded([replace(d, doc_id=namespace + d.doc_id) for d in loaded.documents], loaded.problems)


def _is_article(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.startswith(".")


def _read_text(path: Path, limit: int) -> str:
    """The file as text, line ends made `\\n`; ValueError saying why it is not text."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ValueError(f"larger than {limit // 1_000_000} MB; split it into smaller files")
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror or error})") from error
    text = decode(data)
    if not text.strip():
        raise ValueError("empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str:
    """Bytes as text: by their byte-order mark, as UTF-8, or in the encoding charset-normalizer
    finds; ValueError for bytes that are not text."""
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data[len(mark):].decode(codec)
            except UnicodeDecodeError:
                raise ValueError(f"binary file, not text (not valid {codec} after its "
                                 "byte-order mark)") from None
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(data).best()
    if best is None:
        raise ValueError("not text in any encoding newsdesk can detect; save it as UTF-8")
    return str(best)


def _load_text(path: Path, text: str) -> Document:
    head = read_head(text)
    title = head.title
    if not title and path.suffix.lower() != ".txt":
        heading = _HEADING.search(text, head.body_start)
        title = heading.group(1) if heading else ""
    return Document(doc_id=path.stem, text=text, source=str(path), title=title, date=head.date,
                    url=head.url, body_start=head.body_start, publisher=head.publisher,
                    author=head.author)


def _load_html(path: Path, html: str) -> Document:
    extracted = extract_html(html)

    def field(name: str) -> str:
        return str(getattr(extracted, name, None) or "")
    return Document(doc_id=path.stem, text=field("text"), source=str(path), title=field("title"),
                    date=parse_date(field("date")), url=field("url"),
                    publisher=field("sitename"), author=field("author"))


def extract_html(html: str):
    """The article in an HTML page, as trafilatura extracts it (`.text`, `.title`, `.date`,
    `.url` (canonical), `.author`, `.sitename`), or None when nothing can be parsed."""
    import lxml.html  # imported here: slow to import, and only HTML needs them
    import trafilatura

    # lxml's default parser stops at 255 levels of nesting and drops what lies deeper.
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True)
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return None  # nothing parseable: reported by the caller as no article text
    return trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False,
                                      favor_recall=True, date_extraction_params=_HTML_DATES)


def _load_corpus(path: Path, text: str) -> Loaded:
    documents: list[Document] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, line in _numbered_lines(text):
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(where, f"not valid JSON ({error.msg})"))
            continue
        reason = _record_problem(record, seen)
        if reason:
            problems.append(Problem(where, reason))
            continue
        seen.add(str(record["doc_id"]))
        documents.append(_record_document(record, path))
    return Loaded(documents, problems)


def _numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def _record_problem(record: object, seen: set[str]) -> str:
    """Why a jsonl record cannot be a document, or "" when it can."""
    if not isinstance(record, dict):
        return "expected a JSON object with doc_id and text"
    if not str(record.get("doc_id") or "").strip():
        return "missing doc_id"
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        return "missing or empty text"
    if str(record["doc_id"]) in seen:
        return f"doc_id {record['doc_id']!r} appears twice; the first one was kept"
    return ""


def _record_document(record: dict, path: Path) -> Document:
    def field(*names: str) -> str:
        value = next((record[n] for n in names if record.get(n)), "")
        return str(value[0] if isinstance(value, list) and value else value or "").strip()
    return Document(
        doc_id=str(record["doc_id"]),
        text=record["text"].replace("\r\n", "\n").replace("\r", "\n"),
        source=field("source") or str(path),
        title=field("title"),
        date=parse_date(field("date", "published", "datePublished")),
        url=field("url", "links"),
        publisher=field("publisher", "source"),
        author=field("author"),
    )
