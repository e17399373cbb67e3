"""The assistant: a conversation turn -> retrieval -> a cited answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from index.embed import Embedder
from index.errors import BackendUnreachableError, BadInputError
from index.settings import Settings
from rag.answer import AnswerConfig, ExtractiveAnswerer, asks_for_several
from rag.llm import LLMAnswerer, LLMSettings
from rag.retrieve import Filters, RetrievalConfig, Retriever, check_query
from rag.types import Answer

# Top passages whose next chunk is read too: an answer often runs on past a chunk's end.
_FOLLOWING = 5

# A turn that leans on the one before it: "And what did Zelensky say?", "When was that?"
_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|what about|how about|then)\b|\b(that|this|it|he|she|they|them|his|"
    r"her|their|those|these|there|then|him)\b", re.I)


def condense(question: str, history: list[dict] | None) -> str:
    """Earlier turns a follow-up question depends on, as text to search with ("" if none)."""
    turns = check_history(history)
    users = [t["content"] for t in turns if t["role"] == "user"]
    if not users or not _FOLLOW_UP.search(question):
        return ""
    return users[-1]


def check_history(history: list[dict] | None) -> list[dict]:
    """The history as `[{"role", "content"}]`; BadInputError for anything else."""
    turns = []
    for turn in history or []:
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or \
                not isinstance(turn.get("content"), str):
            raise BadInputError(
                'History must be a list of {"role": "user" | "assistant", "content": str}.')
        turns.append(turn)
    return turns


class Assistant:
    """Answers questions about the indexed articles, with citations.

    Example:
        >>> assistant = Assistant.open()
        >>> answer = assistant.ask("What conditions did Putin set?")
        >>> answer.refused, answer.citations[0].quote[:20]
        (False, 'Putin said those que')
    """

    def __init__(self, retriever: Retriever, answerer: ExtractiveAnswerer, k: int = 8,
                 llm: LLMAnswerer | None = None):
        self.retriever = retriever
        self.answerer = answerer
        self.k = k
        self.llm = llm

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
        llm: LLMSettings | None = None,
    ) -> Assistant:
        """An assistant over the index at `home` (or a Chroma server at `chroma_url`).

        `llm` turns on an LLM answerer (default: `LLMSettings.load()`, from the environment).
        """
        retriever = Retriever.open(home, chroma_url, settings=settings, config=retrieval,
                                   embedder=embedder)
        answerer = ExtractiveAnswerer(retriever.embedder, answering or AnswerConfig(),
                                      retriever.lexical.unknown_words)
        llm = llm or LLMSettings.load()
        writer = LLMAnswerer.from_settings(llm, retriever.embedder) if llm.enabled else None
        return cls(retriever, answerer, llm=writer)

    def ask(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        k: int | None = None,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
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
            answerer: "extractive" or "llm" for this question; default: the LLM when one is
                configured.

        Returns:
            An `Answer`; `refused` is True when the articles do not hold the answer.
        """
        for event in self.stream(question, history, k=k, sources=sources, since=since, until=until,
                                 answerer=answerer):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream() always ends with an Answer")

    def stream(
        self,
        question: str,
        history: list[dict] | None = None,
        *,
        k: int | None = None,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        answerer: str | None = None,
    ) -> Iterator[str | Answer]:
        """`ask`, as it happens: pieces of text as they are written, then the final `Answer`.

        With an LLM the pieces are the model's raw reply; the final `Answer` is the verified
        version (markers checked, unsupported sentences flagged), or the extractive answer with
        a `notice` when the model failed. Nothing strong enough retrieved: a refusal, and the
        model is never called.
        """
        question = check_query(question)
        turns = check_history(history)
        filters = Filters.make(sources, since, until)
        writer = self._writer(answerer)
        started = time.perf_counter()
        context = condense(question, turns)
        query = f"{question} {context}".strip()
        base = k or self.k
        wide = asks_for_several(question)
        passages = self.retriever.search(query, min(100, base * 3 // 2) if wide else base, filters)
        passages = self.retriever.with_following(passages, _FOLLOWING)
        retrieved = time.perf_counter()
        answer = self.answerer.answer(question, passages, context)
        if writer is not None and not answer.refused:
            answer = yield from self._write(writer, question, context, passages, turns, answer)
        else:
            yield answer.text
        done = time.perf_counter()
        answer.timings_ms.update(retrieve=round((retrieved - started) * 1000, 1),
                                 answer=round((done - retrieved) * 1000, 1),
                                 total=round((done - started) * 1000, 1))
        yield answer

    def _writer(self, answerer: str | None) -> LLMAnswerer | None:
        if answerer not in (None, "extractive", "llm"):
            raise BadInputError(f"Unknown answerer {answerer!r}; use 'extractive' or 'llm'.")
        if answerer == "llm" and self.llm is None:
            raise BadInputError("No LLM is configured; set --llm openai-like|ollama and "
                                "--llm-model (or NEWSDESK_LLM, NEWSDESK_LLM_MODEL).")
        return None if answerer == "extractive" else self.llm

    def _write(self, writer: LLMAnswerer, question: str, context: str, passages: list,
               turns: list[dict], fallback: Answer):
        """Stream the model's reply and verify it; on failure, the extractive answer with a notice."""
        reply = []
        try:
            for piece in writer.stream(question, passages, turns):
                reply.append(piece)
                yield piece
            return writer.verify(question, "".join(reply), passages, context)
        except BackendUnreachableError as error:
            notice = f"{error} Showing the extractive answer instead."
            yield f"\n\n{notice}\n\n{fallback.text}"
            return replace(fallback, notice=notice)
