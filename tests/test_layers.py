"""The architecture holds: every module stands in a layer, and importing changes nothing global.

`make test` runs `lint-imports` on the contracts in pyproject.toml; these tests check what the
contracts cannot see: a new module that no layer names, and import-time side effects.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib

import newsdesk
import newsdesk.core
import newsdesk.evals
import newsdesk.index
from tests.conftest import ROOT


def _layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c["layers"] for c in config["contracts"] if c["type"] == "layers")
    return [{name.strip() for name in layer.replace("|", ":").split(":")} for layer in layers]


def test_every_module_of_the_package_stands_in_a_layer():
    modules = {f"newsdesk.{m.name}" for m in pkgutil.iter_modules(newsdesk.__path__)}
    named = [name for layer in _layers() for name in layer]
    assert len(named) == len(set(named)), "a module stands in two layers"
    assert modules == set(named)
    assert {"newsdesk.cli", "newsdesk.app", "newsdesk.index", "newsdesk.evals", "newsdesk.core"} <= modules


def test_the_layers_run_from_the_command_line_down_to_the_core():
    layers = _layers()
    assert layers[0] == {"newsdesk.cli"} and layers[-2:] == [{"newsdesk.index"}, {"newsdesk.core"}]
    assert layers.index({"newsdesk.evals"}) < next(i for i, layer in enumerate(layers)
                                                   if "newsdesk.retrieve" in layer)


def test_importing_any_module_changes_no_environment_variable():
    names = ["newsdesk", "newsdesk.app", "newsdesk.cli", "newsdesk.llama_index"]
    names += [f"newsdesk.core.{m.name}" for m in pkgutil.iter_modules(newsdesk.core.__path__)]
    names += [f"newsdesk.index.{m.name}" for m in pkgutil.iter_modules(newsdesk.index.__path__)]
    names += [f"newsdesk.evals.{m.name}" for m in pkgutil.iter_modules(newsdesk.evals.__path__)]
    script = ("import importlib, os, sys\n"
              "before = dict(os.environ)\n"
              f"for name in {names!r}:\n"
              "    importlib.import_module(name)\n"
              "changed = sorted(k for k in before.keys() | os.environ.keys() "
              "if before.get(k) != os.environ.get(k))\n"
              "print(changed)\n")
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("HF_", "NEWSDESK"))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=clean,
                          timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_the_app_file_is_layout_and_wiring():
    """The page's requests are handled in the library (`newsdesk.desk`, `render`, `endpoints`):
    app.py stays short enough to read whole."""
    assert len((ROOT / "app.py").read_text().splitlines()) <= 300
