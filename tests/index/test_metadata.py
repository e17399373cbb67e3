"""Dates and titles read once at ingest: table tests in formats not from the seeds."""

import json

import pytest

from newsdesk.index.load import load_file
from newsdesk.index.metadata import headline, parse_date, read_head


@pytest.mark.parametrize(("written", "iso"), [
    ("2023/10/06", "2023-10-06"),
    ("2024-04-05", "2024-04-05"),
    ("2023-10-06 00:00:00", "2023-10-06"),
    ("12 March 2024", "2024-03-12"),
    ("March 12, 2024", "2024-03-12"),
    ("Tue, 12 Mar 2024 14:05:00 GMT", "2024-03-12T14:05:00+00:00"),  # RSS
    ("2024-03-12T14:05:00+01:00", "2024-03-12T13:05:00+00:00"),  # zone: made UTC
    ("2024-03-12T14:05:00+0100", "2024-03-12T13:05:00+00:00"),  # htmldate's form
    ("2024-03-12T09:30:00Z", "2024-03-12T09:30:00+00:00"),
    ("2024-03-12T14:05:00", "2024-03-12T14:05:00"),  # a time without a zone stays local
    ("Tuesday 12 March 2024 10.45 GMT", "2024-03-12T10:45:00+00:00"),
    ("31/12/2023", "2023-12-31"),
    # never made up: no day, a relative word, an impossible day, nothing
    ("March 2024", ""), ("2024", ""), ("yesterday", ""), ("two days ago", ""),
    ("2023-02-30", ""), ("", ""), (None, ""), ("soon 12", ""),
])
def test_dates_in_common_forms_become_iso_or_undated(written, iso):
    assert parse_date(written) == iso


@pytest.mark.parametrize(("top", "title"), [
    ("Council approves the harbour bridge\n\nThe vote was close.", "Council approves the harbour bridge"),
    ("# Rail Strike Ends After Nine Days\n\nTrains ran again.", "Rail Strike Ends After Nine Days"),
    ("FLOOD WARNING\n\nRivers rose overnight.", ""),  # a label in capitals
    ("The mayor spoke for an hour. Nobody listened.\n\nLater, she left.", ""),  # a sentence
    ("Markets fell\nas traders sold bonds on Friday.", ""),  # a paragraph's first line
    ("Snow\n\nIt snowed.", ""),  # one word
    ("What the budget means for renters:\n\nRents rise.", ""),  # runs on
])
def test_a_headline_is_a_short_line_of_its_own(top, title):
    assert headline(top) == title


def test_dateline_and_byline_near_the_top_date_the_article():
    head = read_head("Ferry fares to rise in spring\n\nBy Ana Ruiz | March 12, 2024\n\nFares rise.\n")
    assert (head.title, head.date) == ("Ferry fares to rise in spring", "2024-03-12")
    dateline = read_head("OSLO, 2 February 2023\n\nThe parliament voted on Tuesday to ...\n")
    assert (dateline.title, dateline.date) == ("", "2023-02-02")  # a dateline is no headline
    assert read_head("The talks began in 2021 and go on.\n\nMore text.\n").date == ""
    opening = read_head("Tram line reopens\n\nKRAVENBURG, 4 June 2022 \u2014 The tram line closed since "
                        "the flood reopened on Saturday, the city said, with new tracks.\n")
    assert (opening.title, opening.date) == ("Tram line reopens", "2022-06-04")
    hyphen = read_head("LIMA, August 9, 2021 - Miners walked out on Monday over pay and the "
                       "company said talks would resume next week in the capital.\n")
    assert hyphen.date == "2021-08-09"
    long_line = read_head("The minister, who took office in 2019 and resigned on 3 May 2021 after a "
                          "long inquiry into the port deal, spoke again today.\n")
    assert long_line.date == ""  # a date inside a sentence is no dateline


def test_front_matter_fields(tmp_path):
    path = tmp_path / "tax.md"
    path.write_text("---\ntitle: Harbour tax voted\ndate: 2024-05-02T08:00:00+02:00\n"
                    "author: A. Reporter\npublisher: Coast Weekly\nurl: https://coast.example/tax\n"
                    "---\nThe council voted the harbour tax.\n")
    document = load_file(path).documents[0]
    assert (document.title, document.date, document.author, document.publisher, document.url) == (
        "Harbour tax voted", "2024-05-02T06:00:00+00:00", "A. Reporter", "Coast Weekly",
        "https://coast.example/tax")
    assert document.text[document.body_start:].startswith("The council voted")


def test_html_date_time_zone_publisher_and_author(tmp_path):
    paragraph = "The council approved the new bridge over the river after a long debate. " * 6
    path = tmp_path / "bridge.html"
    path.write_text(
        '<html><head><meta property="article:published_time" content="2024-03-12T14:05:00+01:00">'
        '<meta property="og:site_name" content="The Daily Planet"><meta name="author" '
        'content="Lois Lane"><title>Bridge approved | The Daily Planet</title>'
        '<meta property="og:title" content="Bridge approved"></head><body><article>'
        f"<h1>Bridge approved</h1><p>{paragraph}</p></article></body></html>")
    document = load_file(path).documents[0]
    assert (document.title, document.date, document.publisher, document.author) == (
        "Bridge approved", "2024-03-12T13:05:00+00:00", "The Daily Planet", "Lois Lane")


def test_html_with_json_ld_date_and_none_guessed(tmp_path):
    paragraph = "Volunteers cleaned the beach on a cold morning, and the town thanked them. " * 6
    dated = tmp_path / "beach.html"
    dated.write_text('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
                     '"datePublished": "2022-11-03T07:15:00Z", "headline": "Beach cleaned"}'
                     f"</script></head><body><article><p>{paragraph}</p></article></body></html>")
    assert load_file(dated).documents[0].date == "2022-11-03T07:15:00+00:00"
    undated = tmp_path / "undated.html"
    undated.write_text(f"<html><body><article><p>{paragraph} Back in 1999 it was "
                       "worse.</p></article></body></html>")
    assert load_file(undated).documents[0].date == ""  # a year in the text is no date


def test_jsonl_dates_in_mixed_forms_publisher_and_link(tmp_path):
    path = tmp_path / "corpus.jsonl"
    rows = [{"doc_id": "a", "text": "Alpha.", "date": "2024/04/05", "source": "THE WEEK",
             "links": ["https://week.example/a"]},
            {"doc_id": "b", "text": "Beta.", "date": "2024-04-05T10:00:00-04:00", "publisher": "Wire"},
            {"doc_id": "c", "text": "Gamma.", "date": "last spring"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    a, b, c = load_file(path).documents
    assert (a.date, a.publisher, a.url) == ("2024-04-05", "THE WEEK", "https://week.example/a")
    assert (b.date, b.publisher) == ("2024-04-05T14:00:00+00:00", "Wire")
    assert c.date == ""
