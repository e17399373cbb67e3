"""The time a question names, as a window of days, read against the day it is asked as of.

"last week", "in March", "yesterday", "in 2023", "two years ago": spaCy finds the expressions of
time (`language.times`), dateparser resolves each against the as-of day into a day and a period
(day, week, month, year), and the window runs over that period, never past the as-of day. An
expression dateparser cannot read whole ("the summer of 2022", "early September") is read from
its last words ("2022", "September"). What names no time ("since the election") gives none.
A question that asks for only that time ("only articles from March") makes the window a
filter (`Window.only`); otherwise the ranking prefers it.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from functools import lru_cache

from newsdesk import language


@dataclass(frozen=True)
class Window:
    """The days a question is about, first and last included (ISO `YYYY-MM-DD`), the words
    that named them, and whether the question asks for only those days."""

    first: str
    last: str
    named: str
    only: bool = False

    def distance(self, day: datetime.date) -> int:
        """Days from `day` to the window: 0 inside it."""
        first, last = datetime.date.fromisoformat(self.first), datetime.date.fromisoformat(self.last)
        return max((first - day).days, (day - last).days, 0)


def moment(question: str, as_of: str = "") -> Window | None:
    """The days `question` is about: the window it names, else the day it is asked as of
    (`YYYY-MM-DD`), else None (no moment: every article is as new as another)."""
    return named_window(question, as_of) or (Window(as_of, as_of, "") if as_of else None)


def ages(dates: list[str], question: str, as_of: str = "") -> list[float] | None:
    """Days from each of `dates` (ISO, "" undated) to the `moment` of `question`; an undated
    one counts the mean of the dated ones (0 if none is dated); None when there is no moment."""
    about = moment(question, as_of)
    if about is None:
        return None
    known = {d: about.distance(datetime.date.fromisoformat(d[:10])) for d in set(dates) if d}
    mean = sum(known.values()) / len(known) if known else 0.0
    return [float(known[d]) if d else mean for d in dates]


def spoken(date: str) -> str:
    """An ISO date as a reader says it: "10 March 2024" ("" for undated)."""
    if not date:
        return ""
    day = datetime.date.fromisoformat(date[:10])
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def undated_note(as_of: str, cited: list[tuple[int, str]]) -> str:
    """What a reader should know of the undated sources of an answer asked as of a past day:
    they may have been written after it ("" when all are dated, or `as_of` is not past).

    `cited` holds each citation's number and date (ISO, "" undated).

    Example:
        >>> undated_note("2024-03-10", [(1, "2024-03-08"), (2, ""), (3, "")])
        'Sources [2] and [3] are undated: they may have been written after 10 March 2024.'
    """
    undated = sorted({n for n, date in cited if not date})
    if not undated or not as_of or as_of >= datetime.date.today().isoformat():
        return ""
    marks = [f"[{n}]" for n in undated]
    if len(marks) == 1:
        return f"Source {marks[0]} is undated: it may have been written after {spoken(as_of)}."
    listed = f"{', '.join(marks[:-1])} and {marks[-1]}"
    return f"Sources {listed} are undated: they may have been written after {spoken(as_of)}."


@lru_cache(maxsize=1024)
def named_window(question: str, as_of: str = "") -> Window | None:
    """The window of days `question` names, read against `as_of` (`YYYY-MM-DD`; "" reads only
    times that need no moment, like "in 2023"); None when it names none.

    Example:
        >>> named_window("Who resigned last week?", "2023-10-06")
        Window(first='2023-09-25', last='2023-10-01', named='last week')
    """
    base = datetime.date.fromisoformat(as_of) if as_of else None
    times = language.times(question)
    spans = [span for _, _, text in times if (span := _resolve(text, base))]
    if not spans:
        return None
    first = min(start for start, _, _ in spans)
    last = max(end for _, end, _ in spans)
    if base is not None:
        last, first = min(last, base), min(first, base)
    return Window(first.isoformat(), last.isoformat(), " ".join(named for _, _, named in spans),
                  _only(question, times[0][0]))


def _only(question: str, start: int) -> bool:
    """Whether the word "only" stands among the four words before the first time named
    ("only articles from March", "only in 2023"): the question asks for nothing else."""
    before = [w for w in language.analyse(question).words if w[1] <= start][-4:]
    return any(w[3] == "only" for w in before)


@lru_cache(maxsize=1024)
def _resolve(text: str, base: datetime.date | None):
    """(first day, last day, the words read) of an expression of time, or None; kept for the
    day it is read against ("this week" is read once a day: dateparser takes ~45 ms)."""
    words = text.split()
    for start in range(len(words)):  # the whole, then without its first words
        named = " ".join(words[start:])
        found = _parser(base).get_date_data(named)
        if found.date_obj is None:
            continue
        day = found.date_obj.date()
        if base is None and _relative(named):
            return None  # "last week" with no moment to count from
        return (*_period(day, found.period or "day", base), named)
    return None


def _period(day: datetime.date, period: str, base: datetime.date | None
            ) -> tuple[datetime.date, datetime.date]:
    if period == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == "week":
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    return day, day


def _relative(text: str) -> bool:
    """Whether `text` is read differently from another moment (then it needs one)."""
    one, other = (_parser(datetime.date(year, 1, 1)).get_date_data(text).date_obj
                  for year in (2001, 2011))
    return one != other


@lru_cache(maxsize=64)
def _parser(base: datetime.date | None):
    from dateparser.date import DateDataParser  # slow to import; only questions with times

    moment = datetime.datetime.combine(base or datetime.date.today(), datetime.time(12))
    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": moment, "PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True})
