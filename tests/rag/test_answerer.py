"""The answerer protocol: one primitive that streams typed events, whoever writes the answer."""

from collections.abc import Iterator

import pytest

from newsdesk import Answer, Answerer, Assistant, Evidence, Passage, TextPiece
from newsdesk.answerer import final_answer
from newsdesk.citations import Citations, Sentence


class EchoAnswerer(Answerer):
    """A fake for the protocol's own logic: quotes the first passage, in two pieces."""

    name = "echo"

    def __init__(self):
        self.seen: list[Evidence] = []

    def stream(self, evidence: Evidence) -> Iterator:
        self.seen.append(evidence)
        first = evidence.passages[0]
        yield TextPiece("Echo: ")
        yield TextPiece(first.text)
        yield Answer(evidence.question, f"Echo: {first.text}", False, answerer=self.name)


def test_answer_is_the_last_event_of_the_stream():
    passage = Passage("d::h::0", "d", "Some text.", 0, 10, 1.0, 1.0)
    answer = EchoAnswerer().answer(Evidence("Why?", (passage,)))
    assert answer.text == "Echo: Some text." and answer.answerer == "echo"
    with pytest.raises(RuntimeError, match="without its Answer"):
        final_answer(iter([TextPiece("no end")]))


def test_the_assistant_composes_retrieval_with_any_answerer(seed_settings, embedder):
    assistant = Assistant.open(settings=seed_settings, embedder=embedder)
    echo = EchoAnswerer()
    assistant.answerers["echo"] = echo
    events = list(assistant.stream("Who flanked Putin?", answerer="echo"))
    assert [type(e) for e in events] == [TextPiece, TextPiece, Answer]
    evidence = echo.seen[0]
    assert evidence.question == "Who flanked Putin?" and len(evidence.passages) >= 8
    assert evidence.retrieve_ms > 0
    assert events[-1].text == "".join(e.text for e in events[:-1])


def test_the_extractive_answer_streams_its_text_then_itself(seed_settings, embedder):
    assistant = Assistant.open(settings=seed_settings, embedder=embedder)
    events = list(assistant.stream("How much of the Kursk territory had Russia regained?"))
    assert [type(e) for e in events] == [TextPiece, Answer]
    assert events[0].text == events[1].text and "86%" in events[1].text
    assert set(events[1].timings_ms) == {"retrieve", "answer", "total"}


def test_a_quote_keeps_its_number_however_often_it_is_cited():
    passage = Passage("d::h::0", "d", "One sentence here. Another one there.", 0, 37, 1.0, 1.0)
    first, second = Sentence(passage, 0, 18, "One sentence here."), Sentence(passage, 19, 37,
                                                                          "Another one there.")
    citations = Citations()
    assert [citations.cite(s) for s in (second, first, second)] == [1, 2, 1]
    assert [(c.n, c.quote) for c in citations.all()] == [(1, "Another one there."),
                                                         (2, "One sentence here.")]
