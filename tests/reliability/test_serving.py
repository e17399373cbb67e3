"""The app under use: uploads that cannot replace, other processes' ingests, logins on every
route, clean errors, many clients. Real servers on 127.0.0.1, the real model and Chroma."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from newsdesk.core.settings import Settings
from newsdesk.desk import Desk, add_articles
from newsdesk.evals.processes import without_root
from newsdesk.evals.stress import STAGES, page_event, upload
from newsdesk.index.store import Store
from newsdesk.index.upload import MAX_UPLOADS_MB, UPLOADS
from tests.conftest import SECOND_SEED, run_async, start_server, stop

LOGIN = ("reader", "s3cret")
BASIC = {"Authorization": "Basic " + base64.b64encode(b"reader:s3cret").decode()}


def shown(markdown: str) -> str:
    """Markdown as the page shows it: its escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _upload(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / f"picked-{len(list(tmp_path.glob('picked-*')))}"
    folder.mkdir()
    (folder / name).write_text(text)
    return folder / name


def test_an_upload_never_replaces_an_article_it_did_not_add(seed_home, embedder, tmp_path):
    desk = Desk(Settings(home=seed_home), embedder)
    seed_text = SECOND_SEED.read_text()
    same_name = _upload(tmp_path, SECOND_SEED.name, "Uploaded text about the Zindelport ferry, "
                                                    "which resumed service on Friday.")
    assert "1 new" in add_articles(desk, [same_name])
    store = Store.open(desk.settings)
    assert store.document(SECOND_SEED.stem).text == seed_text  # the seed article is untouched
    assert "Zindelport" in store.document(UPLOADS + SECOND_SEED.stem).text

    other = _upload(tmp_path, SECOND_SEED.name, "Different text under the same name.")
    report = add_articles(desk, [other])
    assert "already indexed with other content" in report and "1 new" not in report
    assert "Zindelport" in Store.open(desk.settings).document(UPLOADS + SECOND_SEED.stem).text
    assert "1 unchanged" in add_articles(desk, [same_name])  # the same file again is fine

    read_only = Desk(Settings(home=seed_home, read_only=True), embedder)
    assert "read-only" in add_articles(read_only, [_upload(tmp_path, "new.txt", "A new report.")])


def test_two_uploads_of_one_name_at_once_keep_one_and_refuse_the_other(seed_home, embedder,
                                                                         tmp_path):
    desk = Desk(Settings(home=seed_home), embedder)
    texts = ["The Zindelport ferry resumed service on Friday after a strike.",
             "The Quoxtrel tram line closed on Monday for repairs to its bridge."]
    files = [_upload(tmp_path, "report.txt", text) for text in texts]
    start = threading.Barrier(2)
    reports: list[str] = [""] * 2

    def add(n: int) -> None:
        start.wait(timeout=60)
        reports[n] = shown(add_articles(desk, [files[n]]))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    added = [n for n, report in enumerate(reports) if "report.txt: added" in report]
    assert len(added) == 1, reports
    assert "report.txt: refused: an upload named 'report' is already indexed" in reports[1 - added[0]]
    kept = Store.open(desk.settings).document(UPLOADS + "report")
    assert kept.text == texts[added[0]] == (seed_home / "uploads" / "report.txt").read_text()


def test_the_upload_report_names_each_file_and_what_became_of_it(seed_home, embedder, tmp_path):
    desk = Desk(Settings(home=seed_home), embedder)
    good = _upload(tmp_path, "ferry.txt", "The Zindelport ferry resumed service on Friday.")
    add_articles(desk, [good])
    binary = tmp_path / "broken.txt"
    binary.write_bytes(b"\x00\xff\x00garbage" * 100)
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ" + bytes(100))
    report = shown(add_articles(desk, [good, binary, program,
                                       _upload(tmp_path, "tram.md", "# Tram\n\nThe tram line closed.")]))
    assert "- ferry.txt: unchanged (already indexed)" in report
    assert "- tram.md: added" in report
    assert "- ⚠️ broken.txt: skipped: binary file, not text" in report
    assert "- ⚠️ setup.exe: refused: not an article file" in report
    assert not (seed_home / "uploads" / "broken.txt").exists()  # nothing kept that was not read


def test_a_jsonl_of_articles_uploads_through_the_app_as_newsdesk_ingest_reads_it(seed_home):
    records = [{"doc_id": "ferry", "title": "Ferry returns", "date": "2024-03-08",
                "text": "The Zindelport ferry resumed service on Friday after a strike."},
               {"doc_id": "tram", "text": "The Quoxtrel tram line closed on Monday for repairs."}]
    corpus = "\n".join([*map(json.dumps, records), "not json"]).encode()
    process, url = start_server(seed_home, "--no-mcp")
    try:  # Gradio's upload route, then the page's upload event: the box's own path
        status, reply = upload(url, [("reports.jsonl", corpus)])
        assert status == 200, reply
        assert "- reports.jsonl: 2 articles added" in shown(reply), reply
        assert "- ⚠️ reports.jsonl line 3: skipped: not valid JSON" in shown(reply), reply
        status, reply = upload(url, [("reports.jsonl", corpus)])  # the same file again is fine
        assert "- reports.jsonl: 2 articles unchanged (already indexed)" in shown(reply), reply
    finally:
        stop(process)
    store = Store.open(Settings(home=seed_home))
    ferry = store.document(UPLOADS + "ferry")
    assert ferry.title == "Ferry returns" and ferry.date.startswith("2024-03-08")
    assert "Quoxtrel" in store.document(UPLOADS + "tram").text


def test_a_jsonl_upload_never_replaces_an_article_it_did_not_add(seed_home, embedder, tmp_path):
    desk = Desk(Settings(home=seed_home), embedder)
    ferry = json.dumps({"doc_id": "ferry", "text": "The Zindelport ferry resumed service on Friday."})
    assert "reports.jsonl: 1 article added" in shown(add_articles(desk, [
        _upload(tmp_path, "reports.jsonl", ferry)]))
    other = json.dumps({"doc_id": "ferry", "text": "Other text under the same doc_id."})
    report = shown(add_articles(desk, [_upload(tmp_path, "more.jsonl", other),
                                       _upload(tmp_path, "reports.jsonl", other)]))
    assert "- ⚠️ more.jsonl: refused: an upload 'ferry' is already indexed with other content" in report
    assert "- ⚠️ reports.jsonl: refused: an upload named 'reports.jsonl' is already kept" in report
    assert "Zindelport" in Store.open(desk.settings).document(UPLOADS + "ferry").text
    assert "Zindelport" in (seed_home / "uploads" / "reports.jsonl").read_text()
    twice = shown(add_articles(desk, [_upload(tmp_path, "bridge.txt", "The bridge reopened."),
                                      _upload(tmp_path, "new.jsonl", json.dumps(
                                          {"doc_id": "bridge", "text": "A bridge closed."}))]))
    assert "- bridge.txt: added" in twice
    assert "- ⚠️ new.jsonl: refused: another file of this upload also holds an article 'bridge'" in twice


def test_the_app_answers_from_another_process_ingest_without_a_restart(seed_home, tmp_path):
    process, url = start_server(seed_home, "--no-mcp")
    try:
        with httpx.Client(timeout=120) as client:
            def top(query):
                reply = client.post(f"{url}/gradio_api/run/retrieve", json={"data": [query, 1, ""]})
                return reply.json()["data"][0]["passages"][0]["text"]

            assert "Zindelport" not in top("Zindelport")
            article = tmp_path / "ferry.txt"
            article.write_text("Ferry returns\n\nThe Zindelport ferry resumed service on Friday after "
                               "a strike, the harbour master said.")
            done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--home", str(seed_home),
                                   "ingest", str(article), "--quiet"], capture_output=True, text=True,
                                  timeout=240, env=os.environ)
            assert done.returncode == 0, done.stderr
            assert "Zindelport" in top("Zindelport")  # BM25: a bare rare name
            assert "Zindelport ferry" in top("When did the ferry service come back?")  # dense
    finally:
        stop(process)


@pytest.fixture(scope="module")
def login_url(app_home, tmp_path_factory):
    login = tmp_path_factory.mktemp("login") / "login.txt"
    login.write_text(":".join(LOGIN) + "\n")  # a file, not a flag: flags show in `ps`
    process, url = start_server(app_home, "--auth-file", str(login))
    yield url
    stop(process)


ROUTES = [("GET", "/"), ("GET", "/config"), ("GET", "/openapi.json"), ("GET", "/docs"),
          ("GET", "/gradio_api/info"), ("GET", "/gradio_api/openapi.json"),
          ("GET", "/gradio_api/mcp/schema"), ("POST", "/gradio_api/mcp/"),
          ("POST", "/gradio_api/run/retrieve"), ("POST", "/gradio_api/call/ask"),
          ("POST", "/gradio_api/queue/join"), ("POST", "/gradio_api/upload"),
          ("GET", "/gradio_api/file=README.md"), ("GET", "/theme.css"), ("GET", "/manifest.json")]


def test_no_route_answers_without_the_login(login_url):
    with httpx.Client(timeout=30) as client:
        for method, path in ROUTES:
            reply = client.request(method, login_url + path, json={"data": ["Gerasimov", 1, ""]})
            assert reply.status_code == 401, (method, path, reply.status_code)
            assert reply.headers["www-authenticate"].startswith("Basic")
            logged_in = client.request(method, login_url + path, json={"data": ["Gerasimov", 1, ""]},
                                       headers=BASIC)
            assert logged_in.status_code != 401, (method, path)
        page = client.get(login_url, headers=BASIC)
        assert page.status_code == 200 and "newsdesk" in page.text


def test_clients_and_mcp_work_with_the_login(login_url):
    from gradio_client import Client
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    client = Client(login_url, headers=BASIC, verbose=False)
    assert client.predict("Gerasimov", 1, api_name="/retrieve")["passages"]

    async def mcp_calls():
        async with httpx.AsyncClient(headers=BASIC) as http, \
                streamable_http_client(f"{login_url}/gradio_api/mcp/", http_client=http) as (r, w, _), \
                ClientSession(r, w) as session:
            await session.initialize()
            names = [t.name for t in (await session.list_tools()).tools]
            return names, await session.call_tool("retrieve", {"query": "Gerasimov Kursk", "k": 1})

    names, result = run_async(mcp_calls())
    assert names == ["ask", "retrieve", "articles", "article"] and not result.isError
    assert "Gerasimov" in result.content[0].text


BAD_INPUT = [  # the same input gets the same message through every door
    ({"k": "abc"}, "k of 'abc' is not valid"),
    ({"k": 0}, "k of 0 is not valid"),
    ({"question": 123}, "The question must be text"),
    ({"question": "   "}, "The question is empty"),
    ({"since": "2025-02-30"}, "'2025-02-30' is not a date"),
    # (named as each door names its dates: --until on the command line, until over HTTP)
    ({"since": "2025-03-10", "until": "2025-03-01"}, "until 2025-03-01 is before (--)?since 2025-03-10"),
    ({"sources": ["no-such-article"]}, "No article 'no-such-article' in the index"),
]


@pytest.mark.parametrize(("given", "message"), BAD_INPUT)
def test_bad_input_is_one_clear_message_everywhere(given, message, app_url, app_home, seed_settings,
                                                    embedder):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from newsdesk import BadInputError, Retriever

    ask = {"question": "What conditions did Putin set?", "k": 8, "sources": [], "since": "",
           "until": "", **given}
    with pytest.raises(AppError, match=message):
        Client(app_url, verbose=False).predict(*ask.values(), "", api_name="/ask")
    with pytest.raises(BadInputError, match=message):
        Retriever.open(settings=seed_settings, embedder=embedder).retrieve(
            ask["question"], ask["k"], sources=ask["sources"], since=ask["since"], until=ask["until"])
    if isinstance(ask["question"], str) and not isinstance(ask["k"], str):
        args = ["retrieve", ask["question"], "-k", str(ask["k"])]
        args += [a for s in ask["sources"] for a in ("--source", s)]
        args += [a for key in ("since", "until") if ask[key] for a in (f"--{key}", ask[key])]
        done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--home", str(seed_settings.home),
                               *args], capture_output=True, text=True, timeout=120, env=os.environ)
        assert done.returncode == 2 and re.search(message, done.stderr), done.stderr
        assert "Traceback" not in done.stderr
    port = app_url.rsplit(":", 1)[1]
    log = (app_home / f"server-{port}.log").read_text()
    assert "Traceback" not in log


def test_an_expected_error_is_one_log_line(app_url, app_home):
    port = app_url.rsplit(":", 1)[1]
    log = app_home / f"server-{port}.log"
    before = log.read_text()
    with httpx.Client(timeout=60) as client:
        client.post(f"{app_url}/gradio_api/run/retrieve", json={"data": ["Gerasimov", "lots", ""]})
    added = log.read_text()[len(before):]
    assert added.count("k of 'lots' is not valid") == 1 and "Traceback" not in added


def test_many_clients_at_once_all_get_answers(app_url):
    questions = ["Who flanked Putin on Thursday?", "What conditions did Putin set?",
                 "How much of the Kursk territory had Russia regained?", "What did Zelensky say?"]
    failures: list[str] = []

    def client(n: int) -> None:
        with httpx.Client(timeout=120) as http:
            for question in questions[n % 4:] + questions[:n % 4]:
                reply = http.post(f"{app_url}/gradio_api/run/ask",
                                  json={"data": [question, 8, [], "", "", "", ""]})
                if reply.status_code != 200 or "citations" not in reply.json()["data"][0]:
                    failures.append(reply.text[:200])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert failures == [] and not any(t.is_alive() for t in threads)


def test_chat_tabs_closed_at_every_stage_leave_the_server_answering(app_home, tmp_path):
    """A tab closed while its answer streams (before, during, right after the answer, with the
    stream left open) is one broken connection to `newsdesk serve`, never the end of it."""
    process, url = start_server(app_home, "--no-mcp", cli=True)
    lost = []

    def tab(n: int) -> None:
        try:
            page_event(url, "respond", {"question": "Who flanked Putin?"},
                       hang_up_at=STAGES[n % len(STAGES)], reset=bool(n // len(STAGES) % 2))
        except (httpx.HTTPError, OSError) as error:
            lost.append(repr(error))

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(tab, range(40)))
        assert process.poll() is None and lost == [], (process.poll(), lost[:3])
        answer = page_event(url, "respond", {"question": "Who flanked Putin?"})
        assert "Lukashenka" in json.dumps(answer["output"]), answer
    finally:
        stop(process)
    log = (app_home / f"server-{url.rsplit(':', 1)[1]}.log").read_text()
    assert "stopping: SIGTERM received" in log and "Traceback" not in log  # its end is told


def test_a_read_only_server_stores_no_upload(app_home):
    process, url = start_server(app_home, "--no-mcp", "--read-only")
    try:
        status, reply = upload(url, [("tool.exe", b"MZ" + bytes(1000)), ("a.txt", b"An article.")])
        assert status == 403 and "read-only" in reply, reply
    finally:
        stop(process)


def test_uploads_stop_at_their_total_cap(seed_home):
    (seed_home / "uploads").mkdir()
    with open(seed_home / "uploads" / "held.txt", "wb") as held:  # sparse: 199 MB on paper
        held.truncate((MAX_UPLOADS_MB - 1) * 1024 * 1024)
    process, url = start_server(seed_home, "--no-mcp")
    try:
        status, reply = upload(url, [("big.txt", b"A report. " * 200_000)])  # 2 MB
        assert status == 413 and f"limited to {MAX_UPLOADS_MB} MB in all" in reply
        status, reply = upload(url, [("small.txt", b"The Zindelport ferry ran on time.")])
        assert status == 200 and "small.txt: added" in shown(reply), reply
    finally:
        stop(process)


def test_a_read_only_home_is_one_clear_line_from_ask_ingest_and_upload(seed_home, tmp_path):
    for path in (seed_home, *seed_home.rglob("*")):
        path.chmod(path.stat().st_mode & ~0o222)
    article = tmp_path / "ferry.txt"
    article.write_text("The Zindelport ferry resumed service on Friday.")
    try:
        for args in (["ask", "Who flanked Putin?"], ["ingest", str(article)]):
            done = subprocess.run(without_root([sys.executable, "-m", "newsdesk.cli", "--home",
                                                str(seed_home), *args]),
                                  capture_output=True, text=True, timeout=240, env=os.environ)
            assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
            assert f"The index folder {seed_home} is read-only" in done.stderr
        log = tmp_path / "server.log"
        process, url = start_server(seed_home, "--no-mcp", log=log, wrapper=without_root([]))
        try:
            status, reply = upload(url, [("ferry.txt", article.read_bytes())])
            assert status == 200, reply
            assert f"The index folder {seed_home} is read-only" in shown(reply), reply
        finally:
            stop(process)
        assert "Traceback" not in log.read_text()
        file = tmp_path / "not-a-folder"
        file.write_text("")
        done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--home", str(file), "ingest",
                               str(article)], capture_output=True, text=True, timeout=240)
        assert done.returncode == 2 and "is a file" in done.stderr and "Traceback" not in done.stderr
    finally:
        for path in (seed_home, *seed_home.rglob("*")):
            path.chmod(path.stat().st_mode | 0o200)
