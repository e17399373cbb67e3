"""The fitted values: every weight and threshold `newsdesk train` chose, in one file.

rag/fitted.json (package data) holds, like an estimator saved with its parameters:

- `model`: the embedding model they were fitted with (`id`, `dimension`): the learned scores
  read its similarities and vectors, so they hold for that model only;
- `fitted_on`: the data (its folder's name), how many questions, and the day;
- `sentence_scorer`, `answer_types` and `short_answer`: the learned models (`newsdesk.scorer`;
  the short answer's confidence, `newsdesk.short`), each with the figures of its fit;
- `answer`: the defaults of `AnswerConfig` that were chosen on the data (the refusal
  thresholds, the learned scorer's weight and margin, the least answer-type probability, the
  least confidence of a short answer);
- `retrieval`: the defaults of `RetrievalConfig` that `newsdesk tune` chose (BM25's weights,
  the article weight, the length prior, recency, the recent days searched), with what it
  chose them on;
- `speech`: the verbs of speech, learned from train's articles (`newsdesk.evals.speech`): the
  words that tell whose words a question asks for and who speaks in a sentence.

`newsdesk train` writes the whole file and `newsdesk tune` its `retrieval`; nothing is copied
into the code by hand. It is read
and checked once (`packaged`): a file of another shape is a `FittedValuesError`, and an
answerer whose embedding model is not the one the values were fitted with a
`ModelMismatchError` (`Fitted.check_model`, called where `ExtractiveAnswerer` meets its
`Embedder`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from newsdesk.core.errors import FittedValuesError, ModelMismatchError
from newsdesk.scorer import AnswerTypes, SentenceScorer

FITTED = Path(__file__).resolve().with_name("fitted.json")
_FIX = "Write it again with `newsdesk train`."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FittedModel(_Strict):
    """The embedding model the values were fitted with (`Settings.embed_model`, its vectors'
    length)."""

    id: str = Field(min_length=1)
    dimension: int = Field(gt=0)


class FittedOn(_Strict):
    """What the values were fitted on: the data's folder name, its questions, the day."""

    data: str = Field(min_length=1)
    questions: int = Field(gt=0)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class AnswerDefaults(_Strict):
    """The fitted defaults of `AnswerConfig` (see its fields)."""

    learned_weight: float = Field(ge=0)
    learned_margin: float = Field(ge=0)
    short_type: float = Field(ge=0, le=1)
    short_confidence: float = Field(ge=0, le=1)
    min_score: float
    on_topic: float
    min_coverage: float = Field(ge=0, le=1)


class RetrievalDefaults(_Strict):
    """The defaults of `RetrievalConfig` that `newsdesk tune` chose (see its fields), and
    `fitted`: what they were chosen on (the data, the split they were confirmed on, the day,
    the report)."""

    lexical_weight: float = Field(ge=0)
    keyword_weight: float = Field(ge=0)
    document_weight: float = Field(ge=0)
    length_prior: float = Field(ge=0)
    recency: float = Field(ge=0)
    recent_days: int = Field(ge=0)
    fitted: dict[str, Any]

    def knobs(self) -> dict[str, float | int]:
        """The knobs alone, as `RetrievalConfig`'s fields."""
        return self.model_dump(exclude={"fitted"})


class SpeechVerbs(_Strict):
    """The verbs news uses to report what someone said or thinks, learned from articles
    (`newsdesk.evals.speech`): their `lemmas` (a question's words are read as lemmas), those of
    them that attribute quotations (`quoting`: "say", "according", "tell"), the `forms` the
    articles spell them in (a sentence's words are matched as they stand), and `fitted`: what
    they were learned from."""

    lemmas: list[str] = Field(min_length=1)
    quoting: list[str]
    forms: list[str] = Field(min_length=1)
    fitted: dict[str, Any]

    @model_validator(mode="after")
    def _quoting_are_verbs_of_speech(self) -> SpeechVerbs:
        if not set(self.quoting) <= set(self.lemmas):
            raise ValueError("quoting names a verb that lemmas does not")
        return self


class _ScorerForm(_Strict):
    features: list[str] = Field(min_length=1)
    mean: list[float]
    scale: list[float]
    weights: list[float]
    intercept: float
    fitted: dict[str, Any]

    @model_validator(mode="after")
    def _shapes(self) -> _ScorerForm:
        features = len(self.features)
        if len(set(self.features)) < features:
            raise ValueError("a feature is named twice")
        for name in ("mean", "scale", "weights"):
            if len(getattr(self, name)) != features:
                raise ValueError(f"{name} holds {len(getattr(self, name))} numbers for "
                                 f"{features} features")
        if min(self.scale) <= 0:
            raise ValueError("a scale is not positive")
        return self


class _TypesForm(_Strict):
    labels: list[str] = Field(min_length=1)
    weights: list[list[float]]
    intercept: list[float]
    fitted: dict[str, Any]

    @model_validator(mode="after")
    def _shapes(self) -> _TypesForm:
        if len(self.weights) != len(self.labels) or len(self.intercept) != len(self.labels):
            raise ValueError(f"weights has {len(self.weights)} rows and intercept "
                             f"{len(self.intercept)} numbers for {len(self.labels)} labels")
        return self


class _FileForm(_Strict):
    model: FittedModel
    fitted_on: FittedOn
    sentence_scorer: _ScorerForm
    answer_types: _TypesForm
    short_answer: _ScorerForm
    answer: AnswerDefaults
    retrieval: RetrievalDefaults
    speech: SpeechVerbs

    @model_validator(mode="after")
    def _dimension(self) -> _FileForm:
        # the answer types read a question's vector beside its question phrase's
        width = 2 * self.model.dimension
        if any(len(row) != width for row in self.answer_types.weights):
            raise ValueError(f"answer_types' weights do not read two vectors of "
                             f"{self.model.dimension} numbers (the model's dimension)")
        return self


@dataclass(frozen=True)
class Fitted:
    """Every fitted weight and threshold, with what they were fitted on.

    Example:
        >>> fitted = packaged()
        >>> fitted.model.id, fitted.model.dimension
        ('sentence-transformers/all-MiniLM-L6-v2', 384)
    """

    model: FittedModel
    fitted_on: FittedOn
    sentence_scorer: SentenceScorer
    answer_types: AnswerTypes
    short_answer: SentenceScorer
    answer: AnswerDefaults
    retrieval: RetrievalDefaults
    speech: SpeechVerbs

    @classmethod
    def load(cls, path: Path = FITTED) -> Fitted:
        """The values in `path`, checked.

        Raises:
            FittedValuesError: no file, not JSON, or a missing, extra or ill-shaped value.
        """
        try:
            data = json.loads(path.read_text())
        except OSError as error:
            raise FittedValuesError(f"Cannot read the fitted values {path} "
                                    f"({error.strerror}). {_FIX}") from None
        except ValueError as error:
            raise FittedValuesError(f"The fitted values {path} are not JSON ({error}). "
                                    f"{_FIX}") from None
        if not isinstance(data, dict):
            raise FittedValuesError(f"The fitted values {path} are not a JSON object. {_FIX}")
        try:
            form = _FileForm.model_validate(data)
        except ValidationError as error:
            raise FittedValuesError(f"The fitted values {path} are not as newsdesk reads them: "
                                    f"{_problems(error)}. {_FIX}") from None
        return cls(form.model, form.fitted_on, SentenceScorer.from_json(data["sentence_scorer"]),
                   AnswerTypes.from_json(data["answer_types"]),
                   SentenceScorer.from_json(data["short_answer"]), form.answer, form.retrieval,
                   form.speech)

    def save(self, path: Path = FITTED) -> None:
        """Write them to `path` whole (a file read meanwhile is the old one or the new one)."""
        text = json.dumps({
            "model": self.model.model_dump(), "fitted_on": self.fitted_on.model_dump(),
            "sentence_scorer": self.sentence_scorer.as_json(),
            "answer_types": self.answer_types.as_json(),
            "short_answer": self.short_answer.as_json(),
            "answer": self.answer.model_dump(),
            "retrieval": self.retrieval.model_dump(),
            "speech": self.speech.model_dump()}, indent=1)
        # a list of numbers or names on one line: a weight a line would run to thousands
        text = re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\s*\n\s*", " ", m.group())
                      .replace("[ ", "[").replace(" ]", "]"), text)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(text + "\n")
        partial.replace(path)

    def starting_point(self, model: str, dimension: int) -> Fitted:
        """These values, marked as fitted with `model`: what `newsdesk train` answers with
        while it fits values for another model (it reads their thresholds and hand-set
        scores only, never the learned models, which read the other model's vectors)."""
        return replace(self, model=FittedModel(id=model, dimension=dimension))

    def check_model(self, model: str, dimension: int | None = None) -> None:
        """Raise ModelMismatchError unless the values were fitted with the embedding model
        `model` (and `dimension`, when given)."""
        if model != self.model.id or dimension not in (None, self.model.dimension):
            used = f"{model!r}" + (f" ({dimension} dims)" if dimension else "")
            raise ModelMismatchError(
                f"The answerer's fitted values were fitted with the embedding model "
                f"{self.model.id!r} ({self.model.dimension} dims), not {used}: its learned "
                f"scores and thresholds hold for that model only. Use it "
                f"(NEWSDESK_EMBED_MODEL={self.model.id}), or fit them for this one with "
                "`newsdesk train` (which writes them into newsdesk's rag/fitted.json).")


@cache
def packaged() -> Fitted:
    """The fitted values shipped with newsdesk (rag/fitted.json), read and checked once."""
    return Fitted.load(FITTED)


def default(section: str, name: str) -> Any:
    """A dataclass field whose default is the packaged fitted value `section.name` (read when an
    instance is made, not at import): `AnswerConfig`'s and `RetrievalConfig`'s chosen defaults."""
    return field(default_factory=lambda: getattr(getattr(packaged(), section), name))


def _problems(error: ValidationError) -> str:
    """Pydantic's errors as "where: what", the first three."""
    found = [f"{'.'.join(map(str, e['loc'])) or 'the file'}: {e['msg']}" for e in error.errors()]
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return "; ".join(found[:3]) + more
