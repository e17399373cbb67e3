"""The browser (Debian's Chromium via Playwright) for the tests of the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT


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
    page.wait_for_selector("body.chat-restored", state="attached")  # the kept chat is back
    yield page
    context.close()


@pytest.fixture
def output_dir(request) -> Path:
    folder = ROOT / "test-output" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
