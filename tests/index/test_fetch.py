"""Safe fetching against a real HTTP server on 127.0.0.1: every refusal says why."""

from __future__ import annotations

import pytest

from newsdesk.core.errors import FetchError
from newsdesk.index.fetch import FEED_TYPES, PAGE_TYPES, Fetcher, FetchPolicy, checked_address
from tests.index.conftest import local_policy


def _refusal(fetcher: Fetcher, url: str, kinds=PAGE_TYPES) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, kinds)
    return caught.value


def test_a_page_is_fetched_with_its_type_and_validators(site, fetcher):
    response = fetcher.get(f"{site.url}/news/ferry.html", PAGE_TYPES)
    assert response.status == 200 and response.content_type == "text/html"
    assert response.charset == "utf-8" and b"Saint Brennick" in response.body
    feed = fetcher.get(f"{site.url}/rss.xml", FEED_TYPES)
    assert feed.etag.startswith('"') and feed.last_modified.endswith("GMT")


def test_a_conditional_request_to_an_unchanged_feed_gets_nothing(site, fetcher):
    first = fetcher.get(f"{site.url}/rss.xml", FEED_TYPES)
    again = fetcher.get(f"{site.url}/rss.xml", FEED_TYPES, etag=first.etag)
    assert again.not_modified and again.body == b""
    assert site.seen_headers[-1]["if-none-match"] == first.etag


@pytest.mark.parametrize(("path", "reason", "permanent"), [
    ("/missing.html", "not found (HTTP 404)", True),
    ("/loop-a", "redirects loop back to", True),
    ("/logo.png", "not an article page (content type image/png)", True),
    ("/private/speech.html", "robots.txt of 127.0.0.1 does not allow newsdesk", True),
    ("/to-localhost", "localhost is at 127.0.0.1, a private, loopback or link-local address; "
                      "pass --allow-host localhost", True),
])
def test_a_link_that_cannot_be_fetched_says_why(site, fetcher, path, reason, permanent):
    error = _refusal(fetcher, f"{site.url}{path}")
    assert reason in error.reason and error.permanent is permanent
    assert error.url == f"{site.url}{path}"


def test_a_huge_page_is_cut_off_at_the_size_cap(site):
    with Fetcher(local_policy(max_bytes=200_000)) as fetcher:
        error = _refusal(fetcher, f"{site.url}/huge.html")
    assert error.reason == "larger than 0.2 MB"


def test_a_host_that_does_not_answer_times_out(site):
    with Fetcher(local_policy(timeout=0.5)) as fetcher:
        error = _refusal(fetcher, f"{site.url}/slow.html")
    assert error.reason == "no answer within 0.5 s" and not error.permanent


def test_more_redirects_than_allowed_are_not_followed(site):
    for n in range(4):
        site.routes[f"/hop{n}"] = type(site.routes["/loop-a"])(status=301,
                                                              headers={"Location": f"/hop{n + 1}"})
    site.routes["/hop4"] = site.routes["/news/dam.html"]
    with Fetcher(local_policy(max_redirects=3)) as fetcher:
        assert "more than 3 redirects" in _refusal(fetcher, f"{site.url}/hop0").reason
    with Fetcher(local_policy(max_redirects=4)) as fetcher:
        assert fetcher.get(f"{site.url}/hop0", PAGE_TYPES).url == f"{site.url}/hop4"


def test_this_machine_is_refused_unless_its_host_is_allowed(site):
    with Fetcher(FetchPolicy(delay=0)) as fetcher:
        error = _refusal(fetcher, f"{site.url}/news/ferry.html")
    assert "pass --allow-host 127.0.0.1" in error.reason
    assert site.requests == 0  # refused before connecting


@pytest.mark.parametrize("host", ["10.1.2.3", "169.254.169.254", "192.168.0.1", "::1", "0.0.0.0",
                                  "100.64.0.1", "::ffff:127.0.0.1", "fe80::1"])
def test_private_loopback_and_link_local_addresses_are_refused(host):
    with pytest.raises(Exception, match="private, loopback or link-local"):
        checked_address(host, 80, set())
    assert checked_address(host, 80, {host}) == host.split("%")[0]  # unless allowed by name


def test_no_credentials_or_proxies_come_from_the_environment(site, fetcher, monkeypatch, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login reader password secret\n")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a proxy that is not there
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    with Fetcher(local_policy()) as fresh:
        assert fresh.get(f"{site.url}/news/dam.html", PAGE_TYPES).status == 200
    assert all("authorization" not in headers and "cookie" not in headers
               for headers in site.seen_headers)


class Clock:
    """A clock that moves only when slept on: what a fetcher waited is what was asked."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_requests_to_one_host_are_spaced_by_the_delay_or_its_crawl_delay(site):
    clock = Clock()
    with Fetcher(local_policy(delay=2.0), clock=clock, sleep=clock.sleep) as fetcher:
        fetcher.get(f"{site.url}/news/ferry.html", PAGE_TYPES)  # robots.txt, then the page
        fetcher.get(f"{site.url}/news/dam.html", PAGE_TYPES)
    assert clock.slept == [2.0, 2.0]
    site.routes["/robots.txt"].body = b"User-agent: *\nCrawl-delay: 5\nDisallow: /private/\n"
    clock = Clock()
    with Fetcher(local_policy(delay=2.0), clock=clock, sleep=clock.sleep) as fetcher:
        fetcher.get(f"{site.url}/news/ferry.html", PAGE_TYPES)
        fetcher.get(f"{site.url}/news/dam.html", PAGE_TYPES)
    assert clock.slept == [5.0, 5.0]  # the page waits after robots.txt, the next after the page


def test_robots_txt_is_read_once_per_host_and_kept(site, fetcher):
    fetcher.get(f"{site.url}/news/ferry.html", PAGE_TYPES)
    fetcher.get(f"{site.url}/news/dam.html", PAGE_TYPES)
    assert site.hits["/robots.txt"] == 1
    with Fetcher(local_policy(), robots=fetcher.robots) as later:  # as a watch keeps it
        later.get(f"{site.url}/news/orchard.html", PAGE_TYPES)
    assert site.hits["/robots.txt"] == 1


def test_a_host_without_robots_txt_allows_everything(site, fetcher):
    del site.routes["/robots.txt"]
    assert fetcher.get(f"{site.url}/private/speech.html", PAGE_TYPES).status == 200
