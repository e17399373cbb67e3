"""User input, checked in one place: the question, how many passages, which articles and dates,
and the moment a question is asked as of.

The command line, the HTTP API, the MCP tools and the Python API all go through these, so the
same input gets the same result, or the same one-line error, wherever it comes from. (Whether a
named article exists is checked by the retriever, which knows the index.)
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace

from newsdesk.core.errors import BadInputError

MAX_QUESTION_CHARS = 4000
MAX_PASSAGES = 100
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# How messages name the dates: as the command line's flags, unless a face passes its own names
# (the chat page names its Settings fields).
FLAGS = {"since": "--since", "until": "--until", "as_of": "--as-of"}


def check_text(text: str, what: str) -> str:
    """`text` when it is valid Unicode; BadInputError naming `what` when it is not (a lone
    surrogate such as "\\ud800" sent as JSON, bytes of a command line that are not UTF-8).
    Every text a user gives newsdesk to read passes here before any model sees it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadInputError(
            f"The {what} holds characters that are not valid Unicode (at character "
            f"{error.start + 1}); send it as UTF-8 text.") from None
    return text


def check_question(question: object) -> str:
    """The question stripped; BadInputError when it is not text, not valid Unicode, empty, or
    too long."""
    if not isinstance(question, str):
        raise BadInputError(f"The question must be text, not {type(question).__name__}.")
    question = check_text(question, "question").strip()
    if not question:
        raise BadInputError("The question is empty; type a question about the articles.")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadInputError(
            f"The question is {len(question):,} characters long; the limit is "
            f"{MAX_QUESTION_CHARS:,}. Shorten it to the question itself.")
    return question


def check_k(k: object, default: int) -> int:
    """How many passages: `default` when not given; BadInputError unless a whole number 1-100."""
    if k is None or k == "":
        return default
    if isinstance(k, str) and k.strip().isdecimal():
        k = int(k.strip())
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PASSAGES:
        raise BadInputError(f"k of {k!r} is not valid; use a whole number from 1 to {MAX_PASSAGES}.")
    return k


def check_date(value: object, name: str) -> str:
    """`YYYY-MM-DD` of a real day, or "" when not given; BadInputError naming it `name`
    ("--since") otherwise."""
    if value is None or value == "":
        return ""
    text = str(value).strip()
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadInputError(f"{name} {value!r} is not a date; use YYYY-MM-DD.") from None


def check_as_of(value: object, name: str = FLAGS["as_of"]) -> str:
    """The day a question is asked as of: today for None, "" or "now"; "" (no moment: every
    article is read, none is older than another) for "none"; else a day, `YYYY-MM-DD` (a date
    or a datetime; a time is read as its day). BadInputError naming it `name` otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value or "").strip().lower()
    if text in ("", "now", "today"):
        return datetime.date.today().isoformat()
    if text == "none":
        return ""
    return check_date(text[:10] if len(text) > 10 and text[10] in "t " else text, name)


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some articles (doc_id or source) and to a date range, as of a day.

    `as_of` (`YYYY-MM-DD`, "" for none) is the day the question is asked: articles dated after
    it are not read, and the ranking prefers the news of that moment (`fusion`). Undated
    articles are read whatever the day, ranked as neither new nor old.
    """

    sources: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    as_of: str = ""

    @classmethod
    def make(cls, sources=None, since=None, until=None, as_of=None, names=None) -> Filters:
        """Filters from user input (`as_of` as `check_as_of` reads it: None is today);
        BadInputError for a date that is not a day, an end before the start, or sources that
        are not a list of names. Its message names the dates by `names` (default `FLAGS`)."""
        names = {**FLAGS, **(names or {})}
        if isinstance(sources, str):
            sources = [sources]
        if sources is not None and not (isinstance(sources, list | tuple)
                                        and all(isinstance(s, str) for s in sources)):
            raise BadInputError("Sources must be a list of article names (doc_id or path).")
        for source in sources or ():
            check_text(source, "article name")
        since, until = check_date(since, names["since"]), check_date(until, names["until"])
        if since and until and until < since:
            raise BadInputError(f"{names['until']} {until} is before {names['since']} {since}; "
                                "swap them.")
        as_of = check_as_of(as_of, names["as_of"])
        if as_of and since and since > as_of:
            raise BadInputError(f"{names['since']} {since} is after {names['as_of']} {as_of}: no "
                                "article can be read; move one of them.")
        return cls(tuple(dict.fromkeys(s.strip() for s in sources or () if s.strip())), since,
                   until, as_of)

    def within(self, window) -> Filters:
        """These filters, narrowed to a `when.Window` the question asks for only (else as
        they are)."""
        if window is None or not window.only:
            return self
        since = max(self.since, window.first)
        until = min(day for day in (self.until, window.last) if day)
        return replace(self, since=since, until=until if until >= since else since)

    def recent(self, about, days: int) -> Filters | None:
        """These filters, narrowed to the articles of the `days` before a `when.Window` and
        in it (None when there is none, or no day is left)."""
        if about is None or not days:
            return None
        start = (datetime.date.fromisoformat(about.first) - datetime.timedelta(days=days)).isoformat()
        since = max(self.since, start)
        until = min(day for day in (self.last_day, about.last) if day)
        return replace(self, since=since, until=until) if since <= until else None

    @property
    def last_day(self) -> str:
        """The last day an article may be dated: the earlier of `until` and `as_of`."""
        return min((day for day in (self.until, self.as_of) if day), default="")
