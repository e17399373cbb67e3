"""A real newsdesk server (`python app.py`) on 127.0.0.1, over an index of the seeds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from newsdesk.index.ingest import ingest
from newsdesk.index.settings import Settings
from tests.conftest import ROOT, SEEDS, free_port


def start_server(home: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "NEWSDESK_HOME": str(home)}
    log = open(home / f"server-{port}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *extra],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((home / f"server-{port}.log").read_text())
        try:
            urllib.request.urlopen(f"{url}/gradio_api/info", timeout=2)
            return process, url
        except urllib.error.HTTPError:
            return process, url  # answering (e.g. 401 behind a login)
        except OSError:
            time.sleep(0.5)  # poll interval: the wait is for the server to answer, bounded above
    process.kill()
    raise RuntimeError("the app did not start within 120 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def app_home(tmp_path_factory, embedder) -> Path:
    home = tmp_path_factory.mktemp("app-home")
    ingest([SEEDS], Settings(home=home), progress=False, embedder=embedder)
    return home


@pytest.fixture(scope="session")
def app_url(app_home):
    process, url = start_server(app_home)
    yield url
    stop(process)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail("Debian's chromium is missing; `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app_url)
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#chat")
    yield page
    context.close()


@pytest.fixture
def output_dir(request) -> Path:
    folder = ROOT / "test-output" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
