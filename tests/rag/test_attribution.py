"""Who says a quoted sentence, on passages from outside the seeds."""

import pytest

from newsdesk import attribution
from newsdesk.citations import passage_sentences
from newsdesk.index.chunk import sentence_spans
from newsdesk.types import Passage


def _sentences(text: str):
    spans = tuple((s, e) for s, e in sentence_spans(text))
    passage = Passage("a::1::0", "a", text, 0, len(text), 1.0, 0.9, sentences=spans,
                      sentence_vectors=__import__("numpy").zeros((len(spans), 2)))
    return passage_sentences([passage])


@pytest.mark.parametrize(("text", "expected"), [
    # a quotation over three sentences, its speaker named after the last one
    ("“The water rose in minutes and kept rising. We lost everything in the shop. Nobody "
     "warned us at all,” shopkeeper Amina Diallo told reporters on Friday.",
     [{"amina", "diallo"}] * 3),
    # the speaker named before the quotation
    ("However, says Tomasz Nowak, “the budget cannot be balanced this year without new taxes.”",
     [{"tomasz", "nowak"}]),
    # a person owning the thing quoted is not its speaker; the one after it is
    ("Lula’s plan is “a fantasy with a price tag,” Carla Mendes wrote in a column on Monday.",
     [{"carla", "mendes"}]),
    # no quotation: nobody is quoted
    ("The council approved the new tram line on Tuesday after a long debate in the chamber.",
     [None]),
])
def test_a_quoted_sentence_is_said_by_who_is_named_beside_its_quotation(text, expected):
    assert attribution.speakers(_sentences(text)) == expected


def test_the_words_beside_every_quotation_are_read_in_one_batch(monkeypatch):
    batches = []
    names_each = attribution.language.names_each
    monkeypatch.setattr(attribution.language, "names_each",
                        lambda texts: batches.append(list(texts)) or names_each(texts))
    text = ("“The water rose in minutes,” shopkeeper Amina Diallo told reporters. The mayor of "
            "the town disagreed on every point. “We warned everyone on Thursday,” said Tomasz "
            "Nowak, her deputy.")
    assert attribution.speakers(_sentences(text)) == [{"amina", "diallo"}, None,
                                                      {"tomasz", "nowak"}]
    assert len(batches) == 1 and len(batches[0]) == 4  # after and before each of the two
