"""newsdesk as other tools install it: a wheel in a fresh virtual environment, beside another
distribution that ships its own top-level `app`, `index` and `evals` modules.

The wheel and the other distribution are built here and installed with pip. Their dependencies
are the locked versions already in .venv, linked into the fresh environment (a full pip install
of them takes minutes); only newsdesk's declared dependencies are linked, so an import of an
undeclared one fails here, and `pip check` proves the declared ones are satisfied.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT, SEEDS

OTHER = {  # a tool with the most common module names, which newsdesk must not shadow
    "app.py": "from index import NAME as INDEX\nfrom evals import NAME as EVALS\n\n"
              "def main():\n    print(f'othertool app with {INDEX} and {EVALS}')\n\n"
              "if __name__ == '__main__':\n    main()\n",
    "index.py": "NAME = 'othertool.index'\n",
    "evals.py": "NAME = 'othertool.evals'\n",
    "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                      '[project]\nname = "othertool"\nversion = "1.0"\n'
                      '[tool.setuptools]\npy-modules = ["app", "index", "evals"]\n',
}

USE = """
import json, sys
from pathlib import Path

import newsdesk
from newsdesk import Retriever, Settings, ingest

home, seeds = Path(sys.argv[1]), Path(sys.argv[2])
assert "site-packages" in newsdesk.__file__, newsdesk.__file__
settings = Settings.load(home=home)
report = ingest([seeds], settings, progress=False)
retriever = Retriever.open(settings=settings)
question = "What conditions did Putin set?"
passages = retriever.retrieve(question, k=3)
nodes = retriever.as_llama_index(k=3).retrieve(question)
documents = retriever.as_langchain(k=3).invoke(question)
answer = newsdesk.Assistant.open(  # the packaged scorer, short-answer model and spaCy model
    settings=settings, answering=newsdesk.AnswerConfig(short_confidence=0.0)).ask(
    "How much of the Kursk territory had Russia regained?")
import app, evals, index
print(json.dumps({
    "version": newsdesk.__version__, "new": report.new, "short": answer.to_dict()["short_answer"],
    "python": [p.chunk_id for p in passages],
    "llama_index": [n.node.node_id for n in nodes],
    "langchain": [d.id for d in documents],
    "others": [app.__name__, index.NAME, evals.NAME, app.__file__],
}))
"""


def _build(source: Path, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", str(source), "-w", str(out)],
                   check=True, capture_output=True, timeout=120)
    return next(out.glob(f"{source.name if source != ROOT else 'newsdesk'}-*.whl"))


def _closure(requirements: list[str], extras: set[str]) -> set[str]:
    """The distributions these requirements need, all the way down, as installed in .venv."""
    found: set[tuple[str, frozenset[str]]] = set()
    todo = [(Requirement(r), extras) for r in requirements]
    while todo:
        requirement, active = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e})
                                          for e in active | {""}):
            continue
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in found:
            continue
        found.add(key)
        wanted = metadata.distribution(requirement.name).requires or []
        todo += [(Requirement(r), set(requirement.extras)) for r in wanted]
    return {name for name, _ in found}


def _link(names: set[str], site_packages: Path) -> None:
    """Hard-link the installed files of these distributions into another site-packages.

    Installers such as uv lay out packages this way too; NLTK's own data loader refuses such
    files, which is why newsdesk reads its Punkt data with plain `open` (index/english.py).
    """
    for name in names:
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            if file.parts[0] == "..":  # scripts outside site-packages: not needed to import
                continue
            target = site_packages / file
            target.parent.mkdir(parents=True, exist_ok=True)
            source = Path(distribution.locate_file(file))
            if target.exists() or not source.is_file():
                continue
            try:
                os.link(source, target)
            except OSError:  # another file system
                shutil.copyfile(source, target)


@pytest.mark.slow
def test_the_wheel_installs_one_name_and_works_beside_another_tool(tmp_path, request):
    wheel = _build(ROOT, tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        requires = Parser().parsestr(archive.read(info).decode()).get_all("Requires-Dist")
        top_level = archive.read(info.replace("METADATA", "top_level.txt")).decode().split()
    assert top_level == ["newsdesk"]
    assert tops == {"newsdesk", wheel.name.split("-py3")[0] + ".dist-info"}

    other = tmp_path / "othertool"
    other.mkdir()
    for name, text in OTHER.items():
        (other / name).write_text(text)
    other_wheel = _build(other, tmp_path / "dist")

    fresh = tmp_path / "fresh"
    request.addfinalizer(lambda: shutil.rmtree(fresh, ignore_errors=True))  # drop the links now
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, timeout=120)
    python = fresh / "bin" / "python"
    site_packages = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip())
    _link(_closure(requires, {"langchain"}), site_packages)
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "install", "--no-deps", "--no-index", str(wheel), str(other_wheel)],
                   check=True, capture_output=True, timeout=300)
    checked = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout

    script = tmp_path / "use.py"
    script.write_text(USE)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("PYTHONPATH", None)
    used = subprocess.run([python, str(script), str(tmp_path / "home"), str(SEEDS)], cwd=tmp_path,
                          capture_output=True, text=True, env=env, timeout=600)
    assert used.returncode == 0, used.stderr[-3000:]
    result = __import__("json").loads(used.stdout.strip().splitlines()[-1])
    assert result["version"] == __import__("newsdesk").__version__ and result["new"] == 2
    assert result["short"]["text"] == "86%" and 0 < result["short"]["confidence"] < 1
    assert len(result["python"]) == 3
    assert result["python"] == result["llama_index"] == result["langchain"]
    assert result["others"][:3] == ["app", "othertool.index", "othertool.evals"]
    assert str(site_packages) in result["others"][3]

    ran = subprocess.run([python, "-m", "app"], cwd=tmp_path, capture_output=True, text=True,
                         env=env, timeout=120)
    assert ran.stdout.strip() == "othertool app with othertool.index and othertool.evals"
