"""The chat's screenshot in README and the docs: `make screenshot` writes docs/chat.png.

Starts `newsdesk serve` on 127.0.0.1 over the index at NEWSDESK_HOME (`make screenshot` indexes
seeds/ first), asks the README's question in Debian's Chromium (Playwright, headless), waits for
the answer's `state-done`, opens its first citation in the sources panel and saves the window.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from newsdesk.evals.processes import free_port, stop, wait_for

QUESTION = "What conditions did Putin set?"
OUT = Path(__file__).with_name("chat.png")
CHROMIUM = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]


def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(os.environ.get("NEWSDESK_HOME", ".newsdesk")) / "screenshot-server.log"
    with open(log, "w") as out:
        server = subprocess.Popen([Path(sys.executable).with_name("newsdesk"), "serve", "--port",
                                   str(port), "--no-mcp"], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(server, f"{url}/gradio_api/info", 180, log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 headless=True, args=CHROMIUM)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(url)
            page.wait_for_selector("body.chat-restored", state="attached", timeout=60_000)
            page.fill("#question textarea", QUESTION)
            page.press("#question textarea", "Enter")
            page.wait_for_selector("#chat .answer-state.state-done", state="attached", timeout=120_000)
            page.locator("#chat a[href='#a1-src-1']").first.click()
            page.wait_for_selector("#a1-src-1.active", timeout=10_000)
            page.screenshot(path=str(OUT))
            browser.close()
    finally:
        stop(server)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
