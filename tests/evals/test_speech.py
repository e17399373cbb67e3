"""Learning the verbs of speech (`newsdesk.evals.speech`) from articles, over sentences of our own."""

import json
from collections import Counter

from newsdesk.evals import speech
from newsdesk.fitted import Fitted, packaged

# Sentences not from the seeds: verbs that report speech or thought, and verbs that do not.
ARTICLES = [
    "The harbour master said the ferries would run late. Engineers believe the crane failed.",
    "“We will not close the port,” the minister added. Dockers told reporters: “We are ready.”",
    "The council built a new bridge. Workers painted the hall and the mayor opened it.",
    "Analysts think prices will fall, according to the bank. The storm damaged the pier.",
]


def test_the_uses_of_each_verb_are_counted_from_the_parse():
    uses = speech.verb_uses(ARTICLES, progress=False)
    assert uses["say"]["clause"] == 1 and uses["believe"]["clause"] == 1
    assert uses["add"]["quote"] == 1 and uses["tell"]["quote"] == 1
    assert uses["build"]["clause"] == uses["build"]["quote"] == 0
    assert uses["say"]["form:said"] == 1


def _counts(uses: int, clause: int = 0, quote: int = 0) -> Counter:
    return Counter({"uses": uses, "clause": clause, "quote": quote})


def test_a_verb_of_speech_passes_one_test_in_enough_of_its_uses():
    enough = speech.ENOUGH
    uses = {"say": _counts(100, clause=80, quote=30),  # both
            "add": _counts(100, quote=20),  # quotations only
            "think": _counts(40, clause=enough + 5),  # reported clauses only
            "show": _counts(1000, clause=enough + 1),  # a clause, in too few of its uses
            "insist": _counts(enough - 1, clause=enough - 1),  # too rare to tell
            "build": _counts(500)}
    assert speech.choose(uses) == ["say", "add", "think"]
    assert speech.quoting(uses, ["say", "add", "think"]) == ["say", "add"]


def test_the_packaged_verbs_of_speech_hold_the_common_ones():
    learned = packaged().speech
    assert {"say", "tell", "think", "accord"} <= set(learned.lemmas)
    assert {"say", "tell", "accord"} <= set(learned.quoting) and "think" not in learned.quoting
    assert {"said", "told", "according"} <= set(learned.forms)
    assert not {"build", "win", "make"} & set(learned.lemmas)
    assert learned.fitted["articles"] > 1000


def test_learning_writes_them_into_the_fitted_values_and_keeps_the_rest(tmp_path, monkeypatch):
    (tmp_path / "corpus.jsonl").write_text("\n".join(
        json.dumps({"doc_id": str(i), "text": text}) for i, text in enumerate(ARTICLES * 4)))
    monkeypatch.setattr(speech, "ENOUGH", 2)
    out = tmp_path / "fitted.json"
    learned = speech.main(tmp_path, out, progress=False)
    again = Fitted.load(out)
    assert again.speech == learned and "say" in learned.lemmas and "build" not in learned.lemmas
    assert again.answer == packaged().answer and again.retrieval == packaged().retrieval


def test_only_the_forms_used_as_verbs_more_often_than_not_are_matched_in_sentences():
    uses = {"": Counter({"form:said": 50, "form:report": 90, "form:reported": 30}),
            "say": Counter({"form:said": 50}),
            "report": Counter({"form:report": 10, "form:reported": 25})}
    assert speech.verb_forms(uses, ["say", "report"]) == ["reported", "said"]
