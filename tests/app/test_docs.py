"""The docs hold what works: the API page's snippets run as a user would run them, and the
settings page names every setting.

Each Python block of docs/api.md (but the library's overview) runs in its own process against
the seeds' index and a real app server, so the documentation cannot drift from what works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from newsdesk.core.settings import FLAGS, Settings
from tests.conftest import ROOT

DOCS = ROOT / "docs"
OVERVIEW = "Library"  # a tour of the whole API, not a program to run
# What each snippet must print: something only the real seeds' index can answer.
EXPECTED = {
    "Python": ["Lukash", "86%"],
    "llama-index": ["001_ca5ecb444059c4d2", "::"],
    "LangChain": ["Lukash"],
    "HTTP": ["86%", "000_99e8b240e118b51d"],
    "MCP": ["['ask', 'retrieve', 'articles', 'article']", "Gerasimov"],
}


def snippets() -> dict[str, str]:
    """The Python code blocks of docs/api.md, by the heading they stand under."""
    found = {}
    for part in re.split(r"\n## ", (DOCS / "api.md").read_text())[1:]:
        heading, body = part.split("\n", 1)
        for code in re.findall(r"```python\n(.*?)```", body, re.S):
            found[heading.strip()] = code
    found.pop(OVERVIEW)
    return found


def test_every_snippet_is_checked():
    assert set(snippets()) == set(EXPECTED)


@pytest.mark.parametrize("heading", list(EXPECTED))
def test_api_snippet_runs(heading, app_home, app_url, tmp_path):
    code = snippets()[heading].replace("http://127.0.0.1:7860", app_url)
    env = {**os.environ, "NEWSDESK_HOME": str(app_home), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    for expected in EXPECTED[heading]:
        assert expected in done.stdout, done.stdout


def test_settings_page_names_every_setting():
    page = (DOCS / "settings.md").read_text()
    for name in Settings.model_fields:
        assert f"`NEWSDESK_{name.upper()}`" in page, f"docs/settings.md does not name NEWSDESK_{name.upper()}"
        if name in FLAGS:
            assert FLAGS[name][0] in page, f"docs/settings.md does not name {FLAGS[name][0]}"
