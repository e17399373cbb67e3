"""newsdesk's library API: retrieve passages from news articles and answer with citations.

    from rag import Assistant, Retriever
    retriever = Retriever.open()
    passages = retriever.retrieve("What conditions did Putin set?", k=5)
    answer = Assistant.open().ask("What conditions did Putin set?")

Other tools import from here, never from the private modules.
"""

from index.errors import (
    BackendUnreachableError,
    BadInputError,
    IndexMissingError,
    ModelMismatchError,
    NewsdeskError,
)
from index.settings import Settings
from rag.answer import AnswerConfig, ExtractiveAnswerer
from rag.assistant import Assistant
from rag.fusion import reciprocal_rank_fusion
from rag.llm import LLMAnswerer, LLMSettings
from rag.retrieve import Filters, RetrievalConfig, Retriever
from rag.types import Answer, AnswerSentence, Citation, Passage

__all__ = [
    "Answer",
    "AnswerConfig",
    "AnswerSentence",
    "Assistant",
    "BackendUnreachableError",
    "BadInputError",
    "Citation",
    "ExtractiveAnswerer",
    "Filters",
    "IndexMissingError",
    "LLMAnswerer",
    "LLMSettings",
    "ModelMismatchError",
    "NewsdeskError",
    "Passage",
    "RetrievalConfig",
    "Retriever",
    "Settings",
    "reciprocal_rank_fusion",
]
