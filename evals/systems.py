"""The configurations the evals compare, and the indexes they read.

A `System` is one way of retrieving: chunk size, which retrieval stages run, and how many
passages the answerer reads. Each corpus is ingested once per chunk size under
`.newsdesk/evals/` and reused (ingest is incremental, so a rerun only checks hashes).
The stock llama-index pipeline is the reference everyone would start from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from newsdesk.assistant import Assistant
from newsdesk.core.errors import BadInputError, IndexMissingError
from newsdesk.core.settings import Settings
from newsdesk.extractive import AnswerConfig
from newsdesk.fitted import Fitted
from newsdesk.index.embed import Embedder
from newsdesk.index.ingest import ingest
from newsdesk.index.store import EMBED_INPUT, Store
from newsdesk.retrieve import RetrievalConfig

EVAL_HOME = Path(".newsdesk/evals")


@dataclass(frozen=True)
class System:
    """One retrieval configuration under test."""

    name: str
    chunk_tokens: int | None = None  # None: the settings' chunk size
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    stock: bool = False  # the stock llama-index pipeline instead of newsdesk
    answering: AnswerConfig = field(default_factory=AnswerConfig)  # the extractive answerer's
    llm: str = ""  # the model that writes the answers, "" for the extractive answerer


DEFAULT = System("newsdesk (default)")
SYSTEMS = {
    "default": DEFAULT,
    "rrf": System("reciprocal-rank fusion, 100 candidates, length prior 0.02 (before 2026-12-02)",
                  retrieval=RetrievalConfig(fusion="rrf", candidates=100, length_prior=0.02)),
    "untuned": System("before tuning (reciprocal-rank fusion, 40 candidates, no length prior)",
                      retrieval=RetrievalConfig(fusion="rrf", candidates=40, length_prior=0.0)),
    "hand-set": System("sentences picked by the hand-set score alone (before 2026-11-28)",
                       answering=AnswerConfig(learned_weight=0.0)),
    "hand-set-refusals": System("refusal thresholds set by hand (before 2026-12-06)",
                                answering=AnswerConfig(min_score=0.42)),
    "pieces": System("chosen sentences quoted as they are: no quotation completed, no gap "
                     "bridged (before 2026-12-06)", answering=AnswerConfig(bridge=0, quotation=0)),
    "dense": System("dense only", retrieval=RetrievalConfig(lexical=False)),
    "bm25": System("BM25 only", retrieval=RetrievalConfig(dense=False)),
    "bm25-0.5": System("BM25 weight 0.5", retrieval=RetrievalConfig(lexical_weight=0.5)),
    "no-lead": System("no lead prior", retrieval=RetrievalConfig(lead_prior=0.0)),
    "no-length": System("no length prior", retrieval=RetrievalConfig(length_prior=0.0)),
    "no-lead-bm25-0.5": System("no lead prior, BM25 weight 0.5 by rank (session 1 default)",
                               retrieval=RetrievalConfig(fusion="rrf", lead_prior=0.0,
                                                         lexical_weight=0.5, length_prior=0.0)),
    "chunks-200": System("chunks of 200", chunk_tokens=200),
    "stock": System("stock llama-index (SentenceSplitter 1024, dense)", stock=True),
}


def pick(names: list[str] | None) -> list[System]:
    """The systems named on the command line (all when none)."""
    unknown = [n for n in names or [] if n not in SYSTEMS]
    if unknown:
        raise BadInputError(f"Unknown system {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}.")
    return [SYSTEMS[n] for n in names] if names else list(SYSTEMS.values())


def open_index(corpus: str, paths: list[Path], system: System, embedder: Embedder,
               settings: Settings, progress: bool = True) -> Settings:
    """Settings of an index of `paths` built with `system`'s chunk size (built when needed).

    Each corpus and chunk size has its own folder under `.newsdesk/evals/` (and its own
    collections on a Chroma server, when `settings` name one).
    """
    chunk_tokens = system.chunk_tokens or settings.chunk_tokens
    name = f"{corpus}-c{chunk_tokens}"
    collection = f"{settings.collection}_{name}" if settings.chroma_url else settings.collection
    settings = settings.but(home=EVAL_HOME / name, chunk_tokens=chunk_tokens, collection=collection)
    # Our own data, which an editable install links from the repository: links are followed.
    report = ingest(paths, settings, prune=True, rebuild=_outdated(settings), progress=progress,
                    embedder=embedder, follow_links=True)
    if report.problems:
        raise RuntimeError(f"{len(report.problems)} problems ingesting {corpus}: {report.problems[0]}")
    return settings


def _outdated(settings: Settings) -> bool:
    """Whether an eval index was built the way an older newsdesk builds them (it is a cache:
    rebuilt, so that the evals measure what ingest does today)."""
    try:
        store = Store.open(settings)
    except IndexMissingError:
        return False
    try:
        return store.manifest.embed_input != EMBED_INPUT
    finally:
        store.close()


def open_assistant(settings: Settings, system: System, embedder: Embedder,
                   fitted: Fitted | None = None) -> Assistant:
    """The assistant of `system` over the index of `settings` (with its LLM, if any), with the
    fitted values `fitted` (default: the packaged ones)."""
    return Assistant.open(settings=settings if system.llm else settings.but(llm="extractive"),
                          retrieval=system.retrieval, answering=system.answering,
                          embedder=embedder, fitted=fitted)


def is_default(system: System) -> bool:
    """Whether `system` retrieves as the default does (whoever writes its answers, however)."""
    return replace(system, name=DEFAULT.name, llm=DEFAULT.llm,
                   answering=DEFAULT.answering) == DEFAULT


def with_llm(systems: list[System], settings: Settings) -> list[System]:
    """`systems` answering with the settings' LLM when one is configured (named after it)."""
    if not settings.llm_enabled:
        return systems
    model = f"{settings.llm}:{settings.llm_model}"
    return [s if s.stock else replace(s, name=f"{s.name} + {model}", llm=model) for s in systems]

