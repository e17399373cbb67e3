from pathlib import Path

from newsdesk.index.clean import body_spans
from newsdesk.index.load import find_files, load_file
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


def test_find_files_reports_missing_and_unsupported_paths(tmp_path):
    (tmp_path / "a.txt").write_text("A.")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("B.")
    files, problems = find_files([tmp_path, tmp_path / "missing.txt", tmp_path / "notes.pdf"])
    assert [f.name for f in files] == ["a.txt", "b.md"]
    assert [p.reason.split(";")[0] for p in problems] == ["no such file or folder",
                                                          "unsupported file type"]
