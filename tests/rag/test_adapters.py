"""The retriever inside the frameworks people embed retrievers in: llama-index and LangChain.

The real index of the seeds and the real model; the only fake is the language model the
frameworks call, a small recording one (no LLM is reachable here).
"""

from __future__ import annotations

import pytest
from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback

from newsdesk import Filters, Retriever

QUESTION = "What conditions did Putin set?"


class RecordingLLM(CustomLLM):
    """Answers every prompt with the same sentence and keeps the prompts it was given."""

    prompts: list[str] = []

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=8192, num_output=128, model_name="recording")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text="Putin set conditions.")

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
        yield self.complete(prompt, formatted)


@pytest.fixture(scope="module")
def retriever(seed_settings, embedder):
    return Retriever.open(settings=seed_settings, embedder=embedder)


def test_llama_index_query_engine_answers_from_newsdesk_passages(retriever):
    from llama_index.core.query_engine import RetrieverQueryEngine

    llm = RecordingLLM(prompts=[])
    engine = RetrieverQueryEngine.from_args(retriever.as_llama_index(k=3), llm=llm)
    response = engine.query(QUESTION)
    expected = retriever.retrieve(QUESTION, k=3)
    assert [n.node.node_id for n in response.source_nodes] == [p.chunk_id for p in expected]
    assert all(p.text in llm.prompts[-1] for p in expected)  # the passages were the context
    assert str(response) == "Putin set conditions."
    node = response.source_nodes[0].node
    assert (node.start_char_idx, node.end_char_idx) == (expected[0].start, expected[0].end)


def test_llama_index_chat_engine_reads_newsdesk_passages(retriever):
    from llama_index.core.chat_engine import CondensePlusContextChatEngine

    llm = RecordingLLM(prompts=[])
    engine = CondensePlusContextChatEngine.from_defaults(retriever.as_llama_index(k=2), llm=llm)
    reply = engine.chat("Who flanked Putin on Thursday?")
    assert str(reply) == "Putin set conditions."
    assert "Lukashenka" in llm.prompts[-1]
    assert [n.node.node_id for n in reply.source_nodes] == \
        [p.chunk_id for p in retriever.retrieve("Who flanked Putin on Thursday?", k=2)]


def test_langchain_retriever_returns_documents_with_where_they_stand(retriever, seed_settings):
    from newsdesk.index.store import Store

    documents = retriever.as_langchain(k=4).invoke(QUESTION)
    expected = retriever.retrieve(QUESTION, k=4)
    assert [d.page_content for d in documents] == [p.text for p in expected]
    store = Store.open(seed_settings)
    for document in documents:
        meta = document.metadata
        assert {"doc_id", "source", "title", "date", "start", "end", "score"} <= set(meta)
        assert store.document(meta["doc_id"]).text[meta["start"]:meta["end"]] == document.page_content
    second = Filters.make(["001_ca5ecb444059c4d2"])
    only_second = retriever.as_langchain(k=3, filters=second).invoke(QUESTION)
    assert {d.metadata["doc_id"] for d in only_second} == {"001_ca5ecb444059c4d2"}
