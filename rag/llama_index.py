"""The newsdesk retriever as a llama-index `BaseRetriever`, for llama-index pipelines."""

from __future__ import annotations

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from newsdesk.inputs import Filters


class NewsdeskRetriever(BaseRetriever):
    """Wraps a `newsdesk.Retriever`; each node is one passage, with offsets and metadata."""

    def __init__(self, retriever, k: int = 5, filters: Filters | None = None):
        super().__init__()
        self._retriever = retriever
        self._k = k
        self._filters = filters or Filters()

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._retriever.search(query_bundle.query_str, self._k, self._filters)
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p.chunk_id,
                    text=p.text,
                    start_char_idx=p.start,
                    end_char_idx=p.end,
                    metadata={"doc_id": p.doc_id, "title": p.title, "date": p.date,
                              "source": p.source, "similarity": p.similarity},
                ),
                score=p.score,
            )
            for p in passages
        ]
