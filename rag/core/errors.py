"""Errors newsdesk raises on purpose.

Every message says what happened and what to do next; the CLI and the app print it and exit
non-zero instead of showing a traceback.

    NewsdeskError
     ├── BadInputError           a question, file or option newsdesk cannot use
     ├── IndexMissingError       nothing has been ingested yet
     ├── ModelMismatchError      the index (or the fitted values) were made with another
     │                           embedding model, or the index with another chunker
     ├── FittedValuesError       the answerer's fitted values (rag/fitted.json) are missing
     │                           or not as newsdesk reads them
     ├── BackendUnreachableError a Chroma server or LLM that does not answer
     └── FetchError              a link or feed that cannot be fetched or read
"""


class NewsdeskError(Exception):
    """Base class for every error newsdesk reports to the user."""


class BadInputError(NewsdeskError):
    """The input (question, file, option) cannot be used as given."""


class IndexMissingError(NewsdeskError):
    """There is no index to read from."""


class ModelMismatchError(NewsdeskError):
    """The index was built with settings that differ from the ones in use."""


class FittedValuesError(NewsdeskError):
    """The fitted-values file (`newsdesk.fitted`) cannot be read, or is of another shape."""


class BackendUnreachableError(NewsdeskError):
    """A server newsdesk depends on (Chroma, an LLM) did not answer."""


class FetchError(NewsdeskError):
    """A link or feed could not be fetched, or what came back is not an article or a feed.

    `permanent` is False for what may pass by itself (a time-out, a server error): a watch tries
    those again at its next poll. `status` is the HTTP status that failed (0: none came);
    `retry_after` the seconds a server asked to wait (0: it did not ask).
    """

    def __init__(self, url: str, reason: str, *, permanent: bool = True, status: int = 0,
                 retry_after: float = 0.0):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after
