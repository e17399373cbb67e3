"""Errors newsdesk raises on purpose.

Every message says what happened and what to do next; the CLI and the app print it and exit
non-zero instead of showing a traceback.

    NewsdeskError
     ├── BadInputError           a question, file or option newsdesk cannot use
     ├── IndexMissingError       nothing has been ingested yet
     ├── ModelMismatchError      the index was built with another embedding model or chunker
     └── BackendUnreachableError a Chroma server or LLM that does not answer
"""


class NewsdeskError(Exception):
    """Base class for every error newsdesk reports to the user."""


class BadInputError(NewsdeskError):
    """The input (question, file, option) cannot be used as given."""


class IndexMissingError(NewsdeskError):
    """There is no index to read from."""


class ModelMismatchError(NewsdeskError):
    """The index was built with settings that differ from the ones in use."""


class BackendUnreachableError(NewsdeskError):
    """A server newsdesk depends on (Chroma, an LLM) did not answer."""
