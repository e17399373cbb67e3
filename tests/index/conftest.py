"""A news site on 127.0.0.1 for the tests of links, feeds and watching (articles written for
these tests), and the fetch policy that lets newsdesk read it."""

from __future__ import annotations

import pytest

from newsdesk.evals.newsroom import Newsroom, Route
from newsdesk.index.fetch import Fetcher, FetchPolicy

FERRY = """The night ferry from Valdra to the island of Ostmark ran aground on a sandbank two miles \
off the harbour on Tuesday, and all 214 passengers were brought ashore by lifeboats before dawn.

The coastguard said the vessel, the Saint Brennick, lost steering shortly after midnight in a \
strong westerly wind. Nobody was seriously hurt, although eleven people were treated for cold.

The operator, Ostmark Lines, said the ship would be towed off at the next high tide and \
inspected in dry dock. Crossings will run on a smaller vessel until the end of the month.

Harbour master Ilse Vantongeren said the sandbank had moved north since the last survey in the \
autumn, and that new buoys would be laid this week."""

DAM = """Engineers began lowering the reservoir behind the Karsby dam on Wednesday after cracks \
were found in its northern spillway during a routine inspection.

The regional water board said there was no immediate danger to the town of Karsby below the \
dam, but it would release water slowly over ten days to take pressure off the wall.

Farmers downstream were told to move livestock away from the river meadows, which are expected \
to flood in places. The board will pay for losses, its chairman Rune Halvorsen said.

The dam was built in 1961 and last repaired in 2009. A full survey of the structure will be \
published in the spring."""

ORCHARD = """A late frost destroyed much of the apple blossom in the Lindau valley over the \
weekend, growers said on Monday, a month after a mild March brought the trees into flower early.

Temperatures fell to minus four degrees on Saturday night. Some growers lit fires and ran \
sprinklers through the night to protect their trees, with mixed results.

The growers' cooperative estimated that half of this year's crop could be lost. Its director, \
Marta Quellhorst, asked the regional government for emergency loans."""

LIBRARY = """The city library on Amsel Square will stay open until midnight on weekdays from \
next month, the council decided on Thursday, after students petitioned for more room to study.

The longer hours will cost about 180,000 euros a year, paid for by cutting the library's \
budget for new furniture. Two security staff will be hired for the evening shifts.

Librarian Petra Nollen said the reading rooms were full every afternoon during the exam \
season and that many students had nowhere quiet to work at home."""

SECRET = """This page is for the newsroom only. Draft: the mayor's budget speech, not to be \
published before Friday. It has several sentences so that it would be an article if fetched."""


def build_site(site: Newsroom) -> Newsroom:
    """The fixtures: three feeds (RSS 2.0, Atom, JSON Feed), the pages they list, a copy of a
    page under a new headline, robots.txt disallowing /private/, and routes that misbehave."""
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    site.page("/news/ferry.html", "Night ferry runs aground off Ostmark", FERRY,
              date="2025-03-11T06:15:00+01:00", author="Jonas Brekke")
    site.page("/news/dam.html", "Cracks found in Karsby dam", DAM, date="2025-03-12T10:00:00Z",
              author="Ana Lisboa")
    site.page("/news/orchard.html", "Frost hits Lindau orchards", ORCHARD,
              date="2025-03-10T08:00:00Z")
    site.page("/news/library.html", "Library to open until midnight", LIBRARY)
    site.page("/private/speech.html", "Budget speech draft", SECRET)
    # Another outlet's copy of the ferry story, under a headline of its own.
    site.page("/wire/ferry-copy.html", "214 rescued as ferry hits sandbank", FERRY,
              date="2025-03-12T09:00:00Z")
    site.rss("/rss.xml", "Harbour Gazette: news",
             ["/news/ferry.html", "/news/dam.html", "/private/speech.html"])
    site.atom("/atom.xml", "Harbour Gazette (Atom)", ["/news/orchard.html", "/news/dam.html"])
    site.json_feed("/feed.json", "Harbour Gazette (JSON)",
                   ["/news/library.html", "/wire/ferry-copy.html"])
    site.routes["/malformed.xml"] = Route(b"<?xml version='1.0'?><rss><channel><title>Broken",
                                          "application/rss+xml")
    site.routes["/slow.html"] = Route(stall=True)
    site.routes["/loop-a"] = Route(status=302, headers={"Location": "/loop-b"})
    site.routes["/loop-b"] = Route(status=302, headers={"Location": "/loop-a"})
    site.routes["/huge.html"] = Route(stream_bytes=3_000_000)
    site.routes["/logo.png"] = Route(b"\x89PNG\r\n\x1a\n" + bytes(2000), "image/png")
    site.routes["/to-localhost"] = Route(status=302, headers={"Location": "http://localhost:9/x"})
    return site


@pytest.fixture
def site():
    with Newsroom() as newsroom:
        yield build_site(newsroom)


def local_policy(**changes) -> FetchPolicy:
    """The fetch policy of the tests: the site on 127.0.0.1 allowed, no delay, a short time-out."""
    return FetchPolicy(**{"delay": 0, "timeout": 2, "max_bytes": 1_000_000,
                          "allow_hosts": frozenset({"127.0.0.1"}), **changes})


@pytest.fixture
def fetcher():
    with Fetcher(local_policy()) as fetcher:
        yield fetcher
