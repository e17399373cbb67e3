"""README is the front door: it holds the two commands, and what it shows is what newsdesk does.

The answer it prints is the one `newsdesk ask` gives on the seeds' index, word for word; its
links lead to files that exist; its screenshot is there and small; it stays short.
"""

from __future__ import annotations

import re

from newsdesk.cli import main
from tests.conftest import ROOT, SEEDS

README = ROOT / "README.md"
TWO_COMMANDS = ("make run", "make test")


def readme() -> str:
    return README.read_text()


def test_readme_is_a_front_door_not_a_notebook():
    assert len(readme().splitlines()) <= 200


def test_readme_states_the_two_commands_and_make_has_them():
    code = "\n".join(re.findall(r"```bash\n(.*?)```", readme(), re.S))
    commands = [line.split("#")[0].strip() for line in code.splitlines() if line.strip()]
    assert commands[:2] == list(TWO_COMMANDS)
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test"):
        assert re.search(rf"^{target}:", makefile, re.M), f"the Makefile has no `{target}` target"
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_answer_is_what_newsdesk_prints(seed_settings, monkeypatch, capsys):
    block = re.search(r"```console\n\$ \.venv/bin/newsdesk (ask \"([^\"]+)\")\n(.*?)```", readme(), re.S)
    assert block, "README shows no `newsdesk ask` with its output"
    monkeypatch.setenv("NEWSDESK_HOME", str(seed_settings.home))
    assert main(["ask", block[2]]) == 0
    printed = capsys.readouterr().out.replace(f"{SEEDS}/", "seeds/")  # as `ingest seeds/` names them
    assert printed.strip() == block[3].strip(), "README's answer is not what `newsdesk ask` prints now"


def test_readme_links_and_screenshot_exist():
    links = re.findall(r"\]\(([^)#\s]+)\)", readme())
    assert links, "README links nowhere"
    for link in links:
        if not link.startswith("http"):
            assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"
    screenshot = ROOT / "docs" / "chat.png"
    assert "docs/chat.png" in links
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size < 300_000
