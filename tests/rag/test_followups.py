"""Conversations over articles written here (none from the seeds), with the real model and a
real Chroma index: no follow-up is refused, its pronouns point to the right one, and "what did
she say" quotes her. The events are asked about with nouns the articles tell with verbs."""

import pytest

from newsdesk import Assistant, conversation, speakers, wording
from newsdesk.core.settings import Settings
from newsdesk.index.ingest import ingest
from newsdesk.types import Turn

ARTICLES = {
    "kendu": (
        "President visits flooded Kendu\n\nPresident Amara Osei visited the flooded town of "
        "Kendu on Tuesday. She toured the relief camps by the river and met families who lost "
        "their homes. “We will rebuild every school before the rains return,” Osei told "
        "reporters in Kendu. The regional governor, Samuel Ndege, was less hopeful. “People "
        "waited four days for clean water, and the pumps still do not work,” Ndege said."),
    "rasko": (
        "Troops leave Rasko\n\nGovernment troops withdrew from the border town of Rasko on "
        "Friday, the defence ministry said. The soldiers left their positions after three weeks "
        "of shelling. General Lena Varga said the last unit crossed the Mora river at dawn. "
        "“Not one soldier was left behind,” Varga told the state broadcaster. A local priest, "
        "Father Jonas Petrik, said that most families had fled weeks before."),
    "tellin": (
        "Kowal wins in Tellin\n\nVoters in the province of Tellin elected Marta Kowal as "
        "governor on Sunday. Kowal won 54 percent of the vote, the electoral commission said. "
        "Her rival, Piotr Zalewski, conceded late in the evening and called for calm. “The "
        "people have chosen change, and I will not waste it,” Kowal said at her victory rally "
        "in the old market square."),
    "depot": (
        "Depot set alight\n\nArmed men attacked a fuel depot outside Ostrava Nova on Wednesday "
        "night and set two tanks on fire. The blaze burned until morning. Police chief Irena "
        "Halas said two guards were injured and taken to the city hospital. Nobody has claimed "
        "responsibility."),
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory, embedder) -> Assistant:
    folder = tmp_path_factory.mktemp("followups")
    articles = folder / "articles"
    articles.mkdir()
    for name, text in ARTICLES.items():
        (articles / f"{name}.txt").write_text(text, encoding="utf-8")
    settings = Settings(home=folder / "home")
    report = ingest([articles], settings, progress=False, embedder=embedder)
    assert report.new == len(ARTICLES) and not report.problems
    return Assistant.open(settings=settings, embedder=embedder)


# Each conversation: its questions, each with a phrase its answer must quote (for what someone
# said, their words), and the names its pronouns must point to.
CONVERSATIONS = {
    "a visit, then what she said during it": [
        ("Who went to Kendu on Tuesday?", "Amara Osei visited", ()),
        ("What did she tell reporters?", "We will rebuild every school", ("Amara Osei",)),
        ("What did she tour there?", "toured the relief camps", ("Amara Osei",)),
    ],
    "a withdrawal told as 'withdrew'": [
        ("Where did the government troops withdraw from?", "withdrew from the border town", ()),
        ("When did the withdrawal happen?", "on Friday", ()),
        ("What did the general say about it?", "Lena Varga said the last unit crossed", ()),
    ],
    "an election told as 'elected'": [
        ("Who became governor of Tellin?", "elected Marta Kowal", ()),
        ("What did she say at her rally after the election?", "The people have chosen change",
         ("Marta Kowal",)),
        ("How much of the vote did she win in the election?", "54 percent", ("Marta Kowal",)),
    ],
    "an attack told as 'attacked'": [
        ("What happened at the fuel depot outside Ostrava Nova?", "attacked a fuel depot", ()),
        ("Where were the injured taken after the attack?", "taken to the city hospital", ()),
        ("Who said that?", "Irena Halas", ()),
    ],
    "the speaker after another speaker": [
        ("What did Samuel Ndege say about the water?", "People waited four days", ()),
        ("And what did the president say?", "We will rebuild every school", ()),
    ],
}


@pytest.mark.parametrize("turns", CONVERSATIONS.values(), ids=CONVERSATIONS.keys())
def test_no_follow_up_is_refused_and_each_quotes_what_it_asks(desk, turns):
    history: list[dict] = []
    for question, quoted, people in turns:
        answer = desk.ask(question, history=history)
        assert not answer.refused, (question, answer.text)
        assert any(quoted in c.quote for c in answer.citations), (question, answer.text)
        if people:
            asked = conversation.people(question, [Turn(**t) for t in history])
            assert asked == list(people), question
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer.text}]


VISIT = (Turn("user", "Who went to Kendu on Tuesday?"),
         Turn("assistant", "President Amara Osei visited the flooded town of Kendu on Tuesday [1]."))
RASKO = (Turn("user", "What did the defence ministry say about Rasko?"),
         Turn("assistant", "Government troops withdrew from the border town of Rasko on Friday, "
                           "the defence ministry said [1]."))

HELP = (Turn("user", "Who helped the families of Rasko?"),
        Turn("assistant", "The Red Cross sent doctors to Rasko on Saturday [1]."))


@pytest.mark.parametrize(("history", "question", "leans_on"), [
    (VISIT, "What did she promise?", "Amara Osei"),  # she: the person the answer named
    (VISIT, "How long did she stay there?", "Kendu"),  # there: the place named last
    (HELP, "Where did they go next?", "The Red Cross"),  # they: the group the answer named
    (RASKO, "When was that?", RASKO[0].content),  # that: the turn before
    (RASKO, "Who ordered the withdrawal?", RASKO[1].content),  # "withdrew", by stem
    (VISIT, "Who paid for the visit?", VISIT[1].content),  # "visited"
])
def test_a_follow_up_leans_on_what_the_earlier_turns_named(history, question, leans_on):
    assert leans_on in conversation.context(question, history)


def test_a_noun_no_earlier_turn_tells_of_leans_on_nothing():
    assert conversation.context("Who won the election in Ghana?", VISIT) == ""


@pytest.mark.parametrize(("word", "text", "told"), [
    ("invasion", "The army invaded the north in May.", True),
    ("withdrawal", "Troops withdrew from the town.", True),
    ("explosion", "A gas tank exploded near the station.", True),
    ("decision", "The court decided to wait.", True),
    ("invasion", "The form was invalid.", False),  # begins alike, means something else
    ("departure", "The department closed.", False),
    ("trip", "The minister visited the port.", False),  # close in meaning, another word
    ("oil", "Gas prices rose again.", False),
])
def test_a_word_told_in_another_form(embedder, word, text, told):
    assert (word in wording.told_otherwise({word}, [text], embedder)) is told


def test_a_question_about_something_the_articles_never_tell_is_still_refused(desk):
    answer = desk.ask("What did the president say about the vaccine?")
    assert answer.refused



DAN = (Turn("user", "What did Dan Miller say about the harbour tax?"),)


@pytest.mark.parametrize(("question", "history", "speaker"), [
    ("What did Zelensky say about the drones?", (), {"zelensky"}),
    ("What does he think the mayor will do?", DAN, {"dan", "miller"}),  # he, not the mayor
    ("What did she say during the visit?", VISIT, {"amara", "osei"}),
    ("What did China say about the talks?", (), {"china"}),  # no person: the country
    ("Who visited Kendu?", VISIT, set()),  # asks for nobody's words
    ("What does the reporter think Osei will do?", (), set()),  # the reporter, not a name
    ("What happened, according to Irena Halas?", (), {"irena", "halas"}),
    ("According to Maria Lopez, when will the fares rise?", (), {"maria", "lopez"}),
    ("What does Chen Wei believe the tariff will do?", (), {"chen", "wei"}),
    ("What did the report find about Osei?", (), set()),  # "report", a noun, is nobody's words
    ("Which popular show did Netflix renew?", (), set()),  # "show", a noun, asks for no words
    ("Which Democratic senator announced a run?", (), set()),  # the event, not their words
])
def test_whose_words_a_question_asks_for(question, history, speaker):
    assert speakers.asked_about(question, history) == speaker
