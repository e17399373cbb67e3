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
from typing import Any, NamedTuple, cast

import numpy as np

from newsdesk import conflicts, language, when, wording
from newsdesk.answerer import Answerer, timings
from newsdesk.citations import Citations, Sentence, passage_sentences, sentence_spans_of
from newsdesk.fitted import Fitted, packaged
from newsdesk.index.embed import Embedder
from newsdesk.index.english import stem, stopwords
from newsdesk.scorer import sentence_features, short_types
from newsdesk.speakers import asked_about, preferences, theirs_first
from newsdesk.types import (
    Answer,
    AnswerEvent,
    AnswerSentence,
    Citation,
    Conflict,
    Evidence,
    Passage,
    ShortAnswer,
    TextPiece,
    Turn,
)

_WORD = re.compile(r"[\w’']+")
_SENTENCE_ENDS = tuple(".!?:\"”’'")
_POSSESSIVE = re.compile(r"[’']s$")
# Words that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = frozenset("""
    what which who whom whose when where why how much many did does do said say says tell told
    according article articles mention mentioned report reported long much many percentage percent
    describe described really author writer""".split())
_NUMBER_QUESTION = re.compile(r"^\s*(how (much|many|long|far|big|large|old)|what (percentage|"
                              r"percent|share|proportion|number|fraction))\b", re.I)
_DATE_QUESTION = re.compile(r"^\s*(when|what (day|date|year|month|time))\b", re.I)
_NUMBER = re.compile(r"(?:about |around |nearly |almost |over |more than )?\d[\d,.]*\s?(?:%|"
                     r"percent|per cent|km|kilometers|miles|million|billion|thousand|hundred|"
                     r"days?|weeks?|months?|years?)?(?:\s\([^)]{1,20}\))?(?: of (?:the |its )?\w+)?",
                     re.I)
_DATE = re.compile(r"\b(?:on |last |this |next )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
                   r"Saturday|Sunday|January|February|March|April|May|June|July|August|September|"
                   r"October|November|December|\d{4})(?: \d{1,2}(?!\d)(?:, \d{4})?| \d{4})?", re.I)


def _fitted(name: str) -> Any:
    """A default that `newsdesk train` chose: read from the fitted values (`newsdesk.fitted`)."""
    return field(default_factory=lambda: getattr(packaged().answer, name))


@dataclass(frozen=True)
class AnswerConfig:
    """How the extractive answerer picks sentences and when it refuses.

    The defaults of `min_score`, `min_coverage`, `on_topic`, `learned_weight`, `learned_margin`
    and `short_type` are the fitted values' (`newsdesk.fitted`, rag/fitted.json, written by
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
    """

    max_sentences: int = 4
    max_list_sentences: int = 6
    margin: float = 0.12
    list_margin: float = 0.2
    min_score: float = _fitted("min_score")
    min_coverage: float = _fitted("min_coverage")
    on_topic: float = _fitted("on_topic")
    recheck: float = 0.1
    redundancy: float = 0.8
    word_weight: float = 0.3
    carry: float = 0.92
    shortlist: int = 16
    shortlist_list: int = 24
    learned_weight: float = _fitted("learned_weight")
    learned_margin: float = _fitted("learned_margin")
    short_type: float = _fitted("short_type")
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
        own, terms = question_terms(question, context)
        several = asks_for_several(question)
        every = passage_sentences(passages)
        sentences = self._shortlist(every, terms, several)
        if not sentences:
            return _refusal(question, passages)
        speakers = asked_about(question, history, several)
        scores, vectors = self._scores(question, context, sentences, terms, several, asked,
                                       speakers)
        coverage = _coverage(terms | content_terms(context), passages)
        unknown = self.unknown_words(own & topic_words(question))
        if unknown:  # "the invasion" of articles that say "invaded" is not unknown
            unknown -= wording.told_otherwise(unknown, [p.text for p in passages] +
                                              [t.content for t in history], self.embedder)
        config = self.config
        if config.refuses(float(scores.max()), coverage, bool(unknown), lambda: self._exact_best(
                question, context, sentences, scores, terms, several, asked, speakers),
                bool(self.unheard_of(unknown))):
            return _refusal(question, passages, unknown)
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
        chosen = [sentences[i] for i in self._choose(sentences, scores, vectors, several, margin)]
        types = () if several else self.answer_types(question, asked)
        disputes = conflicts.find(question, chosen, every, types)
        return _compose(question, chosen, terms, disputes, types, config)

    def refusal_grounds(self, question: str, passages: list[Passage], asked: np.ndarray,
                        unknown_words: Callable[[set[str]], set[str]] | None = None
                        ) -> RefusalGrounds | None:
        """What `AnswerConfig.refuses` reads for `question` (no earlier turn) over `passages`,
        with its topic words (`topic_words`) unknown to `unknown_words` (default the corpus's);
        None without sentences."""
        terms, several = content_terms(question), asks_for_several(question)
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

    def answer_types(self, question: str, asked: np.ndarray | None = None) -> tuple[str, ...]:
        """The entity types a short answer to `question` may be (`scorer.short_types`), read
        from its question word or, failing that, the vectors of the question (`asked[0]`, if
        made) and of its question phrase ("Which company"); none for a question that asks who
        or what a named one is."""
        words, likely = language.read_question(question), {}
        if words.identity:  # "Who is Steve Witkoff?": a description answers, not another name
            return ()
        if words.kind not in language.ANSWER_TYPES:
            texts = [words.phrase] if asked is not None else [question, words.phrase]
            vectors = self.embedder.embed(texts)
            question_vector = asked[0] if asked is not None else vectors[0]
            self.fitted.check_model(self.embedder.name, len(question_vector))
            likely = self.fitted.answer_types.likely(question_vector, vectors[-1])
        return short_types(words.kind, likely, self.config.short_type)

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
        bonus = np.array([_type_bonus(question, s.text, terms) for s in sentences])
        bonus += preferences(speakers, sentences)
        scores = meaning + self.config.word_weight * words + bonus
        if several:
            scores = _carry_forward(sentences, scores, self.config.carry)
        return scores, mine

    def hand_set_scores(self, question: str, sentences: list[Sentence],
                        asked: np.ndarray | None = None) -> np.ndarray:
        """The hand-set score of each sentence (what `newsdesk train` fits the learned one
        against); `asked`: the question's vectors, if made."""
        terms, several = content_terms(question), asks_for_several(question)
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
    terms = content_terms(f"{question} {context}")
    overlap = np.array([_overlap(terms, s.text) for s in sentences])
    words = {w.lower() for w in _WORD.findall(f"{question} {context}")}
    ages = when.ages([s.passage.date for s in sentences], question, as_of)
    return sentence_features(language.read_question(question), words, sentences, meaning,
                             overlap, kinds, ages)


def question_terms(question: str, context: str = "") -> tuple[set[str], set[str]]:
    """The question's own content words, and the words its answer is scored by: its own, or for
    a follow-up with none ("Who said that?"), those of the turn it follows (`context`), whose
    words were checked for being known when it was asked."""
    own = content_terms(question)
    return own, own or content_terms(context)


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
    return content_terms(" ".join(language.read_question(question).topical)) - timely


def content_terms(text: str) -> set[str]:
    """The lower-cased words of `text` that carry its topic."""
    words = {_POSSESSIVE.sub("", w.strip("’'").lower()) for w in _WORD.findall(text)}
    return {w for w in words if w and w not in stopwords() and w not in _QUESTION_WORDS}


def _number_or_date(question: str, sentence: str, terms: set[str] | None = None) -> str:
    """A number or date that directly answers `question`, found in `sentence`, else "".

    Of several candidates, the one nearest to the question's words in the sentence wins.
    """
    if _NUMBER_QUESTION.search(question):
        pattern = _NUMBER
    elif _DATE_QUESTION.search(question):
        pattern = _DATE
    else:
        return ""
    asked = question.lower()
    lowered = sentence.lower()
    anchors = [m.start() for t in (terms or content_terms(question))
               for m in re.finditer(re.escape(t[:6]), lowered)]
    best, distance = "", len(sentence) + 1
    for match in pattern.finditer(sentence):
        value = match.group().strip(" ,.")
        if not value or value.lower() in asked:
            continue
        gap = min((abs(a - match.start()) for a in anchors), default=len(sentence))
        if gap < distance:
            best, distance = value, gap
    return best


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


def _type_bonus(question: str, sentence: str, terms: set[str]) -> float:
    """A little extra for a sentence that holds the kind of thing asked for (whose words it
    is: `speakers.preferences`)."""
    return 0.08 if _number_or_date(question, sentence, terms) else 0.0


def _compose(question: str, chosen: list[Sentence], terms: set[str],
             disputes: Sequence[list[tuple[Sentence, int, int]]] = (),
             types: Sequence[str] = (), config: AnswerConfig | None = None) -> Answer:
    """Complete the quotations the sentences open or close, order them by article and position,
    fill gaps of a sentence or so between them (`config.quotation`, `config.bridge`), merge
    neighbours, and cite them; open with the short answer held by the best sentence that holds
    an entity of one of `types` (the likely answer types), then with the values the sources
    disagree on (`conflicts.find`), each cited."""
    config = config or AnswerConfig()
    first_seen: dict[str, int] = {}
    for rank, sentence in enumerate(chosen):
        first_seen.setdefault(sentence.passage.doc_id, rank)
    whole = _with_quotations(chosen, config.quotation)
    ordered = sorted(whole, key=lambda s: (first_seen[s.passage.doc_id], s.start))
    quotes = _merge_neighbours(_bridged(ordered, config.bridge))
    extra = [s for dispute in disputes for s, _, _ in dispute
             if not any(_holds(quote, s) for quote in quotes)]
    extra = list({s.key: s for s in extra}.values())
    citations = Citations()
    numbered = [(quote, citations.cite(quote)) for quote in quotes + extra]
    lines = [f"{quote.text} [{n}]" for quote, n in numbered]

    def cited(sentence: Sentence, start: int, end: int) -> ShortAnswer:
        n = next(n for quote, n in numbered if _holds(quote, sentence))
        return ShortAnswer(sentence.text[start:end], n, sentence.start + start,
                           sentence.start + end)

    found = next(((s, span) for s in chosen if (span := _short_span(question, s, terms, types))),
                 None)
    short = cited(found[0], *found[1]) if found else None
    disagreements = [Conflict(conflicts.kind_of(dispute), tuple(cited(*v) for v in
                                                                _newest_first(dispute)))
                     for dispute in disputes]
    if disagreements:
        lines.insert(0, " ".join(_disagreement(c, citations.all()) for c in disagreements))
        for conflict in disagreements:  # a figure updated since: the newest one answers
            if short and _dated_apart(conflict, citations.all()) and any(
                    v.n == short.n and v.start < short.end and short.start < v.end
                    for v in conflict.values):
                short = conflict.values[0]
    if short:
        lines.insert(0, f"{short.text} [{short.n}].")
    return Answer(question=question, text="\n\n".join(lines), refused=False,
                  citations=citations.all(), short_answer=short, conflicts=disagreements,
                  sentences=[AnswerSentence(quote.text, [n]) for quote, n in numbered])


def _newest_first(dispute: list[tuple[Sentence, int, int]]) -> list[tuple[Sentence, int, int]]:
    """The values in dispute, those of the newest articles first (undated ones last), when
    their articles were written on different days; else as found."""
    days = [s.passage.date[:10] for s, _, _ in dispute]
    if len(set(days)) < 2:
        return dispute
    return sorted(dispute, key=lambda value: value[0].passage.date[:10] or "0", reverse=True)


def _dated_apart(conflict: Conflict, cited: Sequence[Citation]) -> bool:
    """Whether the values in dispute were written on different days (a figure updated)."""
    dates = {c.n: c.date[:10] for c in cited}
    return len({dates.get(v.n, "") for v in conflict.values}) == len(conflict.values) and \
        all(dates.get(v.n) for v in conflict.values)


def _disagreement(conflict: Conflict, cited: Sequence[Citation]) -> str:
    """The line that tells the values in dispute: each with its article's day, newest first,
    when they were written on different days ("As of 10 March 2024, “9,500” [1]; on 6 March
    2024, “4,800” [2]."), else as sources that disagree."""
    if not _dated_apart(conflict, cited):
        return "The sources disagree: " + ", ".join(f"“{v.text}” [{v.n}]" for v in conflict.values) + "."
    dates = {c.n: c.date for c in cited}
    told = [f"{'as of' if i == 0 else 'on'} {when.spoken(dates[v.n])}, “{v.text}” [{v.n}]"
            for i, v in enumerate(conflict.values)]
    return "; ".join(told)[0].upper() + "; ".join(told)[1:] + "."


def _short_span(question: str, sentence: Sentence, terms: set[str],
                types: Sequence[str]) -> tuple[int, int] | None:
    """The span of `sentence` that answers `question` in a few words: a named entity of one of
    `types` that the question does not already name, of the best rank
    (`language.answer_spans`), then the nearest to the question's words; None if there is
    none."""
    if not types:
        return None
    asked = question.lower()
    spans = [span for span in language.answer_spans("", sentence.text, types)
             if sentence.text[span[0]:span[1]].lower() not in asked]
    if not spans:
        return None
    lowered = sentence.text.lower()
    anchors = [m.start() for t in terms for m in re.finditer(re.escape(t[:6]), lowered)]
    start, end, _ = min(spans, key=lambda span: (span[2], min(
        (abs(a - span[0]) for a in anchors), default=span[0])))
    return start, end


def _holds(quote: Sentence, sentence: Sentence) -> bool:
    """Whether `quote` (sentences merged into one) begins `sentence` or runs over its start."""
    return quote.passage.doc_id == sentence.passage.doc_id and quote.start <= sentence.start < quote.end


def _with_quotations(chosen: list[Sentence], most: int) -> list[Sentence]:
    """`chosen`, each followed by the sentences of its passage (at most `most`) that complete a
    quotation it opens or closes; a quotation not complete within them adds none."""
    found: dict[tuple[str, int], Sentence] = {}
    for sentence in chosen:
        found.setdefault(sentence.key, sentence)
        passage, balance = sentence.passage, _quotation_balance(sentence.text)
        if not balance or not most:
            continue
        spans = sentence_spans_of(passage)
        at = next((i for i, (start, _) in enumerate(spans) if start == sentence.start), None)
        if at is None:
            continue
        step = 1 if balance > 0 else -1
        onward = spans[at + 1:] if step > 0 else spans[:at][::-1]
        added = []
        for start, end in onward[:most]:
            added.append(Sentence.at(passage, start, end))
            balance += _quotation_balance(added[-1].text)
            if balance * step <= 0:
                for s in added:
                    found.setdefault(s.key, s)
                break
    return list(found.values())


def _quotation_balance(text: str) -> int:
    """Quotation marks `text` opens less those it closes: curly ones by their shape, straight
    ones by where they stand (after a space or at the start they open)."""
    balance = text.count("“") - text.count("”")
    for i, char in enumerate(text):
        if char == '"':
            balance += 1 if i == 0 or text[i - 1].isspace() or text[i - 1] in "([" else -1
    return balance


def _bridged(ordered: list[Sentence], most: int) -> list[Sentence]:
    """`ordered` with the sentences between two of them in one passage, where at most `most`
    stand between and each ends as a sentence does (not a heading, which opens a new section)."""
    filled: list[Sentence] = []
    for sentence, after in zip(ordered, [*ordered[1:], None], strict=True):
        filled.append(sentence)
        passage = sentence.passage
        if after is None or after.passage.chunk_id != passage.chunk_id:
            continue
        between = [Sentence.at(passage, s, e) for s, e in sentence_spans_of(passage)
                   if sentence.end <= s and e <= after.start]
        if len(between) <= most and all(s.text.rstrip().endswith(_SENTENCE_ENDS) for s in between):
            filled += between
    return filled


def _merge_neighbours(ordered: list[Sentence]) -> list[Sentence]:
    """Join sentences that follow each other in one passage into one quote."""
    merged: list[Sentence] = []
    for sentence in ordered:
        last = merged[-1] if merged else None
        if (last and last.passage.doc_id == sentence.passage.doc_id
                and last.passage.chunk_id == sentence.passage.chunk_id
                and not sentence.passage.text[last.end - last.passage.start:
                                              sentence.start - last.passage.start].strip()):
            merged[-1] = Sentence.at(last.passage, last.start, sentence.end)
        else:
            merged.append(sentence)
    return merged


def _refusal(question: str, passages: list[Passage],
             unknown: AbstractSet[str] = frozenset()) -> Answer:
    missing = ", ".join(f"“{w}”" for w in sorted(unknown))
    text = "The articles don't say." + (f" They never mention {missing}." if missing else "")
    text += (" The closest passages are listed as related reading." if passages else "")
    return Answer(question=question, text=text, refused=True, related=passages[:3])
