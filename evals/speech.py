"""Learning the verbs of speech (`newsdesk.speakers`) from news articles, not from a word list.

A step of `newsdesk train` (alone: `newsdesk train --only speech`). A verb of speech is one
that news uses to report what someone said or thinks, and two things in its use show it, both
read by spaCy's parser over a seeded sample of RealTimeQA train's articles:
- it takes a reported clause with a subject ("Officials *said* the talks had failed", "She
  *thinks* prices will fall": a `ccomp` and an `nsubj`) in at least `CLAUSE_SHARE` of its uses;
- or it attributes a quotation ("“...,” the minister *added*", "“...,” *according* to the
  report"; "*told* reporters: “...”") in at least `QUOTE_SHARE` of its uses.
Each in at least `ENOUGH` uses, so that a verb seen a few times does not pass by chance. What it
learns is written into the fitted values (`speech`), the rest of them kept: the lemmas (a
question's words are read with spaCy's lemmas and tags) and the forms the articles spell them
in that are verbs in most of their uses ("said", "told"; not "report" or "claims", more often
nouns), which a sentence's words are matched against as they stand.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from newsdesk import language
from newsdesk.fitted import FITTED, SpeechVerbs, packaged

ARTICLES = 3000  # read from train, seeded
CHARACTERS = 3000  # of each article: its lead, where the reporting is
CLAUSE_SHARE = 0.35
QUOTE_SHARE = 0.05
ENOUGH = 10
_CLOSING = ("”", '"')
_OPENING = ("“", '"')


def verb_uses(texts: list[str], progress: bool = True) -> dict[str, Counter]:
    """Per verb lemma: its uses (`uses`), those with a reported clause and a subject
    (`clause`), those attributing a quotation (`quote`), and the forms it is spelled in
    (`form:said`, lower case); under "" each word's uses as any part of speech (`form:...`)."""
    uses: dict[str, Counter] = defaultdict(Counter)
    for doc in tqdm(language.parse(texts), total=len(texts), desc="verbs of speech",
                    disable=not progress):
        for token in doc:
            uses[""]["form:" + token.lower_] += 1
            if token.pos_ != "VERB":
                continue
            found = uses[token.lemma_.lower()]
            found["uses"] += 1
            found["form:" + token.lower_] += 1
            children = {child.dep_ for child in token.children}
            found["clause"] += "ccomp" in children and "nsubj" in children
            found["quote"] += _attributes_a_quotation(doc, token.i)
    return uses


def _attributes_a_quotation(doc, at: int) -> bool:
    """A closing quotation mark and a comma in the four tokens before the verb (",” she said"),
    or a colon right after it and an opening mark after that ("told reporters: “")."""
    before = [t.text for t in doc[max(0, at - 4):at]]
    after = [t.text for t in doc[at + 1:at + 5]]
    return (any(t in _CLOSING for t in before) and "," in before
            or ":" in after and any(t in _OPENING for t in after[after.index(":"):]))


def _passes(counts: Counter, key: str, share: float) -> bool:
    return counts[key] >= ENOUGH and counts[key] >= share * counts["uses"]


def choose(uses: dict[str, Counter]) -> list[str]:
    """The lemmas that pass either test (module docstring), most used first."""
    chosen = [lemma for lemma, counts in uses.items() if lemma.isalpha() and (
        _passes(counts, "clause", CLAUSE_SHARE) or _passes(counts, "quote", QUOTE_SHARE))]
    return sorted(chosen, key=lambda lemma: -uses[lemma]["uses"])


def quoting(uses: dict[str, Counter], lemmas: list[str]) -> list[str]:
    """Of `lemmas`, those that pass the quotation test: they say who speaks, not what about."""
    return [lemma for lemma in lemmas if _passes(uses[lemma], "quote", QUOTE_SHARE)]


def verb_forms(uses: dict[str, Counter], lemmas: list[str]) -> list[str]:
    """The forms of `lemmas` that are verbs in at least half their uses."""
    return sorted({key[5:] for lemma in lemmas for key, n in uses[lemma].items()
                   if key.startswith("form:") and n >= uses[""][key] / 2})


def sample(data: Path, articles: int = ARTICLES, seed: int = 0) -> list[str]:
    """The leads of a seeded sample of the articles of `data`'s corpus.jsonl."""
    lines = (data / "corpus.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"][:CHARACTERS] for line in lines if line.strip()]
    random.Random(seed).shuffle(texts)
    return texts[:articles]


def main(data: Path, out: Path = FITTED, progress: bool = True) -> SpeechVerbs:
    """Learn the verbs of speech on `data` and write them into the fitted values `out`."""
    started = time.perf_counter()
    texts = sample(data)
    uses = verb_uses(texts, progress)
    lemmas = choose(uses)
    learned = SpeechVerbs(lemmas=lemmas, quoting=quoting(uses, lemmas),
                          forms=verb_forms(uses, lemmas), fitted={
        "data": data.resolve().name, "articles": len(texts), "characters": CHARACTERS,
        "clause_share": CLAUSE_SHARE, "quote_share": QUOTE_SHARE, "enough": ENOUGH,
        "uses": {lemma: {k: uses[lemma][k] for k in ("uses", "clause", "quote")}
                 for lemma in lemmas},
        "date": time.strftime("%Y-%m-%d")})
    replace(packaged(), speech=learned).save(out)
    print(f"verbs of speech ({len(texts)} articles, {time.perf_counter() - started:.0f} s): "
          f"{', '.join(lemmas)}\nwrote {out}")
    return learned
