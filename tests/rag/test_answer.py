"""The default (extractive) answerer on the seeds, with the real model and Chroma."""

import copy
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from newsdesk import AnswerConfig, Assistant, Evidence, language
from newsdesk.citations import Sentence
from newsdesk.compose import compose, quotation_balance
from newsdesk.core.settings import Settings
from newsdesk.extractive import asked_terms, question_terms, topic_words
from newsdesk.index.ingest import ingest
from newsdesk.types import Passage


@pytest.fixture(scope="module")
def assistant(seed_settings):
    return Assistant.open(settings=seed_settings)


def _assert_verbatim(answer):
    assert answer.citations
    for citation in answer.citations:
        text = Path(citation.source).read_text(encoding="utf-8")
        assert text[citation.start:citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.text
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert cited == {c.n for c in answer.citations}


def test_number_question_quotes_the_number(assistant):
    answer = assistant.ask("How much of the Kursk territory had Russia regained?")
    assert not answer.refused and "86%" in answer.text
    assert answer.short_answer is None or answer.short_answer.text == "86%"
    _assert_verbatim(answer)


@pytest.fixture(scope="module")
def always_short(seed_settings):
    """An assistant that offers its likeliest short answer whatever its confidence."""
    return Assistant.open(settings=seed_settings, answering=AnswerConfig(short_confidence=0.0))


def test_who_flanked_putin(assistant):
    answer = assistant.ask("Who flanked Putin on Thursday?")
    assert "Lukashenka" in answer.citations[0].quote
    _assert_verbatim(answer)


@pytest.mark.parametrize(("question", "short"), [
    ("How much of the Kursk territory had Russia regained?", "86%"),
    ("Who flanked Putin on Thursday?", "Alyaksandr Lukashenka"),
    ("When did Ukraine launch its offensive into Kursk?", "last August"),
])
def test_the_short_answer_opens_the_answer_and_stands_verbatim_in_its_source(
        assistant, always_short, question, short):
    offered = assistant.ask(question).short_answer  # right or absent
    assert offered is None or offered.text == short
    answer = always_short.ask(question)
    found = answer.short_answer
    assert found is not None and found.text == short
    assert answer.text.startswith(f"{short} [{found.n}].")
    cited = answer.citations[found.n - 1]
    assert Path(cited.source).read_text(encoding="utf-8")[found.start:found.end] == short
    assert cited.start <= found.start < found.end <= cited.end
    assert answer.to_dict()["short_answer"] == {"text": short, "n": found.n, "start": found.start,
                                                "end": found.end, "confidence": found.confidence}
    assert found.confidence is not None and 0 < found.confidence < 1


def test_no_short_answer_for_a_question_that_asks_for_no_entity(assistant):
    answer = assistant.ask("Why does Putin want to delay a cease-fire?")
    assert answer.short_answer is None and answer.to_dict()["short_answer"] is None


def test_answering_encodes_only_the_question(assistant, monkeypatch):
    embedder, seen = assistant.answerers["extractive"].embedder, []
    embed = embedder.embed
    monkeypatch.setattr(embedder, "embed", lambda texts: seen.append(list(texts)) or embed(texts))
    question = "Who flanked Putin on Thursday?"
    assert not assistant.ask(question).refused
    # the question, and its question phrase ("Who flanked Putin"), which the answer types read
    phrase = language.read_question(question).phrase
    assert seen and all(text in (question, phrase) for batch in seen for text in batch)


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
    # "On Wednesday, Putin received an update ...", quoted; in bold only if likely right
    assert any("On Wednesday, Putin received an update" in c.quote for c in answer.citations)
    assert answer.short_answer is None or answer.short_answer.text == "Wednesday"
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


def test_a_follow_up_pronoun_is_the_person_the_last_answer_named(assistant):
    history = [{"role": "user", "content": "Who gave Putin an update in Kursk?"}]
    history.append({"role": "assistant", "content": assistant.ask(history[0]["content"]).text})
    answer = assistant.ask("What percentage did he report?", history=history)
    assert not answer.refused and "86%" in answer.text
    _assert_verbatim(answer)


_DISPUTED = ("Heavy rain swept the coastal province overnight. {toll} people were killed when "
             "the river burst its banks near the port city of Derna, rescue officials said on "
             "Monday. Roads into the city remained closed.")


def _index(folder, embedder, articles: dict[str, str]):
    from newsdesk import Settings, ingest

    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    settings = Settings(home=folder / "home")
    ingest([folder], settings, progress=False, embedder=embedder)
    return Assistant.open(settings=settings, embedder=embedder)


@pytest.fixture(scope="module")
def disputed(tmp_path_factory, embedder):
    """Two articles that report one event with different death tolls, and a third on another."""
    folder = tmp_path_factory.mktemp("disputed")
    assistant = _index(folder, embedder, {
        "wire": _DISPUTED.format(toll="At least 40"), "paper": _DISPUTED.format(toll="At least 65"),
        "other": "The central bank held its rates at 4% on Thursday, citing slowing inflation "
                 "across the region."})
    return assistant, folder


def test_a_conflict_is_found_when_the_twin_ranks_last(tmp_path, embedder):
    """With nothing else in the index, the near-duplicate ranks after every passage kept."""
    assistant = _index(tmp_path, embedder, {"wire": _DISPUTED.format(toll="At least 40"),
                                            "paper": _DISPUTED.format(toll="At least 65")})
    answer = assistant.ask("How many people were killed when the river burst its banks?")
    assert [{v.text for v in c.values} for c in answer.conflicts] == [{"At least 40",
                                                                       "At least 65"}]
    assert len(assistant.retriever.retrieve("river burst its banks", k=5)) == 1  # deduplicated


def test_sources_that_disagree_are_said_to_and_both_cited(disputed):
    assistant, folder = disputed
    answer = assistant.ask("How many people were killed when the river burst its banks?")
    assert not answer.refused and len(answer.conflicts) == 1
    values = answer.conflicts[0].values
    assert {v.text for v in values} == {"At least 40", "At least 65"}
    assert "The sources disagree: " in answer.text
    for value in values:
        cited = answer.citations[value.n - 1]
        text = (folder / f"{cited.doc_id}.txt").read_text(encoding="utf-8")
        assert text[value.start:value.end] == value.text
        assert cited.start <= value.start < value.end <= cited.end
    assert {answer.citations[v.n - 1].doc_id for v in values} == {"wire", "paper"}
    assert answer.to_dict()["conflicts"] == [{"kind": "how much", "values": [
        {"text": v.text, "n": v.n, "start": v.start, "end": v.end} for v in values]}]


def test_a_figure_reported_again_in_other_words_is_told_newest_first(tmp_path, embedder):
    """Three reports of a reservoir, each worded its own way: "how full is it" is answered with
    the newest level first, each level with its day; asked as of an earlier day, that day's."""
    assistant = _index(tmp_path, embedder, {
        "june": "date 2025-06-02\nThe Tarnby reservoir is 71 percent full after a dry May, the "
                "water board said on Monday. Hosepipe use is discouraged.",
        "july": "date 2025-07-07\nWith no rain for five weeks, the water board said the Tarnby "
                "reservoir had fallen to 54 percent full. A hosepipe ban may follow.",
        "august": "date 2025-08-11\nTarnby's reservoir now stands at 38 percent full, its lowest "
                  "level in a decade, and a hosepipe ban starts on Friday, officials said."})
    answer = assistant.ask("How full is the Tarnby reservoir?", as_of="2025-08-20")
    (update,) = answer.conflicts
    assert [v.text for v in update.values] == ["38 percent", "54 percent", "71 percent"]
    assert answer.text.startswith(f"As of 11 August 2025, “38 percent” [{update.values[0].n}]; "
                                  f"on 7 July 2025, “54 percent” [{update.values[1].n}]")
    earlier = assistant.ask("How full is the Tarnby reservoir?", as_of="2025-07-10")
    assert earlier.text.startswith("As of 7 July 2025, “54 percent”")
    assert "38 percent" not in earlier.text


def test_a_figure_updated_on_a_later_day_is_told_newest_first_with_its_day(tmp_path, embedder):
    assistant = _index(tmp_path, embedder, {
        "first": "date 2023-09-11\n" + _DISPUTED.format(toll="At least 40"),
        "later": "date 2023-09-12\n" + _DISPUTED.format(toll="At least 65")})
    answer = assistant.ask("How many people were killed when the river burst its banks?",
                           as_of="2023-09-13")
    (conflict,) = answer.conflicts
    assert [v.text for v in conflict.values] == ["At least 65", "At least 40"]  # newest first
    first, later = (answer.citations[v.n - 1] for v in conflict.values)
    assert (first.date, later.date) == ("2023-09-12", "2023-09-11")
    assert (f"As of 12 September 2023, “At least 65” [{conflict.values[0].n}]; on 11 September "
            f"2023, “At least 40” [{conflict.values[1].n}].") in answer.text
    assert "disagree" not in answer.text
    if answer.short_answer:
        assert answer.short_answer.text == "At least 65"
    assert answer.as_of == "2023-09-13"
    early = assistant.ask("How many people were killed when the river burst its banks?",
                          as_of="2023-09-11")  # the update is not read yet
    assert "At least 65" not in early.text and "At least 40" in early.text


def test_sources_that_agree_raise_no_conflict(disputed, assistant):
    answer = disputed[0].ask("When did the central bank hold its rates?")
    assert not answer.refused and answer.conflicts == []
    assert assistant.ask("What conditions did Putin set?").conflicts == []


@pytest.fixture(scope="module")
def briefs(tmp_path_factory, embedder):
    """Three short news items from outside the seeds."""
    return _index(tmp_path_factory.mktemp("briefs"), embedder, {
        "port": "Shipping through the canal resumed on Tuesday. Egypt lifted its two-week ban on "
                "container vessels after the storm, the port authority said.",
        "games": "The 2034 Winter Games will be held in Salt Lake City, the committee announced, "
                 "after a vote in Paris on Wednesday.",
        "bank": "Inflation slowed to 2.4% in March, the statistics office said, easing pressure "
                "on the central bank."})


@pytest.mark.parametrize(("question", "short"), [
    ("Which country lifted a ban on container vessels?", "Egypt"),
    ("Which city will host the 2034 Winter Games?", "Salt Lake City"),
])
def test_a_which_question_opens_with_an_entity_of_the_type_it_asks_for(briefs, question, short):
    offered = briefs.ask(question).short_answer  # right or absent
    assert offered is None or offered.text == short
    answerer = copy.copy(briefs.answerers["extractive"])  # offering its likeliest, however sure
    answerer.config = AnswerConfig(short_confidence=0.0)
    answer = answerer.answer(briefs.evidence(question))
    assert answer.short_answer is not None and answer.short_answer.text == short
    assert answer.text.startswith(f"{short} [{answer.short_answer.n}].")


def test_a_which_question_of_no_entity_type_gets_no_short_answer(briefs):
    answer = briefs.ask("Which economic measure slowed in March?")
    assert not answer.refused and answer.short_answer is None


@pytest.mark.parametrize(("best", "exact", "coverage", "unknown", "refused"), [
    (0.9, 0.9, 1.0, False, False),   # on topic, every word in the articles
    (0.3, 0.3, 1.0, False, True),    # nothing close enough
    (0.6, 0.6, 1.0, True, True),     # a word the articles never use, and not clearly on topic
    (0.6, 0.6, 0.2, False, True),    # most of the question's words missing from the passages
    (0.95, 0.95, 0.2, True, False),  # clearly on topic all the same
    (0.45, 0.2, 1.0, False, True),   # a close call, settled by the sentences encoded alone
    (0.45, 0.7, 1.0, False, False),
])
def test_refusal_thresholds(best, exact, coverage, unknown, refused):
    config = AnswerConfig(min_score=0.42, on_topic=0.7, min_coverage=0.5, recheck=0.1)
    assert config.refuses(best, coverage, unknown, lambda: exact) is refused
    assert config.refuses(best, coverage, unknown, lambda: exact, unheard_of=True)


def test_a_rare_name_no_article_uses_is_refused_however_well_a_sentence_scores(tmp_path, embedder):
    """"How much will the zzqwertyplan cost?" of articles on what other things cost: a name
    the articles never use, nor anything like it, is a refusal; a spelling that differs a
    little ("harbor"), or a common word that is missing, leaves the rule as it was."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "bridge.txt").write_text(
        "Harbour bridge plan approved\n\nThe city council approved the harbour bridge plan on "
        "Tuesday. The plan will cost 40 million dollars, the mayor said, and work starts in spring.")
    (articles / "gym.txt").write_text(
        "School budget\n\nThe school board said the new gymnasium will cost about 12 million "
        "dollars. Parents asked how much the repairs would cost.")
    settings = Settings(home=tmp_path / "home")
    ingest([articles], settings, progress=False, embedder=embedder)
    assistant = Assistant.open(settings=settings, embedder=embedder)
    for name in ("zzqwertyplan", "Quoxtrelville bridge plan"):
        answer = assistant.ask(f"How much will the {name} cost?")
        assert answer.refused and "40 million" not in answer.text, answer.text
    answer = assistant.ask("How much will the harbor bridge plan cost?")  # like "harbour"
    assert not answer.refused and "40 million" in answer.text


@pytest.mark.parametrize(("question", "terms"), [
    ("What did the council say about the levee?", {"council", "levee"}),
    ("According to the mayor, how many buses will run?", {"mayor", "buses", "run"}),
    ("Which popular show did the network renew?", {"popular", "show", "network", "renew"}),
    ("How long did the strike last?", {"strike", "last"}),
    ("What did the union tell the dockers?", {"union", "dockers"}),  # verbs that quote
    ("Which senator announced a run for governor?", {"senator", "announced", "run", "governor"}),
    ("What does the union think the report will show?", {"union", "report"}),  # asked words
    ("Who said the port would close?", {"port", "would", "close"}),  # "said" only quotes
    ("When was the new phone announced?", {"new", "phone", "announced"}),  # the event
])
def test_a_question_is_scored_by_what_it_asks_about_not_by_the_words_that_ask(question, terms):
    assert asked_terms(question) == terms


@pytest.mark.parametrize(("question", "context", "own", "scored_by"), [
    ("Who said that?", "How long will bus fares stay frozen?", set(),
     {"bus", "fares", "stay", "frozen"}),
    ("What percentage did he report?", "Who is the harbour master?", set(), {"harbour", "master"}),
    ("And the ferries?", "How long will bus fares stay frozen?", {"ferries"}, {"ferries"}),
    ("When did the strike start?", "", {"strike", "start"}, {"strike", "start"}),
])
def test_a_follow_up_with_no_words_of_its_own_is_scored_by_the_turn_it_follows(
        question, context, own, scored_by):
    assert question_terms(question, context) == (own, scored_by)


def test_who_a_named_one_is_gets_no_other_name_for_a_short_answer(tmp_path, embedder):
    transit = _index(tmp_path, embedder, {"transit": (
        "The city council met on Monday to discuss the transit budget. “Fares will stay where "
        "they are until 2027,” says Maria Lopez, whom Mayor Tom Reyes named to run the bus "
        "network last year. Ridership rose by a tenth, the report showed.")})
    answer = transit.ask("Who is Maria Lopez?")
    assert not answer.refused and answer.short_answer is None
    assert "Maria Lopez" in answer.citations[0].quote
    assert not answer.text.startswith("Tom Reyes")


@pytest.mark.parametrize(("question", "topic"), [
    ("What happened at the Zindelport bridge?", {"zindelport", "bridge"}),
    ("How did the mayor react?", {"mayor"}),
    ("Why is the council stalling?", {"council"}),
    ("Who won the Super Bowl in 2024?", {"super", "bowl", "2024"}),
    ("What did the Chinese government say?", {"chinese", "government"}),
    ("Was the harbour tax repealed?", {"harbour", "tax"}),
    ("what is the price of oil", {"price", "oil"}),
    ("What did the council decide last month?", {"council"}),  # a time named is when, not what
    ("How much did fares rise in March 2023?", {"fares", "2023"}),
])
def test_the_topic_of_a_question_is_its_nouns_names_adjectives_and_numbers(question, topic):
    assert topic_words(question) == topic


def test_a_verb_the_articles_never_use_does_not_refuse(tmp_path, embedder):
    harbour = _index(tmp_path, embedder, {"harbour": (
        "The port authority of Zindelport raised the harbour tax by a fifth on Monday. Mayor "
        "Tom Reyes called the rise a disgrace and said the city would take the authority to "
        "court. Ferry operators warned that fares would follow.")})
    answer = harbour.ask("How did the mayor react to the harbour tax?")  # never "react"
    assert not answer.refused and "disgrace" in answer.text


_COUNCIL = ("Budget\nThe mayor spoke first at the council meeting. She was angry. Councillors "
            "voted the plan down. Aides left early.\nSport\nThe city team won its final.")


def _sentences_of(text: str) -> list[Sentence]:
    """The sentences and headings of `text`, one passage (pure logic: no model needed)."""
    spans = tuple((m.start(), m.end()) for m in re.finditer(r"[^\s.][^.\n]*\.?[”\"]?", text))
    passage = Passage("council::h::0", "council", text, 0, len(text), 1.0, 1.0, sentences=spans,
                      sentence_vectors=np.zeros((len(spans), 3)))
    return [Sentence(passage, s, e, text[s:e]) for s, e in spans]


@pytest.mark.parametrize(("picked", "quotes"), [
    # one sentence between two picked ones of a paragraph: quoted whole
    ((1, 3), ["The mayor spoke first at the council meeting. She was angry. Councillors voted "
              "the plan down."]),
    # two sentences between: two quotes
    ((1, 4), ["The mayor spoke first at the council meeting.", "Aides left early."]),
    # a heading between starts a new section: two quotes
    ((4, 6), ["Aides left early.", "The city team won its final."]),
])
def test_a_quote_broken_by_one_sentence_is_quoted_whole(picked, quotes):
    every = _sentences_of(_COUNCIL)
    answer = compose("What happened at the council?", [every[i] for i in picked], quotation=0)
    assert [c.quote for c in answer.citations] == quotes
    assert all(_COUNCIL[c.start:c.end] == c.quote for c in answer.citations)


@pytest.mark.parametrize(("text", "balance"), [
    ('He said, "We will win."', 0),
    ('"We will win.', 1),
    ('We will win," the coach said.', -1),
    ("“Stay,” she said, “and fight.”", 0),
    ("It was “the end of an era.", 1),
    ("Prices rose.” The bank’s chief economist said it’s over.", -1),
])
def test_the_quotation_marks_a_sentence_leaves_open(text, balance):
    assert quotation_balance(text) == balance


_BRIEFING = ("The minister spoke at noon. “Prices will fall. Wages will rise. Trust us,” she told "
             "reporters. Critics were unmoved.")


@pytest.mark.parametrize(("picked", "reach", "quote"), [
    (3, 3, "“Prices will fall. Wages will rise. Trust us,” she told reporters."),  # closes one
    (1, 3, "“Prices will fall. Wages will rise. Trust us,” she told reporters."),  # opens one
    (3, 1, "Trust us,” she told reporters."),  # not complete within reach: as it was
    (0, 3, "The minister spoke at noon."),
])
def test_a_quotation_is_quoted_whole_with_who_says_it(picked, reach, quote):
    every = _sentences_of(_BRIEFING)
    answer = compose("What did the minister promise?", [every[picked]], quotation=reach)
    assert [c.quote for c in answer.citations] == [quote]
