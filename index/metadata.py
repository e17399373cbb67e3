"""An article's date and title, read once at ingest into one form.

Dates are ISO 8601: a day (`2024-03-12`), or a time with its zone normalised to UTC
(`2024-03-12T13:05:00+00:00`) when the source gives one, or a local time without a zone
(`2024-03-12T14:05:00`) when it gives none. An article whose date cannot be read is undated
(""): newsdesk never makes a date up (no day taken from today, no year guessed for a
"March 12"). Parsing is dateparser's, with relative words ("yesterday") switched off.

Plain-text articles (.txt, .md) say what they are in their first lines: front matter, a
headline, a dateline or byline ("12 March 2024", "By Jane Doe | March 12, 2024"). Which line is
a headline is a typographic judgement, this module's own and table-tested: a short first line
in sentence or title case that does not end as a sentence does, with a blank line after it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache

import yaml

# dateparser: absolute dates only, a day, a month and a year all required.
_PARSE = {"PARSERS": ["timestamp", "custom-formats", "absolute-time"],
          "REQUIRE_PARTS": ["day", "month", "year"], "TO_TIMEZONE": "UTC"}
_LANGUAGES = ["en"]
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_DATE_LINE = re.compile(r"\A\s*date:?\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")  # newsdesk's own line
_SENTENCE_ENDS = tuple(".!?…:;,")
_HEADLINE_WORDS = (2, 20)
_HEAD_LINES = 4  # lines after the headline read for a dateline or byline
_DATELINE_WORDS = 14
_DATELINE_END = re.compile(r"\s[\u2014\u2013]\s|\s--?\s")  # the dash after a dateline
_TITLE_KEYS = ("title", "headline")
_DATE_KEYS = ("date", "published", "datepublished", "pubdate", "published_at")
_PUBLISHER_KEYS = ("publisher", "site", "site_name", "outlet", "source")
_AUTHOR_KEYS = ("author", "byline", "by")
_URL_KEYS = ("url", "link", "canonical")


@dataclass(frozen=True)
class Head:
    """What the top of a plain-text article says about it; `body_start` is where its body
    begins (after front matter or a `date` line, which are not article text)."""

    body_start: int = 0
    title: str = ""
    date: str = ""
    publisher: str = ""
    author: str = ""
    url: str = ""


def parse_date(value: object) -> str:
    """An article date in ISO 8601 (see the module), or "" when `value` holds none.

    Example:
        >>> parse_date("2024/04/05"), parse_date("Tue, 12 Mar 2024 14:05:00 GMT")
        ('2024-04-05', '2024-03-12T14:05:00+00:00')
    """
    if isinstance(value, datetime.datetime):
        return _iso(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value or "").strip()
    if not text or not any(c.isdigit() for c in text):
        return ""
    try:  # the common case, fast: ISO 8601, or its day with slashes ("2023/10/06")
        return _iso(datetime.datetime.fromisoformat(text.replace("/", "-")))
    except ValueError:
        pass
    parsed = _parser().get_date_data(text).date_obj
    return _iso(parsed) if parsed else ""


def day_of(date: str) -> str:
    """The day `YYYY-MM-DD` of an ISO date as `parse_date` writes it ("" for undated)."""
    return date[:10]


def read_head(text: str) -> Head:
    """The metadata at the top of a plain-text article (.txt, .md)."""
    body_start, found = _leading_block(text)
    body = text[body_start:]
    top = [line.strip() for line in body.split("\n", 4 * _HEAD_LINES)[: 4 * _HEAD_LINES]]
    top = [line for line in top if line][: _HEAD_LINES + 1]
    at, dateline = _dateline(top)
    title = _first(found, _TITLE_KEYS) or ("" if at == 0 else headline(body))
    date = parse_date(_first(found, _DATE_KEYS)) or dateline
    return Head(body_start, title, date, _first(found, _PUBLISHER_KEYS),
                _first(found, _AUTHOR_KEYS), _first(found, _URL_KEYS))


def headline(body: str) -> str:
    """The body's first line if it reads as a headline, else "".

    A headline has 2-20 words, has lower-case letters (a line in capitals is a label: "GET UP
    TO SPEED"), does not end as a sentence does, and a blank line or the end follows it.
    Example:
        >>> headline("Council approves the harbour bridge\\n\\nThe vote was close.")
        'Council approves the harbour bridge'
    """
    stripped = body.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    line = first.strip().lstrip("#").strip()
    words = line.split()
    if not (_HEADLINE_WORDS[0] <= len(words) <= _HEADLINE_WORDS[1]):
        return ""
    if line.endswith(_SENTENCE_ENDS) or not any(c.islower() for c in line):
        return ""
    if rest and rest.split("\n", 1)[0].strip():
        return ""  # a line of a paragraph, not a line of its own
    return line


def _dateline(lines: list[str]) -> tuple[int, str]:
    """The first of the short lines at the top that holds a full date (a dateline or byline),
    and that date; (-1, "") if none does."""
    from dateparser.search import search_dates  # slow to import; only plain text needs it

    for at, line in enumerate(lines):
        if len(line.split()) > _DATELINE_WORDS:  # a paragraph may open with one: "OSLO, 2 May -"
            line = _DATELINE_END.split(line, maxsplit=1)[0]
        if len(line.split()) > _DATELINE_WORDS or not any(c.isdigit() for c in line):
            continue
        found = search_dates(line, languages=_LANGUAGES, settings=_PARSE)
        if found:
            return at, _iso(found[0][1])
    return -1, ""


def _leading_block(text: str) -> tuple[int, dict[str, object]]:
    """Where the body starts, and the fields of the front matter or `date` line before it."""
    match = _DATE_LINE.match(text)
    if match:
        return match.end(), {"date": match.group(1)}
    match = _FRONT_MATTER.match(text)
    if not match:
        return 0, {}
    try:
        fields = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        fields = None
    if not isinstance(fields, dict):
        return match.end(), {}
    return match.end(), {str(key).strip().lower(): value for key, value in fields.items()}


def _first(fields: dict[str, object], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, datetime.date):
            return parse_date(value)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _iso(moment: datetime.datetime) -> str:
    """A day when no time is given (midnight without a zone), else the time, in UTC if zoned."""
    if moment.tzinfo is not None:
        utc = moment.astimezone(datetime.UTC)
        return utc.replace(tzinfo=datetime.UTC).isoformat(timespec="seconds").replace("Z", "+00:00")
    if moment.time() == datetime.time(0):
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds")


@cache
def _parser():
    import dateparser  # slow to import; most dates take the fast path above

    return dateparser.DateDataParser(languages=_LANGUAGES, settings=_PARSE)
