"""The stock llama-index pipeline: the reference everyone would start from.

Default `SentenceSplitter` (1,024-token chunks, 200 overlap), `HuggingFaceEmbedding` with the same
model, a Chroma vector store, dense retrieval. Built once per corpus under `.newsdesk/evals/`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from newsdesk.core.settings import PACKAGED_MODEL
from newsdesk.evals.systems import EVAL_HOME
from newsdesk.index.embed import model_location
from newsdesk.index.load import Document, find_files, load_file


@dataclass(frozen=True)
class StockHit:
    doc_id: str
    text: str
    score: float


class StockPipeline:
    """`VectorStoreIndex` over Chroma, as the llama-index starter tutorial builds it."""

    def __init__(self, index, embed_model):
        self.index = index
        self.embed_model = embed_model
        self.build_seconds = 0.0

    @classmethod
    def build(cls, corpus: str, paths: list[Path], model: str = PACKAGED_MODEL,
              progress: bool = True) -> StockPipeline:
        import chromadb
        from llama_index.core import Document as LlamaDocument
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore

        embed_model = HuggingFaceEmbedding(model_name=model_location(model))
        client = chromadb.PersistentClient(path=str((EVAL_HOME / f"stock-{corpus}").resolve()))
        collection = client.get_or_create_collection("stock", embedding_function=None)
        store = ChromaVectorStore(chroma_collection=collection)
        if collection.count():
            index = VectorStoreIndex.from_vector_store(store, embed_model=embed_model)
            return cls(index, embed_model)
        started = time.perf_counter()
        documents = [LlamaDocument(text=d.text, id_=d.doc_id) for d in load_documents(paths)]
        index = VectorStoreIndex.from_documents(
            documents, storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=embed_model, show_progress=progress)
        pipeline = cls(index, embed_model)
        pipeline.build_seconds = time.perf_counter() - started
        return pipeline

    def search(self, query: str, k: int) -> list[StockHit]:
        nodes = self.index.as_retriever(similarity_top_k=k).retrieve(query)
        return [StockHit(n.node.ref_doc_id or "", n.node.get_content(), n.score or 0.0) for n in nodes]


def load_documents(paths: list[Path]) -> list[Document]:
    """Every document under `paths`, loaded as newsdesk loads them."""
    files, _ = find_files(paths)
    return [d for f in files for d in load_file(f).documents]
