"""Benchmark of news as it arrives (`newsdesk bench feeds`): prints tables, writes JSON.

1. Ingest from feeds: `items` RealTimeQA train articles served as pages from 127.0.0.1 (the
   `Newsroom`), listed by 10 RSS feeds, taken in by one watch poll; articles per second, and
   the ratio of its time to the floor of encoding the same text (title and chunks, as stored)
   with the model in the same run.
2. A re-poll with nothing new, by a new watch (as cron starts one): requests made, seconds.
3. Wire copies folded: each base article gets two copies made by light edits (a new headline,
   wire boilerplate around it, an update paragraph, a trimmed version, sentences dropped), and
   the copies arrive after the originals. A third of the base articles carry their outlet's
   page furniture (a newsletter box and a footer, the same for every article of the outlet, as
   extraction sometimes leaves it): different stories that share text, which must not fold.
   A pair counts as folded when both land in one story;
   precision and recall are over pairs. The knobs (shingle size, threshold) are swept on one half
   of the base articles and reported on the other half; the stored-vector alternative (cosine of
   one embedding per article) is swept the same way. Base articles that near-copy another
   article of the corpus already (its boilerplate pages) are left out, so that the only copies
   are the known ones.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from newsdesk.core.settings import Settings
from newsdesk.evals.newsroom import Newsroom
from newsdesk.evals.report import REPORTS
from newsdesk.index import wire
from newsdesk.index.embed import Embedder
from newsdesk.index.fetch import Fetcher, FetchPolicy
from newsdesk.index.ingest import title_prefix
from newsdesk.index.store import Store
from newsdesk.index.watch import Watcher

FEEDS = 10
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def train_articles(data: Path, min_words: int = 150) -> list[dict]:
    """RealTimeQA train articles of some length, each text once."""
    seen, articles = set(), []
    for line in (data / "corpus.jsonl").read_text().splitlines():
        record = json.loads(line)
        text = record["text"].strip()
        if len(text.split()) >= min_words and text not in seen:
            seen.add(text)
            articles.append(record)
    return articles


# -- 1 and 2: ingest from feeds, and a re-poll -------------------------------------------------

def measure_ingest(articles: list[dict], work: Path, embedder: Embedder) -> dict:
    with Newsroom("Benchmark Wire") as site:
        paths = []
        for n, article in enumerate(articles):
            path = f"/a/{n}.html"
            site.page(path, article.get("title") or f"Article {n}", article["text"],
                      date=_iso(article.get("date", "")))
            paths.append(path)
        for f in range(FEEDS):
            site.rss(f"/feed{f}.xml", f"Benchmark Wire {f}", paths[f::FEEDS])
        feeds = [f"{site.url}/feed{f}.xml" for f in range(FEEDS)]
        settings = Settings(home=work / "home-feeds")
        policy = FetchPolicy(delay=0, allow_hosts=frozenset({"127.0.0.1"}))
        with Watcher(feeds, settings, max_new=len(articles), embedder=embedder,
                     fetcher=Fetcher(policy)) as watcher:
            poll = watcher.poll()
        ingest_s = sum(f.ingested.seconds for f in poll.feeds if f.ingested)
        floor = _floor(embedder, settings)
        before = site.requests
        with Watcher(feeds, settings, max_new=len(articles), embedder=embedder,
                     fetcher=Fetcher(policy)) as watcher:
            again = watcher.poll()
        return {
            "items": len(articles), "articles": poll.new, "requests": poll.requests,
            "problems": len(poll.problems), "poll_s": round(poll.seconds, 2),
            "articles_per_s": round(poll.new / poll.seconds, 1),
            "ingest_s": round(ingest_s, 2), "fetch_and_extract_s": round(poll.seconds - ingest_s, 2),
            "floor_s": round(floor, 2), "poll_vs_floor_x": round(poll.seconds / floor, 2),
            "ingest_vs_floor_x": round(ingest_s / floor, 2),
            "repoll_requests": site.requests - before, "repoll_new": again.new,
            "repoll_s": round(again.seconds, 3),
        }


def _floor(embedder: Embedder, settings: Settings) -> float:
    """Seconds of the model encoding the stored chunks (after their titles), nothing else."""
    store = Store.open(settings)
    texts = [title_prefix(meta["title"]) + text for _, text, meta in store.all_chunks()]
    store.close()
    embedder.model.encode(texts[:64], batch_size=embedder.batch_size)  # warm
    started = time.perf_counter()
    embedder.model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
    return time.perf_counter() - started


def _iso(date: str) -> str:
    match = re.match(r"(\d{4})[/-](\d\d)[/-](\d\d)", date or "")
    return f"{match[1]}-{match[2]}-{match[3]}T12:00:00Z" if match else ""


# -- 3: wire copies ------------------------------------------------------------------------------

OUTLETS = [  # page furniture that extraction leaves in, written for this benchmark
    ("Get the Morning Ledger in your inbox. If your day does not start until you are up to speed "
     "on the latest headlines, sign up for our free newsletter: five stories, every weekday, "
     "before breakfast. By subscribing you agree to our terms of use and privacy policy.",
     "Copyright The Morning Ledger. All rights reserved. This material may not be published, "
     "broadcast, rewritten or redistributed. Follow us on social media for the latest updates, "
     "and download our app to get alerts when news breaks near you."),
    ("Coverage of this story is free to read. Support independent local journalism: become a "
     "member today for less than the price of a coffee a week, and get unlimited access to our "
     "reporting, puzzles and the weekend edition.",
     "Have a news tip? Contact our newsroom by email or telephone. Corrections and clarifications "
     "are published on our standards page. Comments on this article are closed after seven days "
     "to keep the conversation civil."),
    ("Listen to this article. Audio is generated automatically and may contain errors. Read more "
     "of our coverage in the topics section below, where you can also follow the reporters whose "
     "work you want to see first.",
     "Related topics: politics, business, world, climate, technology. More from our reporters: "
     "the week in pictures, the daily quiz, our explainers. Sign in to save this article and "
     "read it later on any device."),
]


def copies_set(articles: list[dict], rng: random.Random) -> tuple[list[str], list[int]]:
    """Texts (the originals, then their copies in random order) and the base each one is of."""
    texts = []
    for n, article in enumerate(articles):
        header, footer = OUTLETS[(n // 3) % len(OUTLETS)]
        texts.append(f"{header}\n\n{article['text']}\n\n{footer}" if n % 3 == 0 else article["text"])
    bases = list(range(len(articles)))
    made = []
    for base, text in enumerate(texts):
        for kind in rng.sample(EDITS, 2):
            made.append((kind(text, texts[(base + 1) % len(texts)], rng), base))
    rng.shuffle(made)
    return texts + [t for t, _ in made], bases + [b for _, b in made]


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def _headline(text: str, other: str, rng: random.Random) -> str:
    return text  # the body as it was: only the title changes, and titles are not compared


def _boilerplate(text: str, other: str, rng: random.Random) -> str:
    city = rng.choice(["LONDON", "NAIROBI", "LIMA", "OSLO"])
    return (f"{city} (Wire) — {text}\n\nReporting by Ana Lisboa; editing by Jonas Brekke. "
            "Our standards: the Trust Principles. Sign up for our daily briefing.")


def _update(text: str, other: str, rng: random.Random) -> str:
    added = " ".join(_sentences(other)[:3])
    return f"{text}\n\nUpdate: {added}"


def _trim(text: str, other: str, rng: random.Random) -> str:
    sentences = _sentences(text)
    return " ".join(sentences[: max(3, int(len(sentences) * 0.7))])


def _drop(text: str, other: str, rng: random.Random) -> str:
    return " ".join(s for s in _sentences(text) if rng.random() > 0.15)


EDITS = [_headline, _boilerplate, _update, _trim, _drop]


def fold_scores(signatures: list[np.ndarray], bases: list[int], threshold: float) -> dict:
    """Precision and recall over pairs when articles (their `signatures`) arrive in order and
    are folded by MinHash."""
    stories = wire.Stories([], threshold=threshold)
    story = [stories.assign(str(n), sig) for n, sig in enumerate(signatures)]
    return _pair_scores(story, bases)


def vector_scores(vectors: np.ndarray, bases: list[int], threshold: float) -> dict:
    """The same, folding an article into the story of the most similar earlier one by cosine."""
    story: list[int] = []
    for n in range(len(vectors)):
        best = int(np.argmax(vectors[:n] @ vectors[n])) if n else -1
        story.append(story[best] if n and float(vectors[best] @ vectors[n]) >= threshold else n)
    return _pair_scores(story, bases)


def _pair_scores(story: list, bases: list[int]) -> dict:
    predicted = {(a, b) for a, b in itertools.combinations(range(len(story)), 2)
                 if story[a] == story[b]}
    truth = {(a, b) for a, b in itertools.combinations(range(len(bases)), 2)
             if bases[a] == bases[b]}
    right = len(predicted & truth)
    return {"precision": round(right / len(predicted), 4) if predicted else 1.0,
            "recall": round(right / len(truth), 4), "pairs": len(truth)}


def measure_wire(articles: list[dict], embedder: Embedder, rng: random.Random) -> dict:
    clean = _without_near_copies(articles)
    rng.shuffle(clean)
    half = len(clean) // 2
    tune_texts, tune_bases = copies_set(clean[:half], rng)
    test_texts, test_bases = copies_set(clean[half:], rng)
    tune_sigs = {k: [wire.signature(t, k) for t in tune_texts] for k in (2, 3, 5)}
    test_sigs = {k: [wire.signature(t, k) for t in test_texts] for k in (2, 3, 5)}
    sweep = [{"method": "minhash", "shingle": shingle, "threshold": threshold,
              **fold_scores(tune_sigs[shingle], tune_bases, threshold)}
             for shingle in (2, 3, 5) for threshold in (0.3, 0.4, 0.5, 0.6, 0.7)]
    tune_vectors = embedder.embed(tune_texts)
    sweep += [{"method": "vectors", "threshold": threshold,
               **vector_scores(tune_vectors, tune_bases, threshold)}
              for threshold in (0.8, 0.85, 0.9, 0.95, 0.98)]
    best = {method: max((r for r in sweep if r["method"] == method), key=_f1)
            for method in ("minhash", "vectors")}
    reported = [
        {"method": "minhash (in use)", "shingle": wire.SHINGLE, "threshold": wire.THRESHOLD,
         **fold_scores(test_sigs[wire.SHINGLE], test_bases, wire.THRESHOLD)},
        {"method": "minhash (best on tune)", "shingle": best["minhash"]["shingle"],
         "threshold": best["minhash"]["threshold"],
         **fold_scores(test_sigs[best["minhash"]["shingle"]], test_bases,
                       best["minhash"]["threshold"])},
        {"method": "vectors (best on tune)", "threshold": best["vectors"]["threshold"],
         **vector_scores(embedder.embed(test_texts), test_bases, best["vectors"]["threshold"])},
    ]
    return {"bases": len(clean), "tune_articles": len(tune_texts),
            "test_articles": len(test_texts), "sweep": sweep, "reported": reported}


def _f1(row: dict) -> float:
    p, r = row["precision"], row["recall"]
    return 2 * p * r / (p + r) if p + r else 0.0


def _without_near_copies(articles: list[dict]) -> list[dict]:
    """The articles that copy no other article of the list (estimated Jaccard under 0.3)."""
    signatures = [wire.signature(a["text"]) for a in articles]
    stories = wire.Stories([], threshold=0.3)
    story = [stories.assign(str(n), sig) for n, sig in enumerate(signatures)]
    sizes: dict[str, int] = {}
    for s in story:
        sizes[s] = sizes.get(s, 0) + 1
    return [a for a, s in zip(articles, story, strict=True) if sizes[s] == 1]


# -- the report ----------------------------------------------------------------------------------

def main(data: Path, items: int = 1000, wire_bases: int = 400, reports: Path = REPORTS) -> Path:
    """Run the three measurements (the first two only with `items`); print their tables and
    write JSON under `reports`."""
    from newsdesk.evals.bench import table

    articles = train_articles(data)
    if len(articles) < items + wire_bases:
        raise SystemExit(f"newsdesk: {data} holds {len(articles)} articles; ask for fewer --items")
    embedder = Embedder.of(Settings.load())
    rng = random.Random(34)
    work = Path(tempfile.mkdtemp(prefix="newsdesk-bench-feeds-"))
    result = {}
    if items:
        print(f"ingest: {items} feed items from 127.0.0.1 …", file=sys.stderr)
        result["ingest"] = measure_ingest(articles[:items], work, embedder)
        print("\ningest from feeds, and a re-poll with nothing new\n" + table([result["ingest"]]))
    print(f"wire copies: {wire_bases} base articles …", file=sys.stderr)
    # The wire set's articles are never the feed set's, whatever --items is.
    result["wire"] = measure_wire(articles[-wire_bases:], embedder, rng)
    print("\nwire copies folded: the sweep on the tune half\n" + table(result["wire"]["sweep"]))
    print("\nwire copies folded: the other half\n" + table(result["wire"]["reported"]))
    reports.mkdir(parents=True, exist_ok=True)
    path = reports / f"bench-feeds-{time.strftime('%Y-%m-%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"\nwrote {path}")
    return path
