"""The `newsdesk` command as a user runs it: real processes, clear errors, no tracebacks."""

import json
import subprocess
import sys

from tests.conftest import SEEDS


def _newsdesk(*args, home):
    return subprocess.run([sys.executable, "-m", "newsdesk.cli", "--home", str(home), *args],
                          capture_output=True, text=True, timeout=300)


def test_ask_json_has_the_documented_shape(seed_settings):
    result = _newsdesk("ask", "How much of the Kursk territory had Russia regained?", "--json",
                       home=seed_settings.home)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"question", "answer", "refused", "citations", "timings_ms"}
    assert set(answer["citations"][0]) == {"n", "doc_id", "source", "title", "date", "quote",
                                           "publisher", "url", "start", "end", "score", "also_in"}
    assert "86%" in answer["answer"]


def test_retrieve_prints_readable_passages(seed_settings):
    result = _newsdesk("retrieve", "Lukashenka", "-k", "2", home=seed_settings.home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[1] ") and "Lukashenka" in result.stdout


def test_errors_are_one_clear_line(tmp_path, seed_settings):
    empty = _newsdesk("ask", "  ", home=seed_settings.home)
    missing = _newsdesk("ask", "What happened?", home=tmp_path / "none")
    for result in (empty, missing):
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
    assert "question is empty" in empty.stderr
    assert "newsdesk ingest" in missing.stderr


def test_ingest_reports_skipped_files_and_exits_1(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.txt").write_text((SEEDS / "000_99e8b240e118b51d.txt").read_text())
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    result = _newsdesk("ingest", str(folder), "--quiet", home=tmp_path / "idx")
    assert result.returncode == 1
    assert "bad.txt: binary file" in result.stderr
    assert "1 new" in result.stdout and "1 skipped" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_reader_that_stops_early_ends_newsdesk_quietly(seed_settings):
    done = subprocess.run(f"{sys.executable} -m newsdesk.cli --home {seed_settings.home} retrieve "
                          "Putin -k 50 | head -c 10", shell=True, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.startswith("[1] ") and done.stderr == ""


def test_ask_as_of_a_day_reads_no_later_article_and_says_so(dated_settings):
    result = _newsdesk("ask", "How many acres has the Brackwell fire burned?", "--as-of",
                       "2024-03-04", "--json", home=dated_settings.home)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["as_of"] == "2024-03-04"
    assert answer["citations"] and all(c["date"][:10] <= "2024-03-04" for c in answer["citations"])
    printed = _newsdesk("ask", "How many acres has the Brackwell fire burned?", "--as-of",
                        "2024-03-04", home=dated_settings.home)
    assert "asked as of 4 March 2024" in printed.stdout
    wrong = _newsdesk("ask", "How big is the fire?", "--as-of", "soon", home=dated_settings.home)
    assert wrong.returncode == 2 and "--as-of" in wrong.stderr and "Traceback" not in wrong.stderr


def test_list_shows_each_article_named_newest_first(seed_settings):
    result = _newsdesk("list", home=seed_settings.home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 articles, newest first")
    assert lines[1].startswith("2025-03-14") and lines[1].endswith("001_ca5ecb444059c4d2")
    assert lines[2].startswith("undated") and "words" in lines[2]
    assert "seeds/" not in result.stdout  # never a file path

    found = json.loads(_newsdesk("list", "--json", "--search", "Lukashenka", home=seed_settings.home).stdout)
    assert [a["doc_id"] for a in found["articles"]] == ["001_ca5ecb444059c4d2"]
    assert {"doc_id", "name", "title", "date", "publisher", "words"} <= set(found["articles"][0])


def test_remove_takes_doc_ids_and_refuses_unknown_ones(tmp_path, seed_settings):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(seed_settings.home, home)
    unknown = _newsdesk("remove", "001_ca5ecb444059c4d2", "no-such-article", home=home)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert "No article 'no-such-article'" in unknown.stderr and "newsdesk list" in unknown.stderr
    removed = _newsdesk("remove", "001_ca5ecb444059c4d2", home=home)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("removed ") and "2025-03-14" in removed.stdout
    listed = json.loads(_newsdesk("list", "--json", home=home).stdout)["articles"]
    assert [a["doc_id"] for a in listed] == ["000_99e8b240e118b51d"]
    assert _newsdesk("status", home=home).stdout.startswith("1 article")  # status: a count


def test_sources_are_named_never_an_id_or_a_path(seed_settings):
    result = _newsdesk("ask", "How much of the Kursk territory had Russia regained?",
                       home=seed_settings.home)
    sources = result.stdout.split("Sources:")[1]
    assert sources.strip().startswith("[1] ")
    assert "_99e8b240e118b51d" not in sources and "_ca5ecb444059c4d2" not in sources
    assert "seeds/" not in sources and "undated" in sources


def test_an_unknown_source_points_to_the_list(seed_settings):
    result = _newsdesk("ask", "What conditions did Putin set?", "--source", "nope",
                       home=seed_settings.home)
    assert result.returncode == 2 and "`newsdesk list`" in result.stderr


def test_the_index_flags_work_before_and_after_the_command(seed_settings):
    from newsdesk.cli import _parser

    parse = _parser().parse_args
    assert parse(["--home", "a", "ask", "Q"]).home == parse(["ask", "Q", "--home", "a"]).home == "a"
    assert parse(["--home", "a", "ask", "Q", "--home", "b"]).home == "b"  # the later one
    assert parse(["ask", "Q"]).home is None  # left to NEWSDESK_HOME and the default
    after = subprocess.run([sys.executable, "-m", "newsdesk.cli", "status", "--home",
                            str(seed_settings.home)], capture_output=True, text=True, timeout=300)
    assert after.returncode == 0 and "2 articles" in after.stdout, after.stderr
