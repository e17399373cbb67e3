"""The app's named endpoints, over HTTP (gradio_client, /gradio_api/...) and as MCP tools: ask,
retrieve, articles, article and remove.

Each takes its turn (`Desk.worker`: a few at once, the rest wait) and reads the index as it is
now; an expected error is raised as a `NewsdeskError`, which the app turns into a clear message.
Their docstrings are what HTTP clients and MCP agents read of them.
"""

from __future__ import annotations

from collections.abc import Callable

from newsdesk.core.errors import BadInputError
from newsdesk.desk import Desk
from newsdesk.inputs import Filters

# A date's message names the parameter a caller sent, not the command line's flag.
_PARAMETERS = {"since": "since", "until": "until", "as_of": "as_of"}


def endpoints(desk: Desk) -> dict[str, Callable[..., dict]]:
    """The endpoints over `desk`, by name; `remove` is for people: the app neither lists it nor
    offers it to MCP agents."""

    def ask(question: str, k: int = 8, sources: list[str] | None = None, since: str = "",
            until: str = "", answerer: str = "", as_of: str = "") -> dict:
        """Answer a question about the indexed news articles, with verbatim cited quotes.

        Args:
            question: The question, at most 4,000 characters.
            k: Passages to read, 1 to 100.
            sources: Only these articles (doc_id or source path); empty for all.
            since: Only articles dated on or after this day (YYYY-MM-DD).
            until: Only articles dated on or before this day (YYYY-MM-DD).
            answerer: "extractive" or "llm"; empty for the server's default.
            as_of: The day the question is asked as of (YYYY-MM-DD; empty: today; "none": no
                moment): later articles are not read, and the news of that day ranks first.

        Returns:
            {"question", "answer", "short_answer": {"text", "n", "start", "end", "confidence"} or null,
            "refused", "citations": [{"n", "doc_id", "source", "title", "date", "publisher",
            "url", "quote", "start", "end", "score"}], "related", "sentences", "answerer",
            "notice", "timings_ms"}
        """
        Filters.make(None, since or None, until or None, as_of or None, names=_PARAMETERS)
        with desk.worker(), desk.assistant() as assistant:
            return assistant.ask(question, k=k, sources=sources or None, since=since or None,
                                 until=until or None, as_of=as_of or None,
                                 answerer=answerer or None).to_dict()

    def retrieve(query: str, k: int = 5, as_of: str = "") -> dict:
        """The passages of the indexed news articles that best match a query.

        Args:
            query: A question or keywords, at most 4,000 characters.
            k: How many passages, 1 to 100.
            as_of: The day the query is asked as of (YYYY-MM-DD; empty: today; "none": no
                moment).

        Returns:
            {"query", "passages": [{"doc_id", "text", "start", "end", "score", "title", "date", ...}]}
        """
        Filters.make(as_of=as_of or None, names=_PARAMETERS)
        with desk.worker(), desk.assistant() as assistant:
            return {"query": query, "passages": [
                p.to_dict() for p in assistant.retriever.retrieve(query, k, as_of=as_of or None)]}

    def articles(query: str = "") -> dict:
        """The indexed news articles, newest first (undated ones last).

        Args:
            query: Only articles whose title or text holds every one of these words; empty for all.

        Returns:
            {"articles": [{"doc_id", "name", "title", "date", "publisher", "author", "url",
            "source", "added", "words", "chunks"}]}; "name" is the title, or the opening words
            of an untitled article.
        """
        with desk.worker(), desk.library() as library:
            return {"articles": [a.to_dict() for a in library.articles(query)]}

    def article(doc_id: str) -> dict:
        """One indexed news article, with its full text.

        Args:
            doc_id: The article's doc_id, as `articles` lists it.

        Returns:
            {"doc_id", "name", "title", "date", "publisher", "author", "url", "source", "added",
            "words", "chunks", "text"}
        """
        with desk.worker(), desk.library() as library:
            found = library.article(doc_id)
            if found is None:
                raise BadInputError(f"No article {doc_id!r} in the index; `articles` lists them.")
            return {**found.to_dict(), "text": library.text(doc_id)}

    def remove(doc_ids: list[str]) -> dict:
        """Remove articles from the index (refused by a read-only newsdesk).

        Args:
            doc_ids: The doc_ids of the articles to remove; if one is not in the index, none is
                removed.

        Returns:
            {"removed": [{"doc_id", "name", ...}]}
        """
        with desk.worker(), desk.library() as library:
            return {"removed": [a.to_dict() for a in library.remove(doc_ids)]}

    return {"ask": ask, "retrieve": retrieve, "articles": articles, "article": article,
            "remove": remove}
