"""Load article files into `Document`s: .txt, .md, .html and .jsonl corpora.

A document's `text` is the text as loaded (the file decoded, in the encoding its byte-order mark
names, UTF-8, or what `decode` finds; the extracted article for HTML), and every offset newsdesk
stores points into it. Metadata found at the top of a file (a `date 2025-03-14` line, front
matter) is moved out of the body by `body_start`, never cut out of `text`, so offsets stay true
to the file. Titles and dates are read by `newsdesk.index.metadata`, once, into one form.

`find_files` is the one walker: what it finds, and what it skips and why (links that leave the
folder, FIFOs, names that are not UTF-8), holds for every ingest.
"""

from __future__ import annotations

import json
import os
import re
import stat
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
MAX_HTML_DEPTH = 100
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_KINDS = {stat.S_IFIFO: "FIFO", stat.S_IFCHR: "device", stat.S_IFBLK: "device",
          stat.S_IFSOCK: "socket", stat.S_IFDIR: "folder"}


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


def find_files(paths: Iterable[Path], follow_links: bool = False
               ) -> tuple[list[Path], list[Problem]]:
    """Article files under `paths` (files, or folders searched recursively), sorted, and the
    problems met on the way.

    The one walker of newsdesk. A symbolic link inside a folder is read only when it points
    inside that folder, or anywhere with `follow_links`; a broken or looping link, a FIFO or a
    device, an unreadable folder and a name that is not valid UTF-8 are skipped with their
    reason. Files and folders named in `paths` are read wherever they point: the user named them.
    """
    found: set[Path] = set()
    problems: list[Problem] = []
    for path in paths:
        if reason := _name_problem(path):
            problems.append(Problem(shown(path), reason))
        elif path.is_dir():
            _walk(path, follow_links, found, problems)
        elif reason := _file_problem(path):
            problems.append(Problem(str(path), reason))
        elif path.suffix.lower() in SUFFIXES:
            found.add(path)
        else:
            kinds = ", ".join(sorted(SUFFIXES))
            problems.append(Problem(str(path), f"unsupported file type; use one of {kinds}"))
    return sorted(found), problems


def shown(path: Path | str) -> str:
    """A path as text that can be printed and stored: bytes of a name that are not UTF-8
    appear as `\\xff`."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _walk(root: Path, follow_links: bool, found: set[Path], problems: list[Problem]) -> None:
    """Add the article files under the folder `root` to `found` (see `find_files`). Folders
    reached through links are read last, and only if not read already: each file is found once,
    under its own path."""
    top = root.resolve()
    folders: list[Path] = [root]
    linked: list[Path] = []
    walked: set[Path] = set()
    while folders or linked:
        folder = folders.pop() if folders else linked.pop(0)
        real = folder.resolve()
        if real in walked:
            problems.append(Problem(shown(folder), f"a symbolic link to {shown(real)}, a folder "
                                                   "read already"))
            continue
        walked.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            problems.append(Problem(shown(folder), f"cannot be read ({error.strerror or error})"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue  # hidden: a dot-file, or a folder such as .git
            if entry.is_symlink():
                target, reason = _link_target(path, top, follow_links)
                is_folder = target is not None and target.is_dir()
                if reason:  # said of folders and article files; other files are not asked for
                    if is_folder or path.suffix.lower() in SUFFIXES:
                        problems.append(Problem(shown(path), reason))
                    continue
                if is_folder:
                    linked.append(path)
                    continue
            if entry.is_dir():
                if reason := _name_problem(path):
                    problems.append(Problem(shown(path), reason))
                else:
                    folders.append(path)
            elif path.suffix.lower() in SUFFIXES:
                reason = _name_problem(path) or _file_problem(path)
                if reason:
                    problems.append(Problem(shown(path), reason))
                else:
                    found.add(path)


def _link_target(link: Path, top: Path, follow_links: bool) -> tuple[Path | None, str]:
    """Where a symbolic link found under `top` points (None when nowhere), and why it is not
    followed ("" when it is)."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return None, "a broken symbolic link (its target does not exist)"
    except (RuntimeError, OSError):  # RuntimeError: a loop, on Python 3.11
        return None, "a symbolic link that loops back on itself"
    if not follow_links and target != top and top not in target.parents:
        return target, (f"a symbolic link to {shown(target)}, outside {shown(top)}; links "
                        "that leave the folder are followed only with --follow-links")
    return target, ""


def _name_problem(path: Path) -> str:
    """Why a path cannot be stored (its name is not valid UTF-8), or ""."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8; rename it"
    return ""


def _file_problem(path: Path) -> str:
    """Why `path` is not a file to read (missing, a broken link, a FIFO or device), or ""."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return ("a broken symbolic link (its target does not exist)" if path.is_symlink()
                else "no such file or folder")
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    return "" if stat.S_ISREG(mode) else _not_regular(mode)


def _not_regular(mode: int) -> str:
    return f"not a regular file (a {_KINDS.get(stat.S_IFMT(mode), 'special file')})"


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




def _read_text(path: Path, limit: int) -> str:
    """The file as text, line ends made `\\n`; ValueError saying why it is not text."""
    try:
        # Non-blocking, so that a FIFO put in a file's place is refused, not waited on.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ValueError(_not_regular(info.st_mode))
            if info.st_size > limit:
                raise ValueError(f"larger than {limit // 1_000_000} MB; split it into smaller files")
            data = file.read(limit + 1)
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror or error})") from error
    if len(data) > limit:
        raise ValueError(f"larger than {limit // 1_000_000} MB; split it into smaller files")
    text = decode(data)
    if not text.strip():
        raise ValueError("empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str:
    """Bytes as text: by their byte-order mark, as UTF-8, else in the encoding charset-normalizer
    finds, with Windows-1252 first among equals.

    Text that is not UTF-8 is most often Western European, in Latin-1 or its superset
    Windows-1252 (the encoding browsers assume for unlabelled Western pages). charset-normalizer
    guesses poorly on short texts ("Genève" read as Central European "Genčve"), so the bytes are
    read as Windows-1252 unless its mess detector rejects that reading or another encoding makes
    more coherent words of them (Russian in Windows-1251, Turkish in Windows-1254).

    Raises:
        ValueError: the bytes are not text.
    """
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
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or best.coherence <= western.coherence):
        return str(western)
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
        tree = lxml.html.document_fromstring(_shallow(html), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return None  # nothing parseable: reported by the caller as no article text
    return trafilatura.bare_extraction(tree, with_metadata=True, include_comments=False,
                                      favor_recall=True, date_extraction_params=_HTML_DATES)


def _shallow(html: str, most: int = MAX_HTML_DEPTH) -> str:
    """`html` without the tags nested more than `most` deep; their text stays where it is.

    lxml drops what lies deeper than 2,048 levels even with `huge_tree`, and trafilatura slows
    down long before: no article needs more than a few dozen levels. Tags are counted as they
    open and close (void elements and `<x/>` do not nest).
    """
    depth, kept, last = 0, [], 0
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _VOID or tag.group().endswith("/>"):
            continue
        if closing:
            depth = max(depth - 1, 0)
        deep = depth >= most
        if not closing:
            depth += 1
        if deep:
            kept.append(html[last:tag.start()])
            last = tag.end()
    return "".join(kept) + html[last:] if kept else html


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
