"""`without`: a library imported with some of its optional extras kept out (pure logic, on a
small standard module no test imports); `unchecked_overrides`: the `overrides` package's
decorator, as chromadb uses it, without its check; `without_spacy_cli`: spaCy imported without
its command line, in a fresh interpreter."""

import subprocess
import sys
import threading

import overrides
import pytest

from newsdesk.core.imports import unchecked_overrides, without

NAME = "colorsys"  # stands for torch or numba: installed, not yet imported


@pytest.fixture
def unimported():
    sys.modules.pop(NAME, None)
    yield NAME
    sys.modules.pop(NAME, None)


def test_a_package_left_out_cannot_be_imported_in_the_block(unimported):
    with without(unimported), pytest.raises(ModuleNotFoundError, match="left out"):
        __import__(unimported)
    assert unimported not in sys.modules
    assert __import__(unimported).hsv_to_rgb(0, 0, 1) == (1, 1, 1)  # after the block, as usual


def test_other_threads_import_it_as_usual(unimported):
    imported = []
    with without(unimported):
        thread = threading.Thread(target=lambda: imported.append(__import__(unimported)))
        thread.start()
        thread.join(timeout=30)
    assert imported and imported[0].__name__ == unimported


def test_a_package_already_imported_stays_importable():
    with without("json"):
        import json
    assert json.loads("[1]") == [1]


def _override_without_a_base():
    """A class whose `@override` method overrides nothing: the check fails it."""

    class Base:
        pass

    class Derived(Base):
        @overrides.override
        def run(self):
            return "ran"

    return Derived


def test_unchecked_overrides_marks_each_method_without_checking_it():
    with pytest.raises(TypeError, match="No super class method found"):
        _override_without_a_base()  # checked: it overrides nothing
    with unchecked_overrides():
        derived = _override_without_a_base()
    assert derived().run() == "ran" and derived.run.__override__  # marked, as EnforceOverrides asks
    with pytest.raises(TypeError, match="No super class method found"):
        _override_without_a_base()  # checked again after the block


# In a fresh interpreter: spaCy imported in the block, what that loaded, then its command line
# after the block, as `from spacy import cli` and as `spacy.info`.
SPACY = """
import json, sys
from newsdesk.core.imports import without, without_spacy_cli
with without("torch"), without_spacy_cli():
    import spacy
loaded = sorted({"typer", "weasel", "spacy.cli"} & set(sys.modules))
english = spacy.blank("en")("The council met on Tuesday.")
from spacy import cli
info = spacy.info(markdown=False, silent=True)
print(json.dumps({"loaded": loaded, "tokens": len(english), "cli": hasattr(cli, "app"),
                  "version": info["spacy_version"] == spacy.__version__}))
"""


def test_spacy_imports_without_its_command_line_and_finds_it_when_asked():
    done = subprocess.run([sys.executable, "-c", SPACY], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == \
        '{"loaded": [], "tokens": 6, "cli": true, "version": true}'
