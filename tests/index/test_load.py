import os
from pathlib import Path

import pytest

from newsdesk.index.clean import body_spans
from newsdesk.index.load import decode, find_files, load_file
from tests.conftest import FIRST_SEED, SECOND_SEED


def test_text_file_is_loaded_as_read_text_gives_it():
    document = load_file(FIRST_SEED).documents[0]
    assert document.doc_id == "000_99e8b240e118b51d"
    assert document.text == FIRST_SEED.read_text(encoding="utf-8")
    assert document.date == ""


def test_seed_date_line_is_metadata_not_body():
    document = load_file(SECOND_SEED).documents[0]
    assert document.date == "2025-03-14"
    body = " ".join(document.text[s:e] for s, e in body_spans(document.text, document.body_start))
    assert "2025-03-14" not in body
    assert body.startswith("GET UP TO SPEED")


def test_markdown_front_matter_and_heading(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("---\ndate: 2024/05/02\nsource: Wire\n---\n# Big News\n\nIt happened today.\n")
    document = load_file(path).documents[0]
    assert (document.title, document.date) == ("Big News", "2024-05-02")
    assert document.text[document.body_start:].startswith("# Big News")


def test_html_article_body_and_title_are_extracted(tmp_path):
    path = tmp_path / "page.html"
    paragraph = "The council approved the new bridge over the river after a long debate. " * 6
    path.write_text(
        "<html><head><title>Bridge approved</title><script>alert('x')</script></head><body>"
        "<nav>Home | World | Sport</nav>"
        f"<article><h1>Bridge approved</h1><p>{paragraph}</p><p>{paragraph}</p></article>"
        "<footer>Copyright 2024</footer></body></html>"
    )
    loaded = load_file(path)
    assert not loaded.problems
    document = loaded.documents[0]
    assert document.title == "Bridge approved"
    assert "council approved the new bridge" in document.text
    assert "alert(" not in document.text and "Copyright" not in document.text


def test_jsonl_records_and_bad_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text(
        '{"doc_id": "a", "title": "A", "text": "Alpha text.", "date": "2023/09/29", "source": "W"}\n'
        "not json\n"
        '{"doc_id": "b", "text": ""}\n'
        '{"doc_id": "a", "text": "again"}\n'
        '{"doc_id": "c", "text": "Gamma text."}\n'
    )
    loaded = load_file(path)
    assert [d.doc_id for d in loaded.documents] == ["a", "c"]
    assert loaded.documents[0].date == "2023-09-29"
    assert loaded.documents[0].source == "W"
    reasons = [(p.where.rsplit(":", 1)[1], p.reason) for p in loaded.problems]
    assert [line for line, _ in reasons] == ["2", "3", "4"]
    assert "not valid JSON" in reasons[0][1] and "twice" in reasons[2][1]


def test_bad_files_are_skipped_with_a_reason_and_other_encodings_are_read(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02 data")
    (tmp_path / "latin.txt").write_bytes("Le café au lait coûte deux euros à Zindelport.".encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes("Le café au lait coûte deux euros.".encode("utf-16"))
    reasons = {Path(p.where).name: p.reason for path in sorted(tmp_path.iterdir())
               for p in load_file(path).problems}
    assert reasons == {"empty.txt": "empty file", "binary.txt": "binary file, not text"}
    assert load_file(tmp_path / "latin.txt").documents[0].text.startswith("Le café au lait")
    assert load_file(tmp_path / "utf16.txt").documents[0].text == "Le café au lait coûte deux euros."


# Sentences from outside the seeds, in the encodings people save them in.
ENCODED = [
    ("Le pont de Genève a rouvert lundi.", "latin-1"),
    ("Die Brücke über den Fluß wurde gesperrt.", "latin-1"),
    ("El niño comió piña en la mañana.", "latin-1"),
    ("A população de São Paulo cresceu.", "latin-1"),
    ("Il caffè è già pronto, disse.", "latin-1"),
    ("Kærlighed og smør på brødet.", "latin-1"),
    ("Åsa bor i Malmö med sin hund.", "latin-1"),
    ("Genève", "latin-1"),
    ("The café’s “special” costs €5 — cheap.", "cp1252"),
    ("Президент заявил, что переговоры продолжатся в Женеве.", "cp1251"),
    ("Zażółć gęślą jaźń, powiedział prezydent.", "cp1250"),
    ("Příliš žluťoučký kůň úpěl ďábelské ódy.", "cp1250"),
    ("İstanbul'da yağmur yağıyor, dedi Başkan.", "cp1254"),
    ("東京の天気は晴れです。政府は来週ジュネーブで交渉を続けると発表した。", "shift_jis"),
    ("北京今天天气很好。政府宣布谈判将于下周在日内瓦继续。", "gb18030"),
]


@pytest.mark.parametrize(("text", "encoding"), ENCODED)
def test_text_that_is_not_utf8_decodes_right(text, encoding):
    assert decode(text.encode(encoding)) == text


def test_html_nested_thousands_deep_keeps_its_text(tmp_path):
    path = tmp_path / "deep.html"
    story = "The Quoxtrel tram line reopened on Monday after a month of repairs, the city said."
    path.write_text("<html><body>" + "<div>" * 5000 + f"<p>{story}</p>" + "</div>" * 5000 +
                    "</body></html>")
    assert story in load_file(path).documents[0].text


def test_the_walker_reads_each_file_once_and_says_why_it_skips_one(tmp_path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("B.")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "c.txt").write_text("C.")  # hidden: not an article folder
    os.symlink(tmp_path / "sub", tmp_path / "again")  # a folder read already, under its name
    os.symlink(tmp_path, tmp_path / "sub" / "up")  # a loop
    os.symlink(tmp_path / "a.txt", tmp_path / "sub" / "link.txt")  # inside: read
    files, problems = find_files([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.txt", "sub/b.md",
                                                                   "sub/link.txt"]
    assert sorted(Path(p.where).name for p in problems) == ["again", "up"]
    assert all("read already" in p.reason for p in problems)


def test_find_files_reports_missing_and_unsupported_paths(tmp_path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("B.")
    files, problems = find_files([tmp_path, tmp_path / "missing.txt", tmp_path / "notes.pdf"])
    assert [f.name for f in files] == ["a.txt", "b.md"]
    assert [p.reason.split(";")[0] for p in problems] == ["no such file or folder",
                                                          "unsupported file type"]
