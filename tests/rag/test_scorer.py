"""The learned sentence scorer: its features on sentences from outside the seeds, and the
packaged weights (`newsdesk.fitted`)."""

import json

import numpy as np
import pytest

from newsdesk import language
from newsdesk.citations import Sentence
from newsdesk.fitted import packaged
from newsdesk.index.store import chunk_id
from newsdesk.scorer import AnswerTypes, SentenceScorer, sentence_features, short_types
from newsdesk.types import Passage

TEXT = ("The ferry left Dover at noon. It sank near Calais, officials said. "
        "\u201cWe lost 12 people,\u201d said Marie Dubois.")


def sentences() -> list[Sentence]:
    first = Passage(chunk_id("doc", "h", 0), "doc", TEXT[:29], 0, 29, 0.9, 0.6)
    second = Passage(chunk_id("doc", "h", 3), "doc", TEXT[30:], 30, len(TEXT), 0.8, 0.5)
    spans = [(first, 0, 29), (second, 30, 66), (second, 67, len(TEXT))]
    return [Sentence(p, s, e, TEXT[s:e]) for p, s, e in spans]


def features(question: str) -> dict[str, np.ndarray]:
    words = {w.lower().strip("?") for w in question.split()}
    return sentence_features(language.read_question(question), words, sentences(),
                             np.array([0.5, 0.7, 0.2]), np.array([0.0, 0.5, 0.0]),
                             ("where", "how much"))


def test_features_say_what_each_sentence_holds():
    table = features("Where did the ferry sink?")
    assert table["digits"].tolist() == [0.0, 0.0, 1.0]
    assert table["quoted"].tolist() == [0.0, 0.0, 1.0]
    # "Dover"; "Calais"; "Marie", "Dubois": names the question does not hold, up to three
    assert table["new_names"].tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 3])
    assert table["passage_rank"].tolist() == [1.0, 0.5, 0.5]
    assert table["lead"].tolist() == [1.0, 0.25, 0.25]  # chunk 0, chunk 3
    assert table["neighbour_meaning"].tolist() == [0.7, 0.5, 0.7]


def test_kind_features_are_on_only_for_that_kind_of_question():
    where, many = features("Where did the ferry sink?"), features("How many people died?")
    assert where["where*new_names"].tolist() == where["new_names"].tolist()
    assert not where["how much*digits"].any()
    assert many["how much*digits"].tolist() == [0.0, 0.0, 1.0]
    assert not many["where*new_names"].any()


def test_the_packaged_weights_read_every_feature_and_were_cross_validated():
    scorer = packaged().sentence_scorer
    table = features("Where did the ferry sink?")
    assert set(scorer.features) == set(sentence_features(
        language.read_question("Who?"), set(), sentences(), np.zeros(3), np.zeros(3),
        scorer.kinds))
    assert scorer.fitted["cross_validated"]["learned top1"] > scorer.fitted["cross_validated"][
        "hand-set top1"]
    table = sentence_features(language.read_question("Where did the ferry sink?"), set(),
                              sentences(), np.array([0.5, 0.7, 0.2]), np.zeros(3), scorer.kinds)
    assert scorer.score(table).shape == (3,)
    again = SentenceScorer.from_json(json.loads(json.dumps(scorer.as_json())))
    assert np.allclose(again.score(table), scorer.score(table), atol=1e-4)


def test_answer_types_are_probabilities_and_survive_a_round_trip():
    types = AnswerTypes(("", "GPE", "ORG"), np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]]),
                        np.zeros(3), {"questions": 3})
    likely = types.likely(np.array([1.0]), np.array([0.0]))
    assert sum(likely.values()) == pytest.approx(1.0) and max(likely, key=likely.get) == "GPE"
    again = AnswerTypes.from_json(json.loads(json.dumps(types.as_json())))
    assert again.labels == types.labels
    assert again.likely(np.array([1.0]), np.array([0.0])) == pytest.approx(likely)


def test_a_question_word_names_the_short_answer_types_before_the_learned_ones():
    likely = {"ORG": 0.7, "GPE": 0.2, "": 0.1}
    assert short_types("who", likely, 0.6) == ("PERSON", "ORG", "NORP")
    assert short_types("which", likely, 0.6) == ("ORG",)
    assert short_types("which", likely, 0.1) == ("ORG", "GPE")  # never "": no entity
    assert short_types("what", {"": 0.9, "DATE": 0.1}, 0.6) == ()


@pytest.mark.parametrize(("question", "expected"), [
    ("Which company agreed to buy the chipmaker for $35 billion?", "ORG"),
    ("Which country will host the next climate summit?", "GPE"),
    ("Which actress won the award for best performance?", "PERSON"),
    ("What percentage of voters backed the referendum?", "PERCENT"),
])
def test_the_packaged_answer_types_read_the_type_from_the_question(embedder, question, expected):
    types = packaged().answer_types
    likely = types.likely(*embedder.embed([question, language.read_question(question).phrase]))
    assert max(likely, key=likely.get) == expected
    assert types.fitted["cross_validated_accuracy"] > types.fitted["most_common_type"]
