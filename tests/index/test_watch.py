"""Watching feeds: polite polls, nothing new costs one request, bounded new articles, back-off
on errors, and a killed watch that loses nothing and repeats nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.evals.newsroom import Route
from newsdesk.index.fetch import Fetcher
from newsdesk.index.store import Store
from newsdesk.index.watch import Watcher, WatchState, parse_every, read_feeds_file
from tests.conftest import ROOT
from tests.index.conftest import local_policy


def _watcher(site, settings, feeds, embedder, **options) -> Watcher:
    return Watcher([f"{site.url}{f}" for f in feeds], settings, embedder=embedder,
                   fetcher=Fetcher(local_policy()), **options)


def _urls(settings: Settings) -> set[str]:
    return {d.url.rsplit("/", 1)[1] for d in Store.open(settings).stored_documents()}


def test_a_poll_with_nothing_new_costs_one_conditional_request_per_feed(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    with _watcher(site, settings, ["/rss.xml", "/atom.xml"], embedder) as watcher:
        first = watcher.poll()
    assert [f.outcome for f in first.feeds] == ["new", "new"]
    assert first.new == 3 and _urls(settings) == {"ferry.html", "dam.html", "orchard.html"}
    assert [p.reason for p in first.problems] == [
        "robots.txt of 127.0.0.1 does not allow newsdesk to fetch it"]
    before = site.requests
    with _watcher(site, settings, ["/rss.xml", "/atom.xml"], embedder) as watcher:  # a new run
        again = watcher.poll()
    assert [f.outcome for f in again.feeds] == ["not modified", "not modified"]
    assert again.requests == site.requests - before == 2  # robots.txt kept from the last run
    assert site.seen_headers[-1]["if-none-match"].startswith('"')


def test_a_feed_without_validators_is_read_again_but_its_items_are_not(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    site.routes["/rss.xml"].headers.clear()  # no ETag, no Last-Modified
    with _watcher(site, settings, ["/rss.xml"], embedder) as watcher:
        assert watcher.poll().new == 2
        again = watcher.poll()
    assert again.feeds[0].outcome == "nothing new" and again.requests == 1


def test_new_articles_are_bounded_per_poll_newest_first(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    with _watcher(site, settings, ["/atom.xml"], embedder, max_new=1) as watcher:
        first = watcher.poll()
        assert (first.new, first.feeds[0].left) == (1, 1)
        assert _urls(settings) == {"dam.html"}  # 12 March, the newer of the two
        second = watcher.poll()  # the feed is read whole again: not everything was taken
        assert (second.new, second.feeds[0].left) == (1, 0)
        assert _urls(settings) == {"dam.html", "orchard.html"}
        assert watcher.poll().feeds[0].outcome == "not modified"


def test_a_failing_feed_waits_longer_after_each_failure(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    now = [1_000_000.0]
    with _watcher(site, settings, ["/missing.xml", "/malformed.xml"], embedder, every=60,
                  clock=lambda: now[0]) as watcher:
        first = watcher.poll()
        assert [f.outcome for f in first.feeds] == ["failed", "failed"]
        assert [f.next_poll - now[0] for f in first.feeds] == [120, 120]
        assert watcher.poll().feeds[0].outcome == "waiting"  # not asked again meanwhile
        hits = site.hits["/missing.xml"]
        now[0] += 121
        assert watcher.poll().feeds[0].next_poll - now[0] == 240
        assert site.hits["/missing.xml"] == hits + 1
    state = WatchState.load(settings.home / "watch-newsdesk.json")
    assert state.feeds[f"{site.url}/missing.xml"].last_error == "not found (HTTP 404)"
    assert state.feeds[f"{site.url}/malformed.xml"].failures == 2


def test_a_server_that_asks_to_wait_is_waited_for(site, tmp_path, embedder):
    site.routes["/busy.xml"] = Route(b"busy", "text/plain", status=503,
                                     headers={"Retry-After": "7200"})
    settings = Settings(home=tmp_path / "home")
    now = [1_000_000.0]
    with _watcher(site, settings, ["/busy.xml"], embedder, every=60, clock=lambda: now[0]) as w:
        assert w.poll().feeds[0].next_poll == now[0] + 7200


def test_two_watches_of_one_index_are_refused(site, tmp_path, embedder):
    settings = Settings(home=tmp_path / "home")
    with _watcher(site, settings, ["/rss.xml"], embedder), \
            pytest.raises(BadInputError, match="Another watch"), \
            _watcher(site, settings, ["/rss.xml"], embedder):
        pass


def test_feeds_file_and_every_are_read(tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("# my feeds\nhttps://a.example/rss\n\n  https://b.example/atom  # sport\n")
    assert read_feeds_file(feeds) == ["https://a.example/rss", "https://b.example/atom"]
    assert [parse_every(t) for t in ("90s", "15m", "2h", "1d", "30")] == [90, 900, 7200, 86400, 30]
    with pytest.raises(BadInputError, match="write e.g. 90s, 15m"):
        parse_every("soon")


@pytest.mark.slow
@pytest.mark.timeout(900)  # two processes that load the model, on a shared machine
def test_a_killed_watch_loses_nothing_and_repeats_nothing(site, tmp_path):
    """`newsdesk watch --once` killed while it fetches the second feed's articles; run again,
    it takes what was left, and every article is in the index once."""
    site.routes["/news/orchard.html"].stall = True  # the Atom feed's first page hangs: kill there
    home = tmp_path / "home"
    command = [sys.executable, "-m", "newsdesk.cli", "--home", str(home), "watch", "--once",
               "--allow-host", "127.0.0.1", "--delay", "0", f"{site.url}/rss.xml",
               f"{site.url}/atom.xml", f"{site.url}/feed.json"]
    env = dict(os.environ)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while site.hits["/news/orchard.html"] == 0:  # the fact: it is on the Atom feed's page
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.05)  # a poll of the fact above, bounded by the deadline, not a wait for time
        state = json.loads((home / "watch-newsdesk.json").read_text())
        assert len(state["feeds"][f"{site.url}/rss.xml"]["seen"]) == 3  # the first feed is done
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    settings = Settings(home=home)
    assert _urls(settings) == {"ferry.html", "dam.html"}
    site.routes["/news/orchard.html"].stall = False
    before = dict(site.hits)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert _urls(settings) == {"ferry.html", "dam.html", "orchard.html", "library.html",
                               "ferry-copy.html"}
    assert Store.open(settings).count()[0] == 5
    assert site.hits["/news/ferry.html"] == before["/news/ferry.html"]  # not fetched again
    assert f"{site.url}/atom.xml: 1 new article (" in done.stdout  # dam.html was already in
