"""`without`: a library imported with some of its optional extras kept out (pure logic, on a
small standard module no test imports); `unchecked_overrides`: the `overrides` package's
decorator, as chromadb uses it, without its check."""

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
