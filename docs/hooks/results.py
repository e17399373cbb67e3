"""MkDocs hook: the tables of published results, built from docs/results/<name>.json at build time.

A page asks for a file's tables with a line of its own, `<!-- results: seeds -->` (every table of
docs/results/seeds.json) or `<!-- results: bench queries -->` (one of them). The hook puts there a
Markdown table per table, under a line saying when, at which commit and by which command the
figures were made. The files are written by `newsdesk eval SUITE --publish` and `newsdesk bench
--publish` (newsdesk.evals.report.publish); nobody types a figure. A marker whose file or table
is missing logs a warning, which fails `mkdocs build --strict`.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.newsdesk.results")
MARKER = re.compile(r"^<!-- results: ([\w-]+)(?: ([\w-]+))? -->$", re.M)


def on_page_markdown(markdown: str, page, config, files) -> str:
    folder = Path(config["docs_dir"]) / "results"
    return MARKER.sub(lambda match: _tables(folder, match[1], match[2], page.file.src_path), markdown)


def _tables(folder: Path, name: str, only: str | None, where: str) -> str:
    path = folder / f"{name}.json"
    try:
        published = json.loads(path.read_text())
        tables = published["tables"]
    except (OSError, ValueError, KeyError) as error:
        log.warning(f"{where}: cannot read published results {path}: {error}; run `newsdesk "
                    f"eval {name} --publish` (or `newsdesk bench --publish`)")
        return ""
    if only and only not in tables:
        log.warning(f"{where}: {path} has no table {only!r}; it has {', '.join(tables)}")
        return ""
    parts = [_caption(published)]
    for table_name, rows in tables.items():
        if only in (None, table_name):
            parts.append(_markdown(rows))
    return "\n\n".join(parts)


def _caption(published: dict) -> str:
    notes = ", ".join(f"{key} {value}" for key, value in published.get("notes", {}).items())
    commit = published.get("commit") or "no git checkout"
    return (f"*Measured {published['date'][:10]} on {published['data']}"
            f"{f' ({notes})' if notes else ''}, commit `{commit}`, by `{published['command']}`.*")


def _markdown(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    lines = ["| " + " | ".join(f"`{c}`" for c in columns) + " |",
             "| " + " | ".join("---" for _ in columns) + " |"]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} {_cell(item)}" for key, item in value.items())
    return str(value).replace("|", "\\|")
