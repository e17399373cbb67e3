"""newsdesk: ask questions of news articles and get answers you can check.

    from newsdesk import Assistant, Retriever
    retriever = Retriever.open()
    passages = retriever.retrieve("What conditions did Putin set?", k=5)
    answer = Assistant.open().ask("What conditions did Putin set?")
    articles = Library.open().articles("Kursk")  # newest first; .remove([doc_id]) removes one

This package is rag/ in the repository (the read side, and `newsdesk.core`: settings and
errors); `newsdesk.index` (index/, the write side), `newsdesk.evals` (evals/) and the composition
root (`newsdesk.cli`, `newsdesk.app`) are mapped into it at build time. Other tools import
from here, never from the private modules.
"""

from newsdesk.answerer import Answerer
from newsdesk.assistant import Assistant
from newsdesk.core.errors import (
    BackendUnreachableError,
    BadInputError,
    FittedValuesError,
    IndexMissingError,
    ModelMismatchError,
    NewsdeskError,
)
from newsdesk.core.settings import Settings
from newsdesk.extractive import AnswerConfig, ExtractiveAnswerer
from newsdesk.fitted import Fitted
from newsdesk.fusion import reciprocal_rank_fusion
from newsdesk.index.ingest import IngestReport, ingest, remove
from newsdesk.inputs import Filters
from newsdesk.library import Article, Library, Source
from newsdesk.llm import LLMAnswerer
from newsdesk.retrieve import RetrievalConfig, Retriever
from newsdesk.types import (
    Answer,
    AnswerEvent,
    AnswerSentence,
    Checking,
    Citation,
    Conflict,
    Copy,
    Evidence,
    Passage,
    ShortAnswer,
    TextPiece,
    Turn,
)

__version__ = "0.3.0"

__all__ = [
    "Answer",
    "AnswerConfig",
    "AnswerEvent",
    "AnswerSentence",
    "Answerer",
    "Article",
    "Assistant",
    "BackendUnreachableError",
    "BadInputError",
    "Checking",
    "Citation",
    "Conflict",
    "Copy",
    "Evidence",
    "ExtractiveAnswerer",
    "Filters",
    "Fitted",
    "FittedValuesError",
    "IndexMissingError",
    "IngestReport",
    "LLMAnswerer",
    "Library",
    "ModelMismatchError",
    "NewsdeskError",
    "Passage",
    "RetrievalConfig",
    "Retriever",
    "Settings",
    "ShortAnswer",
    "Source",
    "TextPiece",
    "Turn",
    "__version__",
    "ingest",
    "reciprocal_rank_fusion",
    "remove",
]
