"""The newsdesk retriever as a LangChain `BaseRetriever` (needs `pip install newsdesk[langchain]`).

Thin over `Retriever.search`: each `Document` is one passage, its text verbatim, its metadata
saying where it stands (doc_id, source, title, date, start, end) and how it ranked (score,
similarity).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from newsdesk.inputs import Filters


class NewsdeskRetriever(BaseRetriever):
    """Wraps a `newsdesk.Retriever`; `invoke(query)` returns its passages as `Document`s.

    Example:
        >>> retriever = NewsdeskRetriever(retriever=Retriever.open(), k=3)
        >>> retriever.invoke("What conditions did Putin set?")[0].metadata["doc_id"]
        '000_99e8b240e118b51d'
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 5
    filters: Filters = Field(default_factory=Filters)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(id=p.chunk_id, page_content=p.text,
                     metadata={"doc_id": p.doc_id, "source": p.source, "title": p.title,
                               "date": p.date, "start": p.start, "end": p.end, "score": p.score,
                               "similarity": p.similarity, "chunk_id": p.chunk_id})
            for p in self.retriever.search(query, self.k, self.filters)
        ]
