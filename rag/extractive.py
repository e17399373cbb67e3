"""The default answerer: grounded extraction, no LLM.

This is newsdesk's own idea, written by hand. From the retrieved passages it picks the
sentences that answer the question (meaning, by embedding similarity, and the question's own
words), drops repeats, orders them by article and position, and cites each one: every
sentence of the answer is a verbatim quote, so citation `[n]` is checkable to the character.
When nothing is close enough it refuses and lists the closest passages instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import NamedTuple, cast

import numpy as np

from newsdesk import conflicts, language, short, when, wording
from newsdesk.answerer import Answerer, timings
from newsdesk.citations import Sentence, passage_sentences
from newsdesk.compose import compose, refusal
from newsdesk.fitted import Fitted, default, packaged
from newsdesk.index.embed import Embedder
from newsdesk.index.english import stem, stopwords
from newsdesk.scorer import sentence_features, short_types
from newsdesk.speakers import asked_about, asking_verbs, preferences, theirs_first
from newsdesk.types import (
    Answer,
    AnswerEvent,
    Evidence,
    Passage,
    TextPiece,
    Turn,
)

_WORD = re.compile(r"[\w’']+")
_POSSESSIVE = re.compile(r"[’']s$")


@dataclass(frozen=True)
class AnswerConfig:
    """How the extractive answerer picks sentences and when it refuses.

    The defaults of `min_score`, `min_coverage`, `on_topic`, `learned_weight`, `learned_margin`,
    `short_type` and `short_confidence` are the fitted values' (`newsdesk.fitted`, rag/fitted.json, written by
    `newsdesk train`); the others are set by hand.

    Args:
        max_sentences: Most sentences in an answer.
        margin: A sentence joins the answer if it scores within this of the best one.
        min_score: Refuse when the best sentence scores less.
        min_coverage: Refuse when the passages hold less than this share of the question's
            content words and the best sentence is not clearly on topic (`newsdesk train`
            chose both on RealTimeQA train: the most unanswerable questions refused while at
            most 8% of its questions are).
        max_list_sentences, list_margin: The same for questions that ask for several things
            ("What conditions ...", "What are the reasons ...").
        on_topic: A best sentence scoring this much is answered even if some question words
            are missing from the passages, or the articles never use some of its topic words
            (`topic_words`; set by hand: train's questions rarely use words its articles
            never do).
        recheck: A best score this close to a refusal threshold is a close call: the top
            sentences are encoded on their own and scored again.
        redundancy: Cosine above which a sentence repeats one already chosen.
        carry: For list questions, the share of a sentence's score the sentence right after it
            keeps at least: an enumeration ("Putin said those questions included ... The open
            questions also include ...") runs on over sentences that alone look off topic.
        word_weight: Weight of the question's words against embedding similarity.
        shortlist, shortlist_list: Most sentences embedded per answer (list questions: the
            second, plus the sentence after each), picked by a cheap score first.
        learned_weight: Weight of the learned scorer (`newsdesk.scorer`, its log-odds) added
            to the score above when the answer's sentences are picked, among all the passages'
            sentences (the score above alone decides refusals, and picks for list questions: the
            scorer was fitted on questions with one answer); 0: the hand-set score alone.
        learned_margin: The margin when the learned scorer takes part (`newsdesk train` chose
            both on RealTimeQA train, so that answers are no longer than before).
        bridge: Most sentences of a passage quoted between two chosen ones so that they read
            as one quote, not as pieces (a quote broken by one sentence).
        quotation: Most sentences of a passage added to complete a quotation that a chosen
            sentence opens or closes, so that who says it, and all they say, is quoted.
        short_type: The least probability of an entity type, as the learned answer types read
            the question (`newsdesk.scorer.AnswerTypes`), for an entity of that type to be the
            short answer (chosen on RealTimeQA train by `newsdesk train`).
        short_confidence: The least confidence (`newsdesk.short`: the fitted probability that
            it is right) for a short answer to be offered; chosen by `newsdesk train` on
            RealTimeQA train for precision.
    """

    max_sentences: int = 4
    max_list_sentences: int = 6
    margin: float = 0.12
    list_margin: float = 0.2
    min_score: float = default("answer", "min_score")
    min_coverage: float = default("answer", "min_coverage")
    on_topic: float = default("answer", "on_topic")
    recheck: float = 0.1
    redundancy: float = 0.8
    word_weight: float = 0.3
    carry: float = 0.92
    shortlist: int = 16
    shortlist_list: int = 24
    learned_weight: float = default("answer", "learned_weight")
    learned_margin: float = default("answer", "learned_margin")
    short_type: float = default("answer", "short_type")
    short_confidence: float = default("answer", "short_confidence")
    bridge: int = 1
    quotation: int = 3

    @classmethod
    def fitted_by(cls, fitted: Fitted) -> AnswerConfig:
        """The defaults, with `fitted`'s values for the fitted ones."""
        return cls(**fitted.answer.model_dump())

    def refuses(self, best: float, coverage: float, unknown: bool,
                exact: Callable[[], float], unheard_of: bool = False) -> bool:
        """Whether to refuse, given the best sentence's hand-set score, the share of the
        question's words the passages hold and whether the corpus lacks some of them; a best
        score within `recheck` of a threshold is a close call, settled by `exact()` (the score
        with the top sentences encoded alone).

        `unheard_of`: one of the question's topic words is a rare name the corpus never uses
        nor anything spelled like it (`unheard_of`): the articles cannot be about what the
        question asks, however well a sentence scores ("How much will the zzqwertyplan cost?"
        against an article on what a bridge will cost)."""
        if unheard_of:
            return True

        def below(score: float) -> bool:
            return score < self.min_score or (
                (coverage < self.min_coverage or unknown) and score < self.on_topic)

        if below(best - self.recheck) != below(best + self.recheck):
            best = exact()
        return below(best)


class RefusalGrounds(NamedTuple):
    """What `AnswerConfig.refuses` reads: the best hand-set score, the same settled exactly,
    the coverage, whether some topic words are unknown, whether one is a rare name unheard of."""

    best: float
    exact: float
    coverage: float
    unknown: bool
    unheard_of: bool


@dataclass(frozen=True)
class Selection:
    """What an answer quotes: `chosen`, the sentences, best first (none: it is refused, for
    the `unknown` topic words if any), `gaps`, each one's score less the best one's, `every`
    sentence of the passages, the question's content words (`terms`), what a short answer
    to it may be (`wanted`), and the sentences not chosen that score within twice the margin
    of the best (`near`: where a figure told again on another day is looked for)."""

    chosen: list[Sentence]
    gaps: list[float]
    every: list[Sentence]
    terms: set[str]
    wanted: short.Wanted
    unknown: AbstractSet[str] = frozenset()
    near: list[Sentence] = field(default_factory=list)


class ExtractiveAnswerer(Answerer):
    """Answers from the passages' own sentences, each one cited.

    Args:
        embedder: The embedding model (the same one the index uses).
        config: Selection and refusal settings (default: `AnswerConfig.fitted_by(fitted)`).
        unknown_words: Which of some words the corpus never uses (refusals name them).
        unlike_words: Which of some words the corpus never uses nor anything spelled like them
            (`LexicalIndex.unlike_words`; default: as `unknown_words`).
        fitted: The learned scorer and answer types (default: the packaged fitted values).

    Raises:
        ModelMismatchError: `fitted` was fitted with another embedding model than `embedder`'s.
    """

    name = "extractive"

    def __init__(self, embedder: Embedder, config: AnswerConfig | None = None,
                 unknown_words: Callable[[set[str]], set[str]] | None = None,
                 unlike_words: Callable[[set[str]], set[str]] | None = None,
                 fitted: Fitted | None = None):
        self.fitted = fitted or packaged()
        # where the fitted values meet the embedder: its name now, its vectors' length when
        # the answer types read them (`answer_types`), as asking it would load the model
        self.fitted.check_model(embedder.name)
        self.embedder = embedder
        self.config = config or AnswerConfig.fitted_by(self.fitted)
        self.unknown_words = unknown_words or (lambda words: set())
        self.unlike_words = unlike_words or self.unknown_words

    def stream(self, evidence: Evidence) -> Iterator[AnswerEvent]:
        """The answer comes whole: one `TextPiece`, then the `Answer`."""
        started = time.perf_counter()
        answer = self._answer(evidence.question, list(evidence.passages), evidence.context,
                              evidence.vectors, evidence.as_of, evidence.history)
        yield TextPiece(answer.text)
        yield replace(answer, timings_ms=timings(evidence, started))

    def _answer(self, question: str, passages: list[Passage], context: str,
                asked: np.ndarray | None = None, as_of: str = "",
                history: Sequence[Turn] = ()) -> Answer:
        picked = self.select(question, passages, context, asked, as_of, history)
        if not picked.chosen:
            return refusal(question, passages, picked.unknown)
        disputes = conflicts.find(question, picked.chosen, picked.every, picked.wanted.types)
        # The words that ask count here: "how full" asks for the amount "38 percent full".
        disputes += conflicts.updates(question, picked.chosen, picked.near,
                                      picked.terms | content_terms(question),
                                      picked.wanted.likeliest(), when.named_window(question, as_of),
                                      disputes)
        found = short.candidates(question, picked.wanted, picked.chosen, picked.gaps, picked.terms,
                                 picked.every)
        best = short.pick(found, self.fitted.short_answer, self.config.short_confidence)
        return compose(question, picked.chosen, disputes, best, self.config.quotation,
                       self.config.bridge)

    def select(self, question: str, passages: list[Passage], context: str = "",
               asked: np.ndarray | None = None, as_of: str = "",
               history: Sequence[Turn] = ()) -> Selection:
        """The sentences the answer to `question` quotes, best first (none: it is refused),
        with what the short answer reads (`Selection`); `history`: the conversation before."""
        own, terms = question_terms(question, context)
        several = asks_for_several(question)
        every = passage_sentences(passages)
        sentences = self._shortlist(every, terms, several)
        if not sentences:
            return Selection([], [], every, terms, short.Wanted("", ()))
        speakers = asked_about(question, history, several)
        scores, vectors = self._scores(question, context, sentences, terms, several, asked,
                                       speakers)
        coverage = _coverage(terms | asked_terms(context), passages)
        unknown = self.unknown_words(own & topic_words(question))
        if unknown:  # "the invasion" of articles that say "invaded" is not unknown
            unknown -= wording.told_otherwise(unknown, [p.text for p in passages] +
                                              [t.content for t in history], self.embedder)
        config = self.config
        if config.refuses(float(scores.max()), coverage, bool(unknown), lambda: self._exact_best(
                question, context, sentences, scores, terms, several, asked, speakers),
                bool(self.unheard_of(unknown))):
            return Selection([], [], every, terms, short.Wanted("", ()), frozenset(unknown))
        margin = config.list_margin if several else config.margin
        if config.learned_weight and not several and all(s.vector is not None for s in every):
            margin = config.learned_margin
            sentences, scores, vectors = every, *self._scores(question, context, every, terms,
                                                               several, asked, speakers)
            scorer = self.fitted.sentence_scorer
            asked = asked if asked is not None else self.embedder.embed(
                [question, f"{question} {context}"] if context else [question])
            scores = scores + config.learned_weight * scorer.score(
                question_features(question, every, asked, scorer.kinds, context, as_of))
        if speakers and not several:
            scores = theirs_first(scores, preferences(speakers, sentences))
        chosen = self._choose(sentences, scores, vectors, several, margin)
        wanted = short.Wanted("", ()) if several else self.wanted(question, asked)
        near = [sentences[i] for i in np.argsort(-scores)
                if scores[i] >= scores[chosen[0]] - 2 * margin and i not in chosen]
        return Selection([sentences[i] for i in chosen],
                         [float(scores[i] - scores[chosen[0]]) for i in chosen], every, terms,
                         wanted, near=near)

    def refusal_grounds(self, question: str, passages: list[Passage], asked: np.ndarray,
                        unknown_words: Callable[[set[str]], set[str]] | None = None
                        ) -> RefusalGrounds | None:
        """What `AnswerConfig.refuses` reads for `question` (no earlier turn) over `passages`,
        with its topic words (`topic_words`) unknown to `unknown_words` (default the corpus's);
        None without sentences."""
        terms, several = asked_terms(question), asks_for_several(question)
        sentences = self._shortlist(passage_sentences(passages), terms, several)
        if not sentences:
            return None
        scores = self._scores(question, "", sentences, terms, several, asked)[0]
        exact = self._exact_best(question, "", sentences, scores, terms, several, asked)
        unknown = (unknown_words or self.unknown_words)(terms & topic_words(question))
        return RefusalGrounds(float(scores.max()), exact, _coverage(terms, passages),
                              bool(unknown), bool(self.unheard_of(unknown)))

    def unheard_of(self, unknown: set[str]) -> set[str]:
        """Of the `unknown` topic words, the rare names: words the embedding model spells out in
        word pieces (its vocabulary holds common words whole, so it cannot tell what such a word
        means) that nothing in the corpus resembles (`unlike_words`); numbers are not names."""
        rare = {w for w in unknown if not any(ch.isdigit() for ch in w)}
        rare = {w for w, pieces in zip(rare, self.embedder.count_tokens(list(rare)), strict=True)
                if pieces > 1}
        return self.unlike_words(rare) if rare else set()

    def wanted(self, question: str, asked: np.ndarray | None = None) -> short.Wanted:
        """What a short answer to `question` may be (`short.Wanted`): the entity types its
        question word names or, failing that, those the learned answer types
        (`scorer.AnswerTypes`) find likely (`scorer.short_types`), with the probability of each,
        read from the vectors of the question (`asked[0]`, if made) and of its question phrase
        ("Which company"); none for a question that asks who or what a named one is."""
        words = language.read_question(question)
        if words.identity:  # "Who is Steve Witkoff?": a description answers, not another name
            return short.Wanted(words.kind, ())
        texts = [words.phrase] if asked is not None else [question, words.phrase]
        vectors = self.embedder.embed(texts)
        question_vector = asked[0] if asked is not None else vectors[0]
        self.fitted.check_model(self.embedder.name, len(question_vector))
        likely = self.fitted.answer_types.likely(question_vector, vectors[-1])
        return short.Wanted(words.kind, short_types(words.kind, likely, self.config.short_type),
                            likely)

    def _shortlist(self, sentences: list[Sentence], terms: set[str], several: bool) -> list[Sentence]:
        """The sentences worth embedding, in reading order.

        Embedding every sentence of every passage is most of the time an answer takes. A cheap
        score (the passage's similarity plus the question's words in the sentence) keeps the
        likely ones; for list questions, with the sentence after each, where enumerations go on.
        """
        most = self.config.shortlist_list if several else self.config.shortlist
        if len(sentences) <= most:
            return sentences
        rough = np.array([s.passage.similarity + self.config.word_weight * _overlap(terms, s.text)
                          for s in sentences])
        keep = set(np.argsort(-rough)[:most].tolist())
        if several:
            keep |= {i + 1 for i in keep if i + 1 < len(sentences)
                     and sentences[i + 1].passage is sentences[i].passage}
        return [s for i, s in enumerate(sentences) if i in keep]

    def _scores(self, question: str, context: str, sentences: list[Sentence], terms: set[str],
                several: bool, asked: np.ndarray | None = None,
                speakers: set[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Each sentence's score, and its vector. `asked`: the question's vectors, if made;
        `speakers`: whose words it asks for (`speakers.asked_about`; default: those it names)."""
        queries = [question, f"{question} {context}"] if context else [question]
        missing = [s.text for s in sentences if s.vector is None]
        fresh = iter(self.embedder.embed((queries if asked is None else []) + missing))
        asked = np.stack([next(fresh) for _ in queries]) if asked is None else asked
        mine = np.stack([next(fresh) if s.vector is None else s.vector for s in sentences])
        meaning = (mine @ asked.T).max(axis=1)
        words = np.array([_overlap(terms, s.text) for s in sentences])
        speakers = asked_about(question, (), several) if speakers is None else speakers
        bonus = np.array([_type_bonus(question, s.text) for s in sentences])
        bonus += preferences(speakers, sentences)
        scores = meaning + self.config.word_weight * words + bonus
        if several:
            scores = _carry_forward(sentences, scores, self.config.carry)
        return scores, mine

    def hand_set_scores(self, question: str, sentences: list[Sentence],
                        asked: np.ndarray | None = None) -> np.ndarray:
        """The hand-set score of each sentence (what `newsdesk train` fits the learned one
        against); `asked`: the question's vectors, if made."""
        terms, several = asked_terms(question), asks_for_several(question)
        return self._scores(question, "", sentences, terms, several, asked)[0]

    def _exact_best(self, question: str, context: str, sentences: list[Sentence],
                    scores: np.ndarray, terms: set[str], several: bool,
                    asked: np.ndarray | None = None, speakers: set[str] | None = None) -> float:
        """The best score with the top sentences encoded on their own, for a close call.

        Stored vectors are pooled in the context of their chunk, which draws the scores of a
        chunk's sentences together; alone, a sentence says only what it says.
        """
        top = [replace(sentences[i], vector=None) for i in np.argsort(-scores)[:3]]
        return float(self._scores(question, context, top, terms, several, asked,
                                  speakers)[0].max())

    def _choose(self, sentences: list[Sentence], scores: np.ndarray, vectors: np.ndarray,
                several: bool, margin: float) -> list[int]:
        """Best sentences within `margin` of the best, skipping ones that repeat a chosen one."""
        config = self.config
        most = config.max_list_sentences if several else config.max_sentences
        order = np.argsort(-scores)
        floor = scores[order[0]] - margin
        chosen: list[int] = []
        said: set[str] = set()
        for i in order:
            if scores[i] < floor or len(chosen) >= most:
                break
            words = content_terms(sentences[i].text)
            similar = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            # A close paraphrase is a repeat unless it also brings words of its own.
            if similar < config.redundancy or len(words - said) > len(words) / 2:
                chosen.append(int(i))
                said |= words
        return chosen


def question_features(question: str, sentences: list[Sentence], asked: np.ndarray,
                      kinds: tuple[str, ...], context: str = "", as_of: str = ""
                      ) -> dict[str, np.ndarray]:
    """The sentence scorer's features of `sentences` (which carry their vectors) for `question`
    (`asked`: its vectors, as `Evidence.vectors`; `context`: the earlier turn it follows;
    `as_of`: the day it is asked as of, "" for none)."""
    meaning = (np.stack([cast(np.ndarray, s.vector) for s in sentences]) @ asked.T).max(axis=1)
    terms = asked_terms(question) | asked_terms(context)
    overlap = np.array([_overlap(terms, s.text) for s in sentences])
    words = {w.lower() for w in _WORD.findall(f"{question} {context}")}
    ages = when.ages([s.passage.date for s in sentences], question, as_of)
    return sentence_features(language.read_question(question), words, sentences, meaning,
                             overlap, kinds, ages)


def question_terms(question: str, context: str = "") -> tuple[set[str], set[str]]:
    """The question's own content words, and the words its answer is scored by: its own, or for
    a follow-up with none ("Who said that?"), those of the turn it follows (`context`), whose
    words were checked for being known when it was asked."""
    own = asked_terms(question)
    return own, own or asked_terms(context)


def topic_words(question: str) -> set[str]:
    """The question's content words that name what it is about (`language.Words.topical`:
    nouns, names, adjectives, numbers): a refusal weighs those the articles never use. A verb
    the articles lack ("What happened at ...?", "How did she react?") does not tell that they
    cannot answer: the sentences are scored for what it asks. Nor do the words of a time it
    names ("last month", "in March"): that is when, not what (`newsdesk.when`; its numbers, a
    year, still count)."""
    timely = {word for word in content_terms(" ".join(words for _, _, words in
                                                       language.times(question)))
              if not any(c.isdigit() for c in word)}
    words = language.read_question(question)
    return content_terms(" ".join(words.topical)) - timely - words.asking


def content_terms(text: str) -> set[str]:
    """The lower-cased words of `text` that carry its topic (not stopwords)."""
    words = {_POSSESSIVE.sub("", w.strip("’'").lower()) for w in _WORD.findall(text)}
    return {w for w in words if w and w not in stopwords()}


def asked_terms(question: str) -> set[str]:
    """The content words of `question` (`content_terms`) less those that ask, not what about:
    its question word, the word "how" asks the degree of ("much", "long":
    `language.Words.asking`), and its verbs of speech that ask for someone's words ("say",
    "according": `speakers.asking_verbs`). "" has none."""
    if not question:
        return set()
    return content_terms(question) - language.read_question(question).asking - \
        asking_verbs(question)


def _holds_a_figure(question: str, sentence: str) -> bool:
    """Whether `sentence` holds a figure (a digit) for a question that asks when or how much
    (`Words.kind`, as spaCy reads the question). Cheap on purpose: every sentence of the
    passages is scored; the short answer's stage reads the entity types of the few quoted."""
    return (language.read_question(question).kind in ("when", "how much")
            and any(c.isdigit() for c in sentence))


def _carry_forward(sentences: list[Sentence], scores: np.ndarray, carry: float) -> np.ndarray:
    """Let each sentence keep at least `carry` times the score of the one right before it."""
    order = sorted(range(len(sentences)), key=lambda i: (sentences[i].passage.doc_id,
                                                         sentences[i].start))
    carried = scores.copy()
    for before, after in zip(order, order[1:], strict=False):
        a, b = sentences[before], sentences[after]
        if a.passage.doc_id == b.passage.doc_id and 0 <= b.start - a.end <= 2:
            carried[after] = max(carried[after], carry * carried[before])
    return carried


def asks_for_several(question: str) -> bool:
    """Whether the question asks for a list ("What conditions ...", "What are the ..."; not
    "What is ...", "How many people ..."), as spaCy's tags tell (`newsdesk.language`)."""
    return language.read_question(question).plural


def _overlap(terms: set[str], text: str) -> float:
    if not terms:
        return 0.0
    words = {w.strip("’'").lower() for w in _WORD.findall(text)}
    stems = {stem(w) for w in words}  # "visit" is in "visited"
    return sum(1 for t in terms if t in words or stem(t) in stems or any(
        w.startswith(t[:5]) for w in words if len(t) > 5)) / len(terms)


def _coverage(terms: set[str], passages: list[Passage]) -> float:
    """Share of `terms` that appear anywhere in the passages."""
    if not terms:
        return 1.0
    return _overlap(terms, " ".join(p.text for p in passages))


def _type_bonus(question: str, sentence: str) -> float:
    """A little extra for a sentence that holds the kind of thing asked for (whose words it
    is: `speakers.preferences`)."""
    return 0.08 if _holds_a_figure(question, sentence) else 0.0
