"""Eval results: a terminal table, and JSON + Markdown + PNG files under `reports/`.

A result holds, per system, a `summary` (metric -> value) and `questions` (qid -> the row of
that question, with a `score` in [0, 1] that `compare` uses for wins and losses).

`publish` writes the small summary the documentation's tables are built from
(`docs/results/<suite>.json`, committed): the tables, when, at which commit, on which data.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsdesk.core.errors import BadInputError

REPORTS = Path("reports")
PUBLISHED = Path("docs/results")


@dataclass
class SystemResult:
    name: str
    summary: dict[str, float] = field(default_factory=dict)
    questions: dict[str, dict] = field(default_factory=dict)


@dataclass
class SuiteResult:
    suite: str
    systems: list[SystemResult] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S"))

    def tables(self) -> dict[str, list[dict]]:
        """The summaries as one table, a row per system (the shape `publish` writes)."""
        return {"systems": [{"system": s.name, **s.summary} for s in self.systems]}

    def to_dict(self) -> dict:
        return {"suite": self.suite, "started": self.started, "notes": self.notes,
                "systems": {s.name: {"summary": s.summary, "questions": s.questions}
                            for s in self.systems}}


def table(result: SuiteResult) -> str:
    """The summaries as a Markdown table, one row per system."""
    columns = list(dict.fromkeys(m for s in result.systems for m in s.summary))
    lines = ["| system | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for system in result.systems:
        cells = [_cell(system.summary.get(c)) for c in columns]
        lines.append(f"| {system.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.0f}"
    return str(value)


def compare(result: SuiteResult, baseline_path: Path) -> str:
    """Per-question wins and losses of each system against the same system in a baseline run."""
    try:
        baseline = json.loads(Path(baseline_path).read_text())
    except (OSError, ValueError) as error:
        raise BadInputError(f"Cannot read baseline {baseline_path}: {error}") from None
    lines = []
    for system in result.systems:
        before = baseline.get("systems", {}).get(system.name)
        if before is None:
            lines.append(f"{system.name}: not in the baseline")
            continue
        wins, losses = [], []
        for qid, row in system.questions.items():
            old = before["questions"].get(qid)
            if old is None or "score" not in row:
                continue
            delta = row["score"] - old["score"]
            if delta > 1e-9:
                wins.append((qid, old["score"], row["score"]))
            elif delta < -1e-9:
                losses.append((qid, old["score"], row["score"]))
        lines.append(f"{system.name}: {len(wins)} better, {len(losses)} worse")
        for label, rows in (("worse", losses), ("better", wins)):
            for qid, old, new in rows:
                question = system.questions[qid].get("question", "")[:70]
                lines.append(f"  {label}: {qid} {old:.2f} -> {new:.2f}  {question}")
    return "\n".join(lines)


def write(result: SuiteResult, folder: Path = REPORTS, comparison: str = "") -> Path:
    """Write JSON, Markdown and a PNG chart; returns the JSON path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{result.suite}-{result.started.replace(':', '')}"
    json_path = stem.with_suffix(".json")
    json_path.write_text(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
    markdown = [f"# {result.suite} eval, {result.started}", "", table(result), ""]
    if result.notes:
        markdown += ["", "Notes:", *[f"- {k}: {v}" for k, v in result.notes.items()], ""]
    if comparison:
        markdown += ["## Against the baseline", "", "```", comparison, "```", ""]
    stem.with_suffix(".md").write_text("\n".join(markdown))
    _chart(result, stem.with_suffix(".png"))
    return json_path


def _chart(result: SuiteResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in dict.fromkeys(m for s in result.systems for m in s.summary)
               if not m.endswith("_ms") and all(0 <= s.summary.get(m, 0) <= 1 for s in result.systems)]
    if not metrics:
        return
    figure, axis = plt.subplots(figsize=(max(6, 1.2 * len(metrics) * len(result.systems) / 3), 4))
    width = 0.8 / len(result.systems)
    for i, system in enumerate(result.systems):
        axis.bar([m + i * width for m in range(len(metrics))],
                 [system.summary.get(m, 0) for m in metrics], width, label=system.name)
    axis.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics, rotation=30,
                    ha="right", fontsize=8)
    axis.set_ylim(0, 1)
    axis.set_title(f"{result.suite} eval")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def publish(suite: str, tables: dict[str, list[dict]], *, command: str, data: str,
            notes: dict[str, object] | None = None, folder: Path = PUBLISHED) -> Path:
    """Write `folder/<suite>.json`: the tables of a run, its date, commit, data and command.

    The documentation's Quality and Performance pages are built from these files (`make docs`),
    so a figure there is always one a command wrote.

    Returns:
        The file's path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{suite}.json"
    summary = {"suite": suite, "date": datetime.now(UTC).isoformat(timespec="seconds"),
               "commit": _commit(), "command": command, "data": data, "notes": notes or {},
               "tables": tables}
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return path


CODE = (":/rag", ":/index", ":/evals", ":/app.py", ":/cli.py", ":/seeds", ":/pyproject.toml",
        ":/requirements.lock")  # what a measurement depends on, in git's terms


def _commit() -> str | None:
    """The git commit of the code being measured ("+changes" when its files differ from it)."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, text=True,
                              capture_output=True, timeout=10, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *CODE],
                                 cwd=here, text=True, capture_output=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None  # not a git checkout (an installed wheel)
    return head + ("+changes" if changed.strip() else "")
