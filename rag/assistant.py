"""The assistant: a conversation turn -> retrieval -> an answerer -> a cited answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from newsdesk import conversation
from newsdesk.answerer import Answerer, final_answer
from newsdesk.core.errors import BadInputError
from newsdesk.core.settings import Settings
from newsdesk.extractive import AnswerConfig, ExtractiveAnswerer, asks_for_several
from newsdesk.fitted import Fitted
from newsdesk.index.embed import Embedder
from newsdesk.inputs import Filters, check_k, check_question, check_text
from newsdesk.llm import LLMAnswerer
from newsdesk.retrieve import RetrievalConfig, Retriever
from newsdesk.speakers import asked_about
from newsdesk.types import Answer, AnswerEvent, Evidence, Turn

# Top passages whose next chunk is read too: an answer often runs on past a chunk's end.
_FOLLOWING = 5
# Passages that name the speaker a question asks the words of, added to those retrieved ("What
# did Zelensky say?": where Zelensky is quoted, which may not be among the closest in meaning).
_SPEAKERS_PASSAGES = 2

def check_history(history: list[dict] | None) -> tuple[Turn, ...]:
    """The history as `Turn`s; BadInputError for anything but `[{"role", "content"}]`."""
    turns = []
    for turn in history or []:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or \
                not isinstance(turn.get("content"), str):
            raise BadInputError(
                'History must be a list of {"role": "user" | "assistant", "content": str}.')
        turns.append(Turn(turn["role"], check_text(turn["content"], "conversation")))
    return tuple(turns)


class Assistant:
    """Answers questions about the indexed articles, with citations.

    Args:
        retriever: Finds the passages.
        answerers: The answerers by name ("extractive", and "llm" when a model is configured).
        default: The name of the answerer used when a question names none.
        k: Passages to read per question.

    Example:
        >>> assistant = Assistant.open()
        >>> answer = assistant.ask("What conditions did Putin set?")
        >>> answer.refused, answer.citations[0].quote[:20]
        (False, 'Putin said those que')
    """

    def __init__(self, retriever: Retriever, answerers: dict[str, Answerer],
                 default: str = "extractive", k: int = 8):
        self.retriever = retriever
        self.answerers = answerers
        self.default = default
        self.k = k

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        settings: Settings | None = None,
        retrieval: RetrievalConfig | None = None,
        answering: AnswerConfig | None = None,
        embedder: Embedder | None = None,
        fitted: Fitted | None = None,
    ) -> Assistant:
        """An assistant over the index at `home` (or a Chroma server at `chroma_url`).

        With an LLM in `settings` (default: from the environment), answers are written by the
        model and checked; otherwise, and per question on request, by the extractive answerer,
        with the fitted values `fitted` (default: the packaged ones, `newsdesk.fitted`).

        Raises:
            ModelMismatchError: the index, or the fitted values, were made with another
                embedding model than the settings name.
            FittedValuesError: the fitted values cannot be read.
        """
        settings = settings or Settings.load(home=home, chroma_url=chroma_url)
        retriever = Retriever.open(settings=settings, config=retrieval, embedder=embedder)
        extractive = ExtractiveAnswerer(retriever.embedder, answering,
                                        retriever.lexical.unknown_words,
                                        retriever.lexical.unlike_words, fitted)
        answerers: dict[str, Answerer] = {"extractive": extractive}
        if settings.llm_enabled:
            answerers["llm"] = LLMAnswerer.from_settings(settings, retriever.embedder, extractive)
        return cls(retriever, answerers, "llm" if settings.llm_enabled else "extractive")

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        k: int | None = None,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
        answerer: str | None = None,
    ) -> Answer:
        """Answer `question`, reading earlier turns of `history` for follow-ups.

        Args:
            question: The question; at most 4,000 characters.
            history: Earlier turns, `[{"role": "user" | "assistant", "content": str}]`.
            k: Passages to read (default 8); questions that ask for a list read half as many again.
            sources: Only these articles (doc_id or source path).
            since: Only articles dated on or after this day (YYYY-MM-DD).
            until: Only articles dated on or before this day.
            as_of: The day the question is asked as of (YYYY-MM-DD; default today; "none" for
                no moment): articles dated after it are not read, and the news of that moment
                ranks first.
            answerer: "extractive" or "llm" for this question; default: the LLM when one is
                configured.

        Returns:
            An `Answer`; `refused` is True when the articles do not hold the answer.
        """
        return final_answer(self.stream(question, history, k=k, sources=sources, since=since,
                                        until=until, as_of=as_of, answerer=answerer))

    def stream(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        k: int | None = None,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
        answerer: str | None = None,
    ) -> Iterator[AnswerEvent]:
        """`ask`, as it happens: `TextPiece`s as they are written, `Checking` while an LLM's
        citations are verified, then the final `Answer` (see `newsdesk.answerer`)."""
        writer = self._answerer(answerer)
        evidence = self.evidence(question, history, k=k, sources=sources, since=since,
                                 until=until, as_of=as_of)
        return (replace(event, as_of=evidence.as_of) if isinstance(event, Answer) else event
                for event in writer.stream(evidence))

    def evidence(self, question: str, history: list[dict] | None = None, *, k: int | None = None,
                 sources: list[str] | None = None, since: str | None = None,
                 until: str | None = None, as_of: str | None = None) -> Evidence:
        """The question, the conversation it follows, and the passages retrieved for it."""
        question = check_question(question)
        turns = check_history(history)
        filters = Filters.make(sources, since, until, as_of)
        base = check_k(k, self.k)
        started = time.perf_counter()
        context = conversation.context(question, turns)
        unsent = Evidence(question, (), turns, context)
        vectors = self.retriever.embedder.embed(unsent.queries)  # once, for retrieval and answer
        wide = min(100, base * 3 // 2) if asks_for_several(question) else base
        passages = self.retriever.search(unsent.queries[-1], wide, filters, vector=vectors[-1],
                                         twins=True)
        passages = self.retriever.with_following(passages, _FOLLOWING)
        speakers = asked_about(question, turns)
        if speakers:
            passages = self.retriever.with_naming(passages, speakers, _SPEAKERS_PASSAGES,
                                                  question, filters, vectors[-1])
        return replace(unsent, passages=tuple(passages), vectors=vectors, as_of=filters.as_of,
                       retrieve_ms=(time.perf_counter() - started) * 1000)

    def _answerer(self, name: str | None) -> Answerer:
        name = name or self.default
        if name == "llm" and name not in self.answerers:
            raise BadInputError("No LLM is configured; set --llm openai-like|ollama and "
                                "--llm-model (or NEWSDESK_LLM, NEWSDESK_LLM_MODEL).")
        if name not in self.answerers:
            raise BadInputError(f"Unknown answerer {name!r}; use 'extractive' or 'llm'.")
        return self.answerers[name]
