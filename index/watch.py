"""Watch feeds: poll them now and then, politely, and ingest the articles that are new.

One feed's poll: a conditional request (ETag / Last-Modified: a feed with nothing new costs one
request and no body); the items not seen before, newest first, at most `max_new` of them; their
pages fetched (robots.txt and the per-host delay honoured by the `Fetcher`), ingested, and only
then the feed's state saved. A feed that fails is tried again after a wait that doubles with
each failure in a row (up to a day), or as long as its server asked (Retry-After).

The state (per feed: ETag, Last-Modified, the item ids seen, failures; per host: robots.txt)
lies in the index home, `watch-<collection>.json`, written whole to a temporary file and renamed
over the old one after each feed. A watch killed at any moment so loses nothing and repeats
nothing: the items of the feed it was on are not yet marked seen, and the next poll takes them
again; the ones whose ingest had finished are found unchanged in the index (ingest is
incremental and crash-safe), and are not written twice.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from newsdesk.core.errors import BadInputError, FetchError
from newsdesk.core.plural import counted
from newsdesk.core.settings import Settings
from newsdesk.index.embed import Embedder
from newsdesk.index.feeds import parse_feed
from newsdesk.index.fetch import FEED_TYPES, Fetcher
from newsdesk.index.ingest import IngestReport, ingest
from newsdesk.index.load import Problem
from newsdesk.index.web import FromWeb, fetcher_for, read_items

SEEN_KEPT = 5000  # item ids remembered per feed: far more than a feed lists at once
MAX_BACKOFF = 24 * 3600.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass
class FeedState:
    """What a watch remembers of one feed between polls."""

    etag: str = ""
    last_modified: str = ""
    seen: list[str] = field(default_factory=list)
    failures: int = 0
    next_poll: float = 0.0  # seconds since the epoch before which the feed is not polled
    last_error: str = ""


@dataclass
class WatchState:
    """Every watched feed's state, and the robots.txt texts read (`Fetcher.robots`)."""

    feeds: dict[str, FeedState] = field(default_factory=dict)
    robots: dict[str, list] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> WatchState:
        """The state saved at `path`; an empty one when there is none."""
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as error:
            raise BadInputError(f"The watch state {path} cannot be read ({error}); move it away "
                                "to start afresh (feeds are then read from the start).") from None
        return cls({url: FeedState(**feed) for url, feed in data.get("feeds", {}).items()},
                   data.get("robots", {}))

    def save(self, path: Path) -> None:
        """Write the state whole, then rename it into place: a reader never sees half of it."""
        text = json.dumps({"feeds": {url: asdict(f) for url, f in self.feeds.items()},
                           "robots": self.robots}, indent=1)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.",
                                         delete=False) as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(file.name, path)


@dataclass
class FeedPoll:
    """What polling one feed did. `outcome` is "new", "nothing new", "not modified",
    "failed" or "waiting" (backing off after failures)."""

    url: str
    outcome: str
    new: int = 0  # articles new to the index, or changed
    left: int = 0  # new items left for the next poll (over `max_new`, or failed for now)
    requests: int = 0
    problems: list[Problem] = field(default_factory=list)
    ingested: IngestReport | None = None
    next_poll: float = 0.0

    def summary(self) -> str:
        text = {"new": counted(self.new, "new article"),
                "nothing new": "nothing new",
                "not modified": "not modified", "failed": "failed",
                "waiting": "waiting after failures"}[self.outcome]
        if self.left:
            text += f", {self.left} left for the next poll"
        if self.outcome in ("failed", "waiting"):
            text += f"; next try at {_iso(self.next_poll)}"
        return f"{self.url}: {text} ({counted(self.requests, 'request')})"


@dataclass
class Poll:
    """One poll of every feed."""

    feeds: list[FeedPoll]
    seconds: float

    @property
    def requests(self) -> int:
        return sum(f.requests for f in self.feeds)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.feeds for p in f.problems]


class Watcher:
    """Polls feeds into the index of `settings`.

    Args:
        feeds: Feed URLs (RSS, Atom or JSON Feed).
        settings: The index, and how to fetch (allowed hosts, per-host delay).
        every: Seconds between polls (and the first wait after a failure). Default 900.
        max_new: New articles taken from one feed per poll. Default 50.
        embedder: A loaded embedder to reuse; made on the first new article when None.
        fetcher: The fetcher to use; made from `settings` when None.
        clock: Seconds since the epoch (replaceable in tests).

    Use as a context manager: it holds the watch lock of the index, so that two watches do not
    poll the same feeds at once.
    """

    def __init__(self, feeds: list[str], settings: Settings, *, every: float = 900.0,
                 max_new: int = 50, embedder: Embedder | None = None,
                 fetcher: Fetcher | None = None, clock: Callable[[], float] = time.time):
        if not feeds:
            raise BadInputError("No feeds to watch; give feed URLs or --feeds FILE.")
        if max_new < 1:
            raise BadInputError(f"--max-new of {max_new} takes nothing; give 1 or more.")
        self.feeds = list(dict.fromkeys(feeds))
        self.settings = settings
        self.every = every
        self.max_new = max_new
        self.embedder = embedder
        self.clock = clock
        settings.home.mkdir(parents=True, exist_ok=True)
        self.path = settings.home / f"watch-{settings.collection}.json"
        self.state = WatchState.load(self.path)
        self.fetcher = fetcher or fetcher_for(settings)
        self.fetcher.robots = self.state.robots
        self._lock = FileLock(self.path.with_suffix(".lock"))

    def __enter__(self) -> Watcher:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise BadInputError(f"Another watch of {self.settings.where} is running (it holds "
                                f"{self._lock.lock_file}); stop it first.") from None
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()
        self.fetcher.close()

    def run(self, once: bool = False, report: Callable[[Poll], None] = lambda poll: None,
            sleep: Callable[[float], None] = time.sleep) -> Poll:
        """Poll every `every` seconds until interrupted (or once); `report` gets each poll."""
        while True:
            started = self.clock()
            poll = self.poll()
            report(poll)
            if once:
                return poll
            sleep(max(0.0, started + self.every - self.clock()))

    def poll(self) -> Poll:
        """Poll each feed once (skipping those still waiting after failures)."""
        started = time.perf_counter()
        results = [self.poll_feed(url) for url in self.feeds]
        return Poll(results, time.perf_counter() - started)

    def poll_feed(self, url: str) -> FeedPoll:
        """Poll one feed, ingest what is new, and save its state."""
        state = self.state.feeds.setdefault(url, FeedState())
        if state.next_poll > self.clock():
            return FeedPoll(url, "waiting", next_poll=state.next_poll)
        before = self.fetcher.requests
        try:
            response = self.fetcher.get(url, FEED_TYPES, etag=state.etag,
                                        last_modified=state.last_modified)
            feed = None if response.not_modified else parse_feed(response)
        except FetchError as error:
            self._failed(state, error)
            return FeedPoll(url, "failed", requests=self.fetcher.requests - before,
                            problems=[Problem(error.url, error.reason)], next_poll=state.next_poll)
        result = FeedPoll(url, "not modified")
        if feed is not None:
            seen = set(state.seen)
            unseen = [item for item in feed.items if item.id not in seen]
            chosen = sorted(unseen, key=lambda item: item.date, reverse=True)[: self.max_new]
            found = FromWeb(feeds=[feed])
            read_items(feed, chosen, self.fetcher, found)
            ingested = self._ingest(found)
            retry = {item.id for item in found.retry}
            state.seen = (state.seen + [i.id for i in chosen if i.id not in retry])[-SEEN_KEPT:]
            complete = len(chosen) == len(unseen) and not retry
            # Remembered only when every item was taken: else the next poll must see the feed.
            state.etag = response.etag if complete else ""
            state.last_modified = response.last_modified if complete else ""
            new = ingested.new + ingested.changed if ingested else 0
            result = FeedPoll(url, "new" if new else "nothing new", new=new,
                              left=len(unseen) - len(chosen) + len(retry),
                              problems=found.problems + (ingested.problems if ingested else []),
                              ingested=ingested)
        state.failures, state.next_poll, state.last_error = 0, 0.0, ""
        self.state.save(self.path)
        result.requests = self.fetcher.requests - before
        return result

    def _ingest(self, found: FromWeb) -> IngestReport | None:
        if not found.documents:
            return None
        if self.embedder is None:
            self.embedder = Embedder.of(self.settings)
        return ingest([], self.settings, documents=found.documents, embedder=self.embedder,
                      progress=False)

    def _failed(self, state: FeedState, error: FetchError) -> None:
        state.failures += 1
        wait = min(self.every * 2 ** state.failures, MAX_BACKOFF)
        state.next_poll = self.clock() + max(wait, min(error.retry_after, MAX_BACKOFF))
        state.last_error = error.reason
        self.state.save(self.path)


def read_feeds_file(path: Path) -> list[str]:
    """The feed URLs in a file: one a line; blank lines and `#` comments ignored."""
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise BadInputError(f"Cannot read the feeds file {path} ({error.strerror or error}).") from None
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def parse_every(text: str) -> float:
    """Seconds in `90s`, `15m`, `2h`, `1d` or a plain number of seconds."""
    match = _DURATION.match(text or "")
    seconds = float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0
    if seconds <= 0:
        raise BadInputError(f"--every {text!r} is not a time between polls; write e.g. 90s, 15m "
                            "or 2h.")
    return seconds


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")
