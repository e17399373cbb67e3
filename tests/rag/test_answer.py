"""The default (extractive) answerer on the seeds, with the real model and Chroma."""

from dataclasses import replace
from pathlib import Path

import pytest

from newsdesk import Assistant, Evidence


@pytest.fixture(scope="module")
def assistant(seed_settings):
    return Assistant.open(settings=seed_settings)


def _assert_verbatim(answer):
    assert answer.citations
    for citation in answer.citations:
        text = Path(citation.source).read_text(encoding="utf-8")
        assert text[citation.start:citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
    cited = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", answer.text)}
    assert cited == {c.n for c in answer.citations}


def test_number_question_opens_with_the_number(assistant):
    answer = assistant.ask("How much of the Kursk territory had Russia regained?")
    assert not answer.refused
    assert answer.text.startswith("86%")
    _assert_verbatim(answer)


def test_who_flanked_putin(assistant):
    answer = assistant.ask("Who flanked Putin on Thursday?")
    assert "Lukashenka" in answer.citations[0].quote
    _assert_verbatim(answer)


@pytest.mark.parametrize(("question", "short"), [
    ("How much of the Kursk territory had Russia regained?", "86%"),
    ("Who flanked Putin on Thursday?", "Alyaksandr Lukashenka"),
    ("When did Ukraine launch its offensive into Kursk?", "last August"),
])
def test_the_short_answer_opens_the_answer_and_stands_verbatim_in_its_source(assistant, question,
                                                                            short):
    answer = assistant.ask(question)
    found = answer.short_answer
    assert found is not None and found.text == short
    assert answer.text.startswith(f"{short} [{found.n}].")
    cited = answer.citations[found.n - 1]
    assert Path(cited.source).read_text(encoding="utf-8")[found.start:found.end] == short
    assert cited.start <= found.start < found.end <= cited.end
    assert answer.to_dict()["short_answer"] == {"text": short, "n": found.n, "start": found.start,
                                                "end": found.end}


def test_no_short_answer_for_a_question_that_asks_for_no_entity(assistant):
    answer = assistant.ask("Why does Putin want to delay a cease-fire?")
    assert answer.short_answer is None and answer.to_dict()["short_answer"] is None


def test_answering_encodes_only_the_question(assistant, monkeypatch):
    embedder, seen = assistant.answerers["extractive"].embedder, []
    embed = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts: seen.append(list(texts)) or embed(texts))
    question = "Who flanked Putin on Thursday?"
    assert not assistant.ask(question).refused
    assert seen and all(text == question for batch in seen for text in batch)


def test_passages_without_stored_sentences_are_split_and_embedded(assistant):
    question = "Who flanked Putin on Thursday?"
    passages = assistant.retriever.retrieve(question, k=8)
    bare = [replace(p, sentences=(), sentence_vectors=None) for p in passages]
    answer = assistant.answerers["extractive"].answer(Evidence(question, tuple(bare)))
    assert "Lukashenka" in answer.citations[0].quote
    _assert_verbatim(answer)


def test_who_said_what_picks_the_speaker(assistant):
    answer = assistant.ask("What did Zelensky say?")
    assert "Zelensky posted on X" in answer.citations[0].quote
    _assert_verbatim(answer)


def test_what_did_justina_say(assistant):
    answer = assistant.ask("What did Justina say about Jeddah?")
    assert any("Jeddah was a turning point" in c.quote for c in answer.citations)
    _assert_verbatim(answer)


@pytest.mark.parametrize("question", [
    "Who won the 2022 World Cup?",
    "What is the capital of France?",
    "What is the price of oil?",
    "Which vaccine did the health ministry approve?",
    "What did China say about the cease-fire proposal?",
])
def test_questions_the_articles_cannot_answer_are_refused(assistant, question):
    answer = assistant.ask(question)
    assert answer.refused
    assert answer.text.startswith("The articles don't say.")
    assert answer.citations == [] and answer.related


@pytest.mark.parametrize(("question", "quoted"), [
    ("What was Putin wearing when he visited his troops?", "military garb"),  # "wearing": unknown
    ("Which city's ports were hit by Russian strikes?", "ports"),  # "city": unknown
])
def test_a_close_call_with_an_unknown_word_is_still_answered(assistant, question, quoted):
    answer = assistant.ask(question)
    assert not answer.refused and any(quoted in c.quote for c in answer.citations)


def test_follow_up_uses_the_earlier_turn(assistant):
    history = [{"role": "user", "content": "What did Putin's top commander report in Kursk?"},
               {"role": "assistant", "content": "Russia had regained control of 86% [1]."}]
    answer = assistant.ask("When was that?", history=history)
    assert not answer.refused
    assert answer.text.startswith("Wednesday [")  # "On Wednesday, Putin received an update ..."
    _assert_verbatim(answer)


def test_conditions_question_cites_both_articles(assistant):
    answer = assistant.ask("What conditions did Putin set?")
    assert not answer.refused
    assert {c.doc_id for c in answer.citations} == {"000_99e8b240e118b51d",
                                                   "001_ca5ecb444059c4d2"}
    _assert_verbatim(answer)


def test_conditions_answer_covers_every_condition(assistant):
    text = assistant.ask("What conditions did Putin set?").text
    for fact in ("Kursk", "arms shipments", "monitored and enforced", "root causes"):
        assert fact in text


def test_bad_history_is_refused(assistant):
    from newsdesk import BadInputError

    with pytest.raises(BadInputError, match="role"):
        assistant.ask("When was that?", history=[{"speaker": "me"}])
