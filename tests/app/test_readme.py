"""README's "Embed newsdesk in your tool" snippets, run as a user would run them.

Each Python block of that section runs in its own process against the seeds' index and a real
app server, so the documentation cannot drift from what works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SECTION = "## Embed newsdesk in your tool"
# What each snippet must print: something only the real seeds' index can answer.
EXPECTED = {
    "Python": ["Lukash", "86%"],
    "llama-index": ["001_ca5ecb444059c4d2", "::"],
    "LangChain": ["Lukash"],
    "HTTP": ["86%", "000_99e8b240e118b51d"],
    "MCP": ["['ask', 'retrieve']", "Gerasimov"],
}


def snippets() -> dict[str, str]:
    """The Python code blocks of the section, by the heading they stand under."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    found = {}
    for part in re.split(r"\n### ", section)[1:]:
        heading, body = part.split("\n", 1)
        for code in re.findall(r"```python\n(.*?)```", body, re.S):
            found[heading.strip()] = code
    return found


def test_every_snippet_is_checked():
    assert set(snippets()) == set(EXPECTED)


@pytest.mark.parametrize("heading", list(EXPECTED))
def test_readme_snippet_runs(heading, app_home, app_url, tmp_path):
    code = snippets()[heading].replace("http://127.0.0.1:7860", app_url)
    env = {**os.environ, "NEWSDESK_HOME": str(app_home), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    for expected in EXPECTED[heading]:
        assert expected in done.stdout, done.stdout
